// Editing what is already stored: a record's category, priority and description, and a place's
// name, address, risk level and kind attributes. An edit is a PATCH at the version the officer
// saw, sent through the outbox like everything else. When someone else changed it first (409),
// the outbox shows both versions side by side and the officer chooses (conflictView, reapply).
import { app } from "./state.js";
import { t, term } from "./i18n.js";
import { h, openSheet, closeSheet, field, select, setError, toast } from "./ui.js";
import { find } from "./meta.js";
import { api } from "./api.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";
import { attrsOf, attrControl, attrText, readAttrs } from "./placeattrs.js";
import { valuesOf, diff, patchBody, PLACE_FIELDS, RECORD_FIELDS } from "./editdiff.js";
import { rectified, rectificationPanel } from "./rectify.js";

const shortText = (s, n = 20) => (s && s.length > n ? `${s.slice(0, n)}…` : s || "");

function formButtons() {
  return h("div", { class: "form-actions" },
    h("button", { type: "button", class: "big secondary", onclick: closeSheet }, t("cancel")),
    h("button", { type: "submit", class: "big primary" }, t("save")));
}

/** Queue the edit, show it locally at once (the version stays the one seen until the server answers). */
async function queueEdit({ op, target, seen, edited, label, applyLocally }) {
  const { changes, attrChanges } = diff(op, seen, edited);
  if (!Object.keys(changes).length && !Object.keys(attrChanges).length) {
    closeSheet();
    toast(t("nothing_changed"), "info");
    return null;
  }
  const item = { op, target, changes, attrChanges, base: seen };
  const body = patchBody(item, seen);
  const queued = await queue.enqueue({ op, target, body, label, extra: { changes, attrChanges, base: seen } });
  applyLocally(changes, attrChanges);
  closeSheet();
  toast(navigator.onLine ? t("saved_sending") : t("saved_offline"), "ok");
  await syncNow();
  return queued;
}

/** The edit form of a record (a case in "my cases" or a record tapped on the map). */
export function openRecordEdit(rec) {
  const { meta } = app;
  const seen = valuesOf("patch", rec);
  const categories = meta.categories[rec.kind] || [];
  const category = select("category", categories, term, { value: rec.category });
  const hasPriority = rec.priority != null;
  const priority = select("priority", meta.priorities,
    (p) => (p.hours != null ? `${term(p)} (${t("hours_n", { n: p.hours })})` : term(p)), { value: rec.priority });
  const description = h("textarea", { name: "description", rows: 4, maxlength: 5000 });
  description.value = rec.description || "";
  const kind = find(meta.recordKinds, rec.kind);
  const form = h("form", { class: "edit-form record-edit", novalidate: true, dataset: { id: rec.id } },
    h("p", { class: "edit-what" }, `${term(kind)} · ${rec.cell_code ? t("cell_short", { code: rec.cell_code }) : ""}`),
    field("category", category, { required: true }),
    hasPriority ? field("priority", priority, { required: true }) : null,
    field("description", description, { required: true }),
    formButtons());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setError(category, category.value ? "" : t("required"));
    if (hasPriority) setError(priority, priority.value ? "" : t("required"));
    setError(description, description.value.trim().length >= 2 ? "" : t("describe_briefly"));
    const bad = form.querySelector("[aria-invalid=true]");
    if (bad) return bad.focus();
    const edited = { category: category.value, description: description.value.trim() };
    if (hasPriority) edited.priority = priority.value;
    await queueEdit({
      op: "patch", target: rec.id, seen, edited,
      label: `${t("edit")} · ${term(kind)} · ${shortText(edited.description)}`,
      applyLocally: (changes) => {
        Object.assign(rec, changes);
        window.dispatchEvent(new CustomEvent("records-edited", { detail: { id: rec.id } }));
      },
    });
  });
  openSheet(t("edit_record"), form, { name: "edit-record", rerender: () => openRecordEdit(rec),
    closed: () => app.map.setPending(null) });
  if (Number.isFinite(rec.lon)) app.map.setPending([rec.lon, rec.lat], true); // which one is being edited
}

/** The edit form of a place tapped on the map (its kind is fixed; its point is not moved here). */
export function openPlaceEdit(feature) {
  const { meta } = app;
  const p = feature.properties;
  let seen = valuesOf("patch-place", feature);
  const name = h("input", { type: "text", name: "name", maxlength: 200, value: p.name || "" });
  const address = h("input", { type: "text", name: "address", maxlength: 300, value: p.address || "" });
  const risk = select("risk_level", meta.riskLevels, term, { value: p.risk_level });
  const attrInputs = attrsOf(p.kind).map((f) => ({ f, el: attrControl(f, p.attrs?.[f.code]) }));
  const form = h("form", { class: "edit-form place-edit", novalidate: true, dataset: { id: p.id } },
    h("p", { class: "edit-what" }, `${term(find(meta.placeKinds, p.kind))} · ${t("cell_short", { code: p.cell_code })}`),
    field("place_name", name, { required: true }),
    field("address", address),
    field("risk_level", risk, { required: true }),
    h("div", { class: "attrs" }, attrInputs.map(({ f, el }) => field(f.code, el, { label: term(f), required: f.required }))),
    formButtons());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setError(name, name.value.trim() ? "" : t("required"));
    setError(risk, risk.value ? "" : t("required"));
    const { values, errors } = readAttrs(attrInputs);
    errors.forEach(([el, msg]) => setError(el, msg));
    const bad = form.querySelector("[aria-invalid=true]");
    if (bad) return bad.focus();
    const edited = { name: name.value.trim(), address: address.value.trim(), risk_level: risk.value,
      attrs: values, attrKeys: attrInputs.map((a) => a.f.code) };
    await queueEdit({
      op: "patch-place", target: p.id, seen, edited,
      label: `${t("edit")} · ${term(find(meta.placeKinds, p.kind))} · ${edited.name}`,
      applyLocally: (changes, attrChanges) => {
        Object.assign(p, changes);
        for (const [k, v] of Object.entries(attrChanges)) {
          p.attrs = { ...(p.attrs || {}) };
          if (v === null) delete p.attrs[k]; else p.attrs[k] = v;
        }
        app.map.showPlaces(app.places);
      },
    });
  });
  // a hazard point's rectification loop, beside its attributes (its actions are not part of the form)
  // a step of the loop writes the place's deadline and status (a new version): the form follows,
  // so saving it afterwards is not a conflict with the officer's own step
  const followLoop = async () => {
    const now = (await api(`/places?cell=${encodeURIComponent(p.cell_code)}`)).features
      .find((f) => f.properties.id === p.id);
    if (!now) return;
    seen = valuesOf("patch-place", now);
    Object.assign(p, now.properties);
    const owned = app.meta.raw?.cases?.rectification?.loop_attrs || [];
    for (const { f, el } of attrInputs) if (owned.includes(f.code)) el.value = p.attrs?.[f.code] ?? "";
    app.map.showPlaces(app.places);
  };
  const content = rectified(p.kind) ? h("div", {}, form, rectificationPanel(p, followLoop)) : form;
  openSheet(t("edit_place"), content, { name: "edit-place", rerender: () => openPlaceEdit(feature),
    closed: () => app.map.setPending(null) });
  app.map.setPending(feature.geometry.coordinates, true);
}

/** A value of `field` as shown to a person. */
function shown(op, fieldName, value, kind) {
  const { meta } = app;
  if (value == null || value === "") return "—";
  if (fieldName === "category") return term(find(meta.categories[kind] || [], value)) || value;
  if (fieldName === "priority") return term(find(meta.priorities, value)) || value;
  if (fieldName === "risk_level") return term(find(meta.riskLevels, value)) || value;
  return String(value);
}

const LABELS = { category: "category", priority: "priority", description: "description",
  name: "place_name", address: "address", risk_level: "risk_level" };

/**
 * The two versions of a conflicting edit, field by field: what the officer changed it to and what
 * it is now (after the other person's change), for every field either of them touched.
 */
export function conflictView(item) {
  const current = valuesOf(item.op, item.current);
  if (!current) return null;
  const base = item.base || {};
  const kind = item.op === "patch" ? item.current.kind : item.current.properties?.kind;
  const rows = [];
  const fields = item.op === "patch-place" ? PLACE_FIELDS : RECORD_FIELDS;
  for (const f of fields) {
    const mine = f in (item.changes || {});
    const theirs = !Object.is(base[f] ?? "", current[f] ?? "") && base[f] !== undefined;
    if (!mine && !theirs) continue;
    rows.push([t(LABELS[f]), mine ? shown(item.op, f, item.changes[f], kind) : shown(item.op, f, base[f], kind),
      shown(item.op, f, current[f], kind), mine, f]);
  }
  if (item.op === "patch-place") {
    const fields = Object.fromEntries(attrsOf(kind).map((f) => [f.code, f]));
    const differs = (k) => JSON.stringify((base.attrs || {})[k]) !== JSON.stringify(current.attrs[k]);
    const keys = new Set([...Object.keys(item.attrChanges || {}),
      ...Object.keys(current.attrs || {}).filter((k) => k in fields && differs(k))]);
    for (const k of keys) {
      const mine = k in (item.attrChanges || {});
      const f = fields[k];
      const value = mine ? item.attrChanges[k] : base.attrs?.[k];
      rows.push([f ? term(f) : k, attrText(f, value) || "—", attrText(f, current.attrs?.[k]) || "—", mine, `attrs.${k}`]);
    }
  }
  return h("table", { class: "versions" },
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, ""),
      h("th", { scope: "col" }, t("version_mine")),
      h("th", { scope: "col" }, t("version_current", { version: current.version ?? "?" })))),
    h("tbody", {}, rows.map(([label, mine, now, changedByMe, key]) => h("tr", { dataset: { field: key }, class: changedByMe ? "mine" : "" },
      h("th", { scope: "row" }, label),
      h("td", { class: "v-mine" }, mine),
      h("td", { class: "v-current" }, now)))));
}

/** Put the item's changes on the current version and send again (the officer chose so). */
export async function reapply(item) {
  const current = valuesOf(item.op, item.current);
  item.body = patchBody(item, current);
  item.base = current;
  Object.assign(item, { state: "waiting", error: null, current: null });
  await queue.update(item);
  return syncNow();
}

export const isEdit = (item) => item.op === "patch" || item.op === "patch-place";

/** Drop the officer's edit and show the current version in its place (the officer chose so). */
export async function discard(item) {
  await queue.remove(item);
  if (item.current) showStored(item, item.current);
}

/** Put a stored record or place (the server's answer) in the app's copy and redraw. */
function showStored(item, stored) {
  if (item.op === "patch-place" || item.op === "place") {
    const i = app.places.findIndex((f) => (f.properties.id ?? f.id) === (stored.properties?.id ?? stored.id));
    if (i >= 0) app.places[i] = stored; else if (item.op === "place") app.places.push(stored);
    app.map?.showPlaces(app.places);
  } else if (item.op === "patch" || item.op === "transition") {
    const rec = app.cases.find((c) => c.id === stored.id);
    if (rec) Object.assign(rec, stored);
    window.dispatchEvent(new CustomEvent("records-edited", { detail: { id: stored.id } }));
  }
}

// Keep the map and lists on the stored version once an edit (or another write) is answered.
window.addEventListener("item-sent", (e) => { if (e.detail.stored) showStored(e.detail.item, e.detail.stored); });
