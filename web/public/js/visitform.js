// The visit form (走访): to a household, a building or a place; purpose (from /meta), who was met
// (the household's residents as checkboxes), notes, needs raised (诉求) each with "follow up",
// and photos. Saved to the outbox as op "visit" with a client UUID (sync.js POST /visits), so
// it works offline and a resend after a lost answer is stored once. The outbox label names the
// place visited, never a person: personal data stays out of lists and logs.
import { app } from "./state.js";
import { api } from "./api.js";
import { t, term } from "./i18n.js";
import { h, openSheet, closeSheet, field, select, setError, toast } from "./ui.js";
import { visitPurposes } from "./meta.js";
import { photoPicker } from "./photos.js";
import { uuid } from "./uuid.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";
import { openDiary, shanghaiDay } from "./diary.js";

const PURPOSE = "visit"; // why the register is read here: a household visit (audited by the server)

function nowLocalInput() {
  const d = new Date();
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

/**
 * The residents of a household as stored (read with the purpose "visit"), or null when they
 * cannot be read (offline and never read before, or the household is still in the outbox).
 */
async function residentsOf(target) {
  if (target.persons) return target.persons;
  if (target.kind !== "household" || target.building_id == null) return null;
  try {
    const reg = await api(`/buildings/${encodeURIComponent(target.building_id)}/register?purpose=${PURPOSE}`);
    for (const u of reg.units) for (const f of u.floors) for (const r of f.rooms) {
      const hh = r.households.find((x) => x.id === target.id);
      if (hh) return hh.persons || [];
    }
  } catch { /* offline: the due items' people are offered instead */ }
  return null;
}

/** The "who was met" checkboxes, filled once the residents are known. */
function metBox(target, fallback, met) {
  const box = h("fieldset", { class: "field met" }, h("legend", {}, t("visit_met")),
    h("p", { class: "muted" }, t("loading")));
  residentsOf(target).then((people) => {
    const list = people?.length ? people : fallback;
    box.replaceChildren(h("legend", {}, t("visit_met")),
      !people?.length && fallback.length ? h("p", { class: "hint", role: "status" }, t("visit_residents_offline")) : null, ...(list.length
      ? list.map((p) => h("label", { class: "check" },
        h("input", { type: "checkbox", name: "met", value: p.id, checked: met.includes(p.id) }), p.name || t("person_masked")))
      : [h("p", { class: "muted" }, t("visit_no_residents"))]));
  });
  return box;
}

/** One need raised (诉求): its text and "follow up". */
function needRow(n) {
  const text = h("input", { type: "text", name: "need_text", maxlength: 500, "aria-label": t("need_n", { n: n + 1 }) });
  return h("div", { class: "need-row" }, text,
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "need_follow" }), t("need_follow_up")));
}

/** The needs typed so far: [{text, follow_up}] without blank rows. */
function readNeeds(box) {
  return [...box.querySelectorAll(".need-row")].map((row) => ({
    text: row.querySelector("[name=need_text]").value.trim(),
    follow_up: row.querySelector("[name=need_follow]").checked,
  })).filter((n) => n.text);
}

/** The request body of `target`: exactly one of household_id / building_id / place_id. */
function targetField(target) {
  if (target.kind === "building") return { building_id: Number(target.id) };
  return { [`${target.kind}_id`]: target.id };
}

/**
 * Open the visit form. `target` = {kind: "household"|"building"|"place", id, label,
 * building_id?, persons?}; `fallbackPersons` are offered when the residents cannot be read;
 * `met` are ticked and `purpose` chosen at the start.
 */
export function openVisitForm(opts) {
  const { target, fallbackPersons = [], met = [], purpose = null, photos: kept = [], needs = 1 } = opts;
  const purposes = visitPurposes(app.meta);
  const purposeSel = select("purpose", purposes, term, { value: purpose || purposes[0]?.code });
  const when = h("input", { type: "datetime-local", name: "visited_at", value: nowLocalInput(), max: nowLocalInput() });
  const notes = h("textarea", { name: "notes", rows: 3, maxlength: 5000 });
  const needBox = h("div", { class: "needs" });
  for (let i = 0; i < needs; i += 1) needBox.append(needRow(i));
  const addNeed = h("button", { type: "button", class: "big secondary", dataset: { addNeed: "" },
    onclick: () => { needBox.append(needRow(needBox.children.length)); needBox.lastChild.querySelector("input").focus(); } }, t("need_add"));
  const pics = photoPicker(kept);
  const form = h("form", { class: "visit-form", novalidate: true, dataset: { kind: target.kind, target: String(target.id) } },
    h("p", { class: "edit-what" }, t(`visit_to_${target.kind}`, { name: target.label || "" })),
    field("visit_purpose", purposeSel, { required: true }),
    field("visited_at", when, { required: true }),
    target.kind === "household" ? metBox(target, fallbackPersons, met) : null,
    field("visit_notes", notes),
    h("fieldset", { class: "field" }, h("legend", {}, t("needs_raised")), needBox, addNeed),
    pics.el,
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "big secondary", onclick: closeSheet }, t("cancel")),
      h("button", { type: "submit", class: "big primary" }, t("save"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setError(purposeSel, purposeSel.value ? "" : t("required"));
    const at = when.value ? new Date(when.value) : null;
    setError(when, !at || Number.isNaN(+at) ? t("required")
      : at.getTime() > Date.now() + 5 * 60000 ? t("not_in_future") : at.getFullYear() < 2000 ? t("refusal_too_old") : "");
    const bad = form.querySelector("[aria-invalid=true]");
    if (bad) { bad.focus(); return; }
    const id = uuid();
    const needList = readNeeds(needBox);
    const body = {
      id, ...targetField(target), purpose: purposeSel.value, visited_at: at.toISOString(),
      notes: notes.value.trim(), needs: needList, photos: [],
      person_ids: [...form.querySelectorAll("[name=met]:checked")].map((c) => c.value),
    };
    const label = `${t("visit")} · ${target.label || t(target.kind)}`;
    await queue.enqueue({ id, op: "visit", body, photos: pics.files(), label });
    closeSheet();
    toast(navigator.onLine ? t("visit_saved") : t("visit_saved_offline"), "ok");
    // A need to follow up can become a case: the day's log shows the visit with that button.
    if (needList.some((n) => n.follow_up)) openDiary(shanghaiDay(at));
    await syncNow();
  });
  openSheet(t("visit_title"), form, { name: "form-visit",
    rerender: () => openVisitForm({ ...opts, photos: pics.files(), needs: Math.max(1, needBox.children.length) }) });
}

/** A "visit" button for a target of the officer's own cells (tap sheet, building register). */
export function visitButton(target, cellCode) {
  if (!app.ownCodes.includes(cellCode)) return null;
  return h("button", { type: "button", class: "big alt", dataset: { visit: target.kind, visitTarget: String(target.id) },
    onclick: () => openVisitForm({ target }) }, t(`visit_${target.kind}_btn`, { name: target.label || "" }));
}
