// Small DOM helpers shared by the screens: an element builder, the bottom/side sheet and toasts.
import { t, applyDom } from "./i18n.js";

/** h("button", {class: "big", onclick}, "text", child) -> element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const sheet = () => document.getElementById("sheet");
let onClose = null;

/** Show `content` in the sheet (side panel in landscape, bottom sheet in portrait). */
export function openSheet(title, content, { name = "", closed } = {}) {
  const el = sheet();
  if (onClose) { const f = onClose; onClose = null; f(); }
  onClose = closed || null;
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
  el.hidden = true;
  el.dataset.name = "";
  document.body.classList.remove("sheet-open");
  if (onClose) { const f = onClose; onClose = null; f(); }
  window.dispatchEvent(new Event("resize"));
}

export const sheetName = () => (sheet().hidden ? "" : sheet().dataset.name);

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

/** A labelled form field wrapper: label, control, and a slot for its error message. */
export function field(labelKey, control, { required = false, hint } = {}) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  if (required) control.required = true;
  return h("div", { class: "field" },
    h("label", { for: id }, t(labelKey), required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
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

/** Mark a field invalid with `message` (or clear it when message is empty). */
export function setError(control, message) {
  const box = control.closest(".field")?.querySelector(".err");
  if (box) box.textContent = message || "";
  if (message) control.setAttribute("aria-invalid", "true");
  else control.removeAttribute("aria-invalid");
}
