// Small DOM helpers shared by the screens: an element builder, the bottom/side sheet and toasts.
import { t, applyDom } from "./i18n.js";
import { h } from "./dom.js";

export { h };

const sheet = () => document.getElementById("sheet");
let onClose = null;
let rebuild = null;

/**
 * Show `content` in the sheet (side panel in landscape, bottom sheet in portrait). `rerender`
 * rebuilds the same sheet (used when the language changes, see rerenderSheet).
 */
export function openSheet(title, content, { name = "", closed, rerender } = {}) {
  const el = sheet();
  if (onClose) { const f = onClose; onClose = null; f(); }
  onClose = closed || null;
  rebuild = rerender || null;
  el.replaceChildren(
    h("div", { class: "sheet-head" },
      h("h2", { id: "sheet-title" }, title),
      h("button", { class: "icon-btn", type: "button", "data-i18n-label": "close", onclick: closeSheet }, "✕")),
    h("div", { class: "sheet-body" }, content),
  );
  el.dataset.name = name;
  el.hidden = false;
  applyDom(el);
  document.body.classList.add("sheet-open");
  window.dispatchEvent(new Event("resize")); // let the map fit the space left
}

export function closeSheet() {
  const el = sheet();
  rebuild = null;
  el.hidden = true;
  el.dataset.name = "";
  document.body.classList.remove("sheet-open");
  if (onClose) { const f = onClose; onClose = null; f(); }
  window.dispatchEvent(new Event("resize"));
}

export const sheetName = () => (sheet().hidden ? "" : sheet().dataset.name);

/** The values of the named controls in the sheet, in document order: [[name, value], ...]. */
function formValues(root) {
  return [...root.querySelectorAll("input[name], select[name], textarea[name]")]
    .filter((el) => el.type !== "file")
    .map((el) => [el.name, el.type === "checkbox" ? el.checked : el.value]);
}

/**
 * Build the open sheet again (in the new language) and put back what the officer had typed:
 * each control gets the value of the same-named one, in order, and a changed <select> is
 * announced (so a place kind re-creates its attribute fields before those are filled).
 */
export function rerenderSheet() {
  if (sheet().hidden || !rebuild) return false;
  const values = formValues(sheet());
  const scroll = sheet().scrollTop;
  const f = rebuild;
  f();
  const used = new Map();
  for (const [name, value] of values) {
    const k = used.get(name) || 0;
    used.set(name, k + 1);
    const el = sheet().querySelectorAll(`[name="${CSS.escape(name)}"]`)[k];
    if (!el) continue;
    if (el.type === "checkbox") el.checked = value;
    else if (el.value !== value) {
      el.value = value;
      if (el.tagName === "SELECT") el.dispatchEvent(new Event("change"));
    }
  }
  sheet().scrollTop = scroll;
  return true;
}

let toastTimer = null;

/** A short message at the top of the screen; `kind` is "info", "ok" or "error". */
export function toast(message, kind = "info", ms = 4000) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, ms);
}

/**
 * A labelled form field wrapper: label, control, and a slot for its error message. The label is
 * the UI string `labelKey`, or `label` as given (a /meta term already in the current language).
 */
export function field(labelKey, control, { required = false, hint, label } = {}) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  if (required) control.required = true;
  return h("div", { class: "field" },
    h("label", { for: id }, label ?? t(labelKey), required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
    control,
    hint ? h("div", { class: "hint" }, hint) : null,
    h("div", { class: "err", role: "alert" }));
}

/** A <select> of /meta terms; `labelOf(term)` gives the shown text. */
export function select(name, list, labelOf, { value, placeholderKey = "choose" } = {}) {
  return h("select", { name },
    h("option", { value: "" }, t(placeholderKey)),
    list.map((x) => h("option", { value: x.code, selected: x.code === value }, labelOf(x))));
}

/**
 * Mark a field invalid with `message` (or clear it when message is empty). A marked field clears
 * itself as soon as the officer changes it, so no red stays on a field already put right; the
 * form checks it again on save.
 */
export function setError(control, message) {
  const box = control.closest(".field")?.querySelector(".err");
  if (box) box.textContent = message || "";
  if (message) {
    control.setAttribute("aria-invalid", "true");
    const clear = () => setError(control, "");
    control.addEventListener("input", clear, { once: true });
    control.addEventListener("change", clear, { once: true });
  } else control.removeAttribute("aria-invalid");
}
