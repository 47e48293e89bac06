// Recording at a point: the tap sheet (where am I, which cell, what to record) and the short
// forms for incidents, disputes, hazards and places. Everything saved goes to the outbox first.
import { app, cellAt } from "./state.js";
import { t, term } from "./i18n.js";
import { h, openSheet, closeSheet, field, select, setError, toast } from "./ui.js";
import { find, kindRule, pointKinds } from "./meta.js";
import { photoPicker } from "./photos.js";
import { uuid } from "./uuid.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";
import * as patrol from "./patrol.js";
import { attrsOf, attrControl, readAttrs, commonAttr } from "./placeattrs.js";
import { openRecordEdit, openPlaceEdit } from "./edits.js";
import { api } from "./api.js";
import { registerButton } from "./register.js";
import { stackPicker, wholeNumber } from "./stackpick.js";
import { visitButton } from "./visitform.js";

// The kinds and categories come from /meta, and so does what each record kind carries (its rule:
// priority, parties, track; meta.js kindRule, pointKinds). Kinds with a track are recorded on a
// patrol (patrol.js), the others with the point form here. Which place kind gets its own button
// is not in /meta, so that one code is named here.
// The place kind offered as its own "hazard" button (catalog PlaceKind.HAZARD).
const HAZARD_PLACE = "hazard";


const shortText = (s, n = 16) => (s && s.length > n ? `${s.slice(0, n)}…` : s || "");

function cellLine(cell) {
  if (cell.own) {
    const p = cell.own.properties;
    return h("p", { class: "where ok", id: "where" },
      t("in_cell", { code: p.code }), p.households != null ? ` · ${t("households_n", { n: p.households })}` : "");
  }
  return h("p", { class: "where bad", id: "where", role: "alert" },
    cell.other ? t("outside_own_cell_other", { code: cell.other.properties.code }) : t("outside_own_cells"));
}

/** The sheet shown after a tap or "use my location": the cell, then what can be recorded here. */
export function openTapSheet(lonlat) {
  const [lon, lat] = lonlat;
  const cell = cellAt(lon, lat);
  app.map.setPending(lonlat, Boolean(cell.own));
  const { meta } = app;
  const buttons = [];
  if (cell.own) {
    for (const k of pointKinds(meta)) {
      buttons.push(h("button", { class: "big", type: "button", dataset: { record: k.code },
        onclick: () => openRecordForm(k.code, lonlat) }, term(k)));
    }
    const hazard = find(meta.placeKinds, HAZARD_PLACE);
    if (hazard) {
      buttons.push(h("button", { class: "big", type: "button", dataset: { place: HAZARD_PLACE },
        onclick: () => openPlaceForm(HAZARD_PLACE, lonlat) }, term(hazard)));
    }
    buttons.push(h("button", { class: "big", type: "button", dataset: { place: "" },
      onclick: () => openPlaceForm("", lonlat) }, t("new_place")));
  }
  const edits = [];
  const nearPlace = app.map.placeNear(lon, lat);
  for (const near of app.map.recordsNear(lon, lat)) {
    edits.push(h("button", { class: "big", type: "button", dataset: { editRecord: near.id },
      onclick: () => openRecordEdit(near) }, t("edit_named", { name: shortText(near.description) || t("record") })));
  }
  if (nearPlace && app.ownCodes.includes(nearPlace.properties.cell_code)) {
    edits.push(h("button", { class: "big", type: "button", dataset: { editPlace: nearPlace.properties.id ?? nearPlace.id },
      onclick: () => openPlaceEdit(nearPlace) }, t("edit_named", { name: nearPlace.properties.name || t("place") })));
    edits.push(visitButton({ kind: "place", id: nearPlace.properties.id ?? nearPlace.id,
      label: nearPlace.properties.name || t("place") }, nearPlace.properties.cell_code));
  }
  const register = registerButton(app.map.buildingAt(lon, lat), (at) => openKindSheet(lonlat, at));
  if (register) edits.push(register);
  const checkins = [];
  if (patrol.active()) {
    const place = nearPlace;
    const building = app.map.buildingAt(lon, lat);
    // Only places and buildings of the officer's own cells: the server refuses a patrol that
    // checks in anywhere else, and with it the whole patrol.
    const ownTarget = (f) => f && app.ownCodes.includes(f.properties.cell_code);
    for (const target of [place, building].filter(ownTarget)) {
      const isPlace = target === place;
      const name = patrol.targetName(target, isPlace);
      checkins.push(h("button", { class: "big alt", type: "button", dataset: { checkin: isPlace ? "place" : "building" },
        onclick: () => { patrol.checkIn(target, isPlace, lonlat); closeSheet(); } },
      t("check_in_at", { name })));
    }
  }
  openSheet(t("record_here"), [
    cellLine(cell),
    h("p", { class: "coords" }, `${lat.toFixed(6)}, ${lon.toFixed(6)}`),
    checkins.length ? h("div", { class: "button-grid" }, checkins) : null,
    edits.length ? h("div", { class: "button-grid edits" }, edits) : null,
    buttons.length ? h("div", { class: "button-grid" }, buttons) : null,
  ], { name: "tap", closed: () => app.map.setPending(null), rerender: () => openTapSheet(lonlat) });
}

function nowLocalInput() {
  const d = new Date();
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function formButtons() {
  return h("div", { class: "form-actions" },
    h("button", { type: "button", class: "big secondary", onclick: closeSheet }, t("cancel")),
    h("button", { type: "submit", class: "big primary" }, t("save")));
}

/** Re-check the point at save time: it must still fall in one of the officer's cells. */
function pointAllowed(lonlat, form) {
  const cell = cellAt(...lonlat);
  if (!cell.own) {
    const where = form.querySelector(".form-where");
    if (where) where.replaceWith(Object.assign(cellLine(cell), { className: "where bad form-where" }));
    toast(t("outside_own_cells"), "error");
    return false;
  }
  return true;
}

function firstInvalid(form) {
  const bad = form.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
  return Boolean(bad);
}

async function saved(item) {
  closeSheet();
  toast(navigator.onLine ? t("saved_sending") : t("saved_offline"), "ok");
  await syncNow();
  return item;
}

/** What can be recorded for a household chosen in a building's register: the point kinds, each
 * opening its form with the household's floor and unit (``at``, from the register). */
function openKindSheet(lonlat, at) {
  const buttons = pointKinds(app.meta).map((k) => h("button", { class: "big", type: "button", dataset: { record: k.code },
    onclick: () => openRecordForm(k.code, lonlat, { at }) }, term(k)));
  openSheet(t("record_for_household", { unit: at.unit, floor: at.floor, room: at.room }), buttons, { name: "kinds-household" });
}

/** A point record's form (an incident, a dispute): category, priority and parties where the kind's
 * rule has them, time, description, photos. */
export function openRecordForm(kind, lonlat, { photos: keptPhotos = [], at = null } = {}) {
  const { meta } = app;
  const cell = cellAt(...lonlat);
  const categories = meta.categories[kind] || [];
  // Default to the least urgent priority (longest deadline), the usual case for field reports.
  const defPriority = [...meta.priorities].sort((a, b) => (b.hours ?? 0) - (a.hours ?? 0))[0]?.code;
  const category = select("category", categories, term);
  const priority = select("priority", meta.priorities,
    (p) => (p.hours != null ? `${term(p)} (${t("hours_n", { n: p.hours })})` : term(p)), { value: defPriority });
  const occurred = h("input", { type: "datetime-local", name: "occurred_at", value: nowLocalInput(), min: "2000-01-01T00:00", max: nowLocalInput() });
  const description = h("textarea", { name: "description", rows: 3, maxlength: 2000 });
  const parties = h("textarea", { name: "parties", rows: 2, placeholder: t("parties_hint") });
  const photos = photoPicker(keptPhotos);
  const rule = kindRule(meta, kind);
  // In a tall building the floor and unit put the record in its vertical cell (楼栋网格).
  // From the register when the record was started from a household (its unit and floor).
  const known = (x) => (at && wholeNumber(x) != null ? String(wholeNumber(x)) : "");
  const floor = h("input", { type: "number", name: "floor", min: -10, max: 300, step: 1, inputmode: "numeric", value: known(at?.floor) });
  const unit = h("input", { type: "number", name: "unit", min: 1, max: 99, step: 1, inputmode: "numeric", value: known(at?.unit) });
  const fromRegister = at ? h("p", { class: "hint from-register", id: "from-register" },
    t("from_register", { unit: at.unit, floor: at.floor, room: at.room })) : null;
  const form = h("form", { class: "record-form", novalidate: true },
    Object.assign(cellLine(cell), { className: "where ok form-where" }),
    field("category", category, { required: true }),
    rule.priority ? field("priority", priority, { required: true }) : null,
    field("occurred_at", occurred, { required: true }),
    field("description", description, { required: true }),
    rule.parties ? field("parties", parties) : null,
    fromRegister,
    stackPicker(cell, floor, unit),
    h("div", { class: "field-row" }, field("floor", floor, { hint: t("floor_hint") }), field("unit", unit)),
    photos.el,
    formButtons());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    for (const [input, lo, hi] of [[floor, -10, 300], [unit, 1, 99]]) {
      const v = input.value === "" ? null : Number(input.value);
      setError(input, v === null || (Number.isInteger(v) && v >= lo && v <= hi) ? "" : t("number_range", { min: lo, max: hi }));
    }
    setError(category, category.value ? "" : t("required"));
    if (rule.priority) setError(priority, priority.value ? "" : t("required"));
    const when = occurred.value ? new Date(occurred.value) : null;
    setError(occurred, !when || Number.isNaN(+when) ? t("required")
      : when.getTime() > Date.now() + 5 * 60000 ? t("not_in_future")
        : when.getFullYear() < 2000 ? t("refusal_too_old") : "");
    setError(description, description.value.trim().length >= 2 ? "" : t("describe_briefly"));
    // The server takes party names of at most 100 characters (api/records/schemas.py PartyIn).
    if (rule.parties) setError(parties, parties.value.split("\n").some((n) => n.trim().length > 100) ? t("refusal_too_long") : "");
    if (firstInvalid(form) || !pointAllowed(lonlat, form)) return;
    const id = uuid();
    const body = {
      id, kind, category: category.value, ...(rule.priority ? { priority: priority.value } : {}),
      description: description.value.trim(), occurred_at: when.toISOString(),
      lon: +lonlat[0].toFixed(7), lat: +lonlat[1].toFixed(7), photos: [],
    };
    if (floor.value !== "") body.floor = Number(floor.value);
    if (unit.value !== "") body.unit = Number(unit.value);
    const names = rule.parties ? parties.value.split("\n").map((s) => s.trim()).filter(Boolean) : [];
    if (names.length) body.parties = names.map((name) => ({ name }));
    const label = `${term(find(meta.recordKinds, kind))} · ${term(find(categories, category.value))}`;
    await saved(await queue.enqueue({ id, op: "record", body, photos: photos.files(), label }));
  });
  openSheet(term(find(meta.recordKinds, kind)), form, { name: `form-${kind}`, closed: () => app.map.setPending(null),
    rerender: () => openRecordForm(kind, lonlat, { photos: photos.files(), at }) });
  app.map.setPending(lonlat, true);
}

/** Place form (hazard or any place kind): kind, name, address, risk level, kind attributes, photos. */
export function openPlaceForm(kind, lonlat, { photos: keptPhotos = [] } = {}) {
  const { meta } = app;
  const cell = cellAt(...lonlat);
  const kindSel = select("kind", meta.placeKinds, term, { value: kind });
  const name = h("input", { type: "text", name: "name", maxlength: 200 });
  const address = h("input", { type: "text", name: "address", maxlength: 300 });
  const risk = select("risk_level", meta.riskLevels, term, { value: meta.riskLevels[0]?.code });
  const noteAttr = commonAttr("note");
  const note = h("textarea", { name: "note", rows: 2, maxlength: noteAttr?.max_length || 2000 });
  const attrBox = h("div", { class: "attrs" });
  let attrInputs = [];
  const renderAttrs = () => {
    attrInputs = attrsOf(kindSel.value).map((f) => ({ f, el: attrControl(f) }));
    attrBox.replaceChildren(...attrInputs.map(({ f, el }) => field(f.code, el, { label: term(f), required: f.required })));
  };
  kindSel.addEventListener("change", renderAttrs);
  renderAttrs();
  const photos = photoPicker(keptPhotos);
  const form = h("form", { class: "place-form", novalidate: true },
    Object.assign(cellLine(cell), { className: "where ok form-where" }),
    field("place_kind", kindSel, { required: true }),
    field("place_name", name, { required: true }),
    field("address", address),
    field("risk_level", risk, { required: true }),
    attrBox,
    field("note", note, { label: noteAttr ? term(noteAttr) : undefined }),
    photos.el,
    formButtons());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setError(kindSel, kindSel.value ? "" : t("required"));
    setError(name, name.value.trim() ? "" : t("required"));
    setError(risk, risk.value ? "" : t("required"));
    const { values: attrs, errors } = readAttrs(attrInputs);
    errors.forEach(([el, msg]) => setError(el, msg));
    if (note.value.trim()) attrs.note = note.value.trim();
    if (firstInvalid(form) || !pointAllowed(lonlat, form)) return;
    const id = uuid();
    const body = {
      id, kind: kindSel.value, name: name.value.trim(), address: address.value.trim(),
      lon: +lonlat[0].toFixed(7), lat: +lonlat[1].toFixed(7), risk_level: risk.value, attrs,
    };
    const label = `${term(find(meta.placeKinds, kindSel.value))} · ${body.name}`;
    await saved(await queue.enqueue({ id, op: "place", body, photos: photos.files(), label }));
  });
  const title = kind ? term(find(meta.placeKinds, kind)) : t("new_place");
  openSheet(title, form, { name: `form-place-${kind || "any"}`, closed: () => app.map.setPending(null),
    rerender: () => openPlaceForm(kind, lonlat, { photos: photos.files() }) });
  app.map.setPending(lonlat, true);
}
