// A hazard point's rectification on the tablet (整改 → 复查 → 销号): its stage, deadline and
// history, and the actions the officer may take now, all from /meta (cases.rectification) and the
// server's answer. Reading it needs a connection; the actions go through the outbox (sync.js), so
// a step taken offline is sent, once, when the tablet is back online.
import { app } from "./state.js";
import { t, term, formatTime } from "./i18n.js";
import { h } from "./dom.js";
import { api } from "./api.js";
import { uuid } from "./uuid.js";
import { preparePhoto } from "./photos.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";

const rules = () => app.meta.raw?.cases?.rectification || { stages: [], steps: [], escalation_targets: [] };
const byCode = (list, code) => list.find((x) => x.code === code);

/** Whether places of `kind` are rectified (a hazard point). */
export const rectified = (kind) => (rules().place_kinds || []).includes(kind);

/** The chosen photo, made ready to send (the outbox uploads it before the step). */
async function photoOf(input) {
  const file = input?.files[0];
  return file ? [await preparePhoto(file)] : [];
}

/** Queue an action, send what can go now, then show the server's state (or that it waits). */
async function queued(panel, place, item, label) {
  await queue.enqueue({ ...item, label });
  await syncNow();
  if (navigator.onLine) {
    await panel.onLoopChange?.(); // the form follows first, then the panel (and its lock) shows
    return fill(panel, place);
  }
  panel.querySelector(".rect-body").replaceChildren(
    h("p", { class: "rect-queued" }, t("action_queued", { action: label })));
}

function stepButton(panel, place, rect, action) {
  const step = rules().steps.find((s) => s.action === action && s.from === rect.stage) || { action };
  return h("button", { type: "button", class: "big secondary", dataset: { rectAction: action },
    onclick: async () => {
      const body = { action, version: rect.version, note: panel.querySelector("[name=rect-note]").value };
      try {
        const photos = step.photos ? await photoOf(panel.querySelector("[name=rect-photo]")) : [];
        if (step.photos && !photos.length) throw new Error(t("rect_need_photo"));
        if (step.escalation) body.escalated_to = panel.querySelector("[name=rect-target]").value;
        await queued(panel, place, { op: "rect-step", target: rect.id, body, photos }, term(step));
      } catch (e) { showError(panel, e); }
    } }, term(step));
}

function showError(panel, e) {
  const el = panel.querySelector(".rect-error");
  el.hidden = false;
  el.textContent = e.message;
}

function current(panel, place, rect) {
  const r = rules();
  const stage = byCode(r.stages, rect.stage);
  const needs = rect.allowed_actions.map((a) => r.steps.find((s) => s.action === a && s.from === rect.stage) || {});
  return [
    h("p", { class: "rect-stage", dataset: { stage: rect.stage } }, `${t("rect_stage")}: ${term(stage) || rect.stage}`,
      rect.deadline ? h("span", { class: rect.overdue ? "deadline overdue" : "deadline" },
        ` · ${rect.overdue ? t("overdue_since", { time: formatTime(rect.deadline) }) : t("due_at", { time: formatTime(rect.deadline) })}`) : null),
    h("ol", { class: "rect-steps" }, rect.steps.map((s) => h("li", {}, `${formatTime(s.at)} ${term(r.steps.find((x) => x.action === s.action)) || t("rect_found")}${s.note ? ` · ${s.note}` : ""}`))),
    rect.allowed_actions.length ? h("input", { type: "text", name: "rect-note", maxlength: 2000, placeholder: t("rect_note") }) : null,
    needs.some((s) => s.photos) ? h("input", { type: "file", name: "rect-photo", accept: "image/*", capture: "environment" }) : null,
    needs.some((s) => s.escalation) ? h("select", { name: "rect-target" },
      r.escalation_targets.map((x) => h("option", { value: x.code }, term(x)))) : null,
    h("div", { class: "case-actions" }, rect.allowed_actions.map((a) => stepButton(panel, place, rect, a))),
  ];
}

/** Once a hazard has a rectification, the attributes the loop owns (/meta loop_attrs: deadline,
 * status) are shown but not editable on the place's form beside the panel: the server refuses a
 * hand edit of them, so the form must not offer one. */
function lockLoopAttrs(panel, owned) {
  const form = panel.parentElement?.querySelector("form");
  for (const code of rules().loop_attrs || []) {
    const el = form?.querySelector(`[name="${code}"]`);
    if (!el) continue;
    el.disabled = owned;
    el.closest("label, .field")?.classList.toggle("loop-owned", owned);
    const hint = el.parentElement?.querySelector(".loop-hint");
    if (owned && !hint) el.after(h("small", { class: "loop-hint" }, t("rect_owned")));
    if (!owned && hint) hint.remove();
  }
}

async function fill(panel, place) {
  const body = panel.querySelector(".rect-body");
  if (!navigator.onLine) {
    // offline the loop's existence is read from the status it wrote on the place
    lockLoopAttrs(panel, (rules().loop_attrs || []).some((c) => place.attrs?.[c] != null));
    body.replaceChildren(h("p", {}, t("rect_online_only")));
    return;
  }
  const list = await api(`/places/${place.id}/rectifications`);
  lockLoopAttrs(panel, list.length > 0);
  const open = list.find((x) => byCode(rules().stages, x.stage)?.is_open);
  const start = h("button", { type: "button", class: "big secondary", dataset: { rectAction: "open" },
    onclick: async () => {
      try {
        const id = uuid();
        await queued(panel, place, { id, op: "rect-open", target: place.id, body: { id } }, t("rect_start"));
      } catch (e) { showError(panel, e); }
    } }, t("rect_start"));
  body.replaceChildren(...(open ? current(panel, place, open).filter(Boolean) : [
    h("p", {}, list.length ? t("rect_none_open", { n: list.length }) : t("rect_none")), start]));
}

/** The rectification panel of a hazard place (properties of its feature); `onLoopChange` runs
 * after a step is stored (the place then has a new version). */
export function rectificationPanel(place, onLoopChange) {
  const panel = h("section", { class: "rect-panel", dataset: { place: place.id } },
    h("h3", {}, t("rect_title")), h("div", { class: "rect-body" }, h("p", {}, t("an_loading"))),
    h("p", { class: "rect-error error", role: "alert", hidden: true }));
  panel.onLoopChange = onLoopChange; // the place changed with a step (edits.js follows it)
  fill(panel, place).catch((e) => showError(panel, e));
  return panel;
}
