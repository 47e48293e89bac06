// A dispute's mediation on the tablet (调解): mediator, outcome, referral, agreement, mass
// incident and sessions, with the outcomes and targets from /meta (cases.mediation). Opening it
// needs a connection; a session and the form go through the outbox (sync.js), so what is entered
// offline is sent, once, when the tablet is back online.
import { app } from "./state.js";
import { t, term, formatTime } from "./i18n.js";
import { h, openSheet, closeSheet, field, select, toast } from "./ui.js";
import { api } from "./api.js";
import { kindRule } from "./meta.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";

const rules = () => app.meta.raw?.cases?.mediation || { outcomes: [], referral_targets: [] };

/** Whether records of `kind` carry a mediation (the kinds whose form names parties). */
export const mediated = (kind) => Boolean(kindRule(app.meta, kind).parties);

function form(c, m) {
  const r = rules();
  const name = h("input", { type: "text", name: "mediator_name", maxlength: 100, value: m.mediator_name || app.me.display_name || "" });
  const outcome = select("outcome", r.outcomes, term, { value: m.outcome || "" });
  const target = select("referred_to", r.referral_targets, term, { value: m.referred_to || "" });
  const agreement = h("textarea", { name: "agreement", rows: 3, maxlength: 5000 }, m.agreement || "");
  const mass = h("input", { type: "checkbox", name: "mass_incident", checked: m.mass_incident });
  const headcount = h("input", { type: "number", name: "headcount", min: 0, value: m.headcount || 0 });
  const note = h("input", { type: "text", name: "session_note", maxlength: 2000 });
  const showTarget = () => { target.closest(".field").hidden = !r.outcomes.find((o) => o.code === outcome.value)?.referral; };
  outcome.addEventListener("change", showTarget);
  const el = h("form", { class: "edit-form mediation", novalidate: true },
    h("ol", { class: "sessions" }, m.sessions.map((s) => h("li", {}, `${formatTime(s.at)} ${s.note}`))),
    field("med_session_note", note),
    h("button", { type: "button", class: "big secondary", dataset: { do: "session" }, onclick: async () => {
      const body = { at: new Date().toISOString(), note: note.value };
      await queue.enqueue({ op: "med-session", target: c.id, body, label: t("med_add_session") });
      await syncNow();
      if (navigator.onLine) return openMediation(c);
      el.querySelector(".sessions").append(h("li", { class: "queued" }, `${formatTime(body.at)} ${body.note}`));
      note.value = "";
    } }, t("med_add_session")),
    field("med_mediator", name), field("med_outcome", outcome), field("med_referred_to", target),
    field("med_agreement", agreement),
    h("label", { class: "check" }, mass, " ", t("med_mass_incident")), field("med_headcount", headcount),
    h("p", { class: "error", role: "alert", hidden: true }),
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "big secondary", onclick: closeSheet }, t("cancel")),
      h("button", { type: "submit", class: "big primary" }, t("save"))));
  el.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { mediator_name: name.value.trim(), outcome: outcome.value || null,
      referred_to: target.closest(".field").hidden ? null : target.value || null,
      agreement: agreement.value, mass_incident: mass.checked, headcount: Number(headcount.value) || 0 };
    try {
      await queue.enqueue({ op: "mediation", target: c.id, body, label: t("med_title") });
      await syncNow();
      closeSheet();
      toast(navigator.onLine ? t("med_saved") : t("action_queued", { action: t("med_title") }), "ok");
    } catch (err) {
      const p = el.querySelector(".error");
      p.hidden = false;
      p.textContent = err.message;
    }
  });
  showTarget();
  return el;
}

/** Open the mediation sheet of dispute case `c` (online). */
export async function openMediation(c) {
  if (!navigator.onLine) { toast(t("rect_online_only"), "info"); return; }
  const m = await api(`/records/${c.id}/mediation`);
  openSheet(t("med_title"), form(c, m), { name: "mediation" });
}
