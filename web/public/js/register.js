// A building's register on the tablet (一标三实): its units, floors, rooms, households and
// residents, read with the purpose "visit" (the server audits every identity it shows), and the
// officer's changes during a visit: a household or a resident added, a resident edited, a
// household or a single resident moved out. All go to the outbox (ops "household", "person",
// "patch-household", "patch-person", sync.js): additions with client UUIDs, changes at the
// version seen, so each is stored exactly once, offline or not, and a conflict is shown there;
// a resident of a household added offline waits behind it (sync.js needs). A visit (走访) to the
// building or to one household starts here too (visitform.js).
import { app } from "./state.js";
import { t, term } from "./i18n.js";
import { h, openSheet, closeSheet, field, select, setError, toast } from "./ui.js";
import { api } from "./api.js";
import { uuid } from "./uuid.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";
import { openVisitForm, visitButton } from "./visitform.js";

const PURPOSE = "visit"; // why an officer reads a building's register: a household visit

/** The register's vocabulary from /meta (person types, relations, room uses). */
const vocab = (name) => (app.meta.raw.register?.[name] || []);

function personLine(building, hh, p) {
  const type = term(vocab("person_types").find((x) => x.code === p.person_type) || { code: p.person_type });
  const rel = term(vocab("relations").find((x) => x.code === p.relation) || { code: p.relation });
  return h("li", { class: "person", dataset: { id: p.id } }, `${p.name} · ${rel} · ${type}`,
    p.phone ? ` · ${p.phone}` : "",
    h("span", { class: "person-actions" },
      h("button", { type: "button", class: "big alt", dataset: { editPerson: p.id },
        onclick: () => openPersonForm(building, hh.id, p) }, t("edit_person")),
      h("button", { type: "button", class: "big secondary", dataset: { moveOutPerson: p.id },
        onclick: () => moveOutPerson(p) }, t("move_out_person"))));
}

function householdCard(building, room, hh, onRecord) {
  return h("li", { class: "household", dataset: { id: hh.id } },
    h("p", {}, t("household_in", { room: `${room.unit}-${room.room}` }), hh.household_no ? ` · ${hh.household_no}` : ""),
    h("ul", { class: "persons" }, (hh.persons || []).map((p) => personLine(building, hh, p))),
    h("div", { class: "button-grid" },
      h("button", { type: "button", class: "big primary", dataset: { visitHousehold: hh.id },
        onclick: () => openVisitForm({ target: { kind: "household", id: hh.id, building_id: building.properties.id ?? building.id,
          persons: hh.persons || [], label: `${room.unit}-${room.room}` } }) }, t("visit_household_btn")),
      h("button", { type: "button", class: "big alt", dataset: { addPerson: hh.id },
        onclick: () => openPersonForm(building, hh.id) }, t("add_person")),
      h("button", { type: "button", class: "big secondary", dataset: { moveOut: hh.id },
        onclick: () => moveOut(hh) }, t("move_out")),
      onRecord ? h("button", { type: "button", class: "big", dataset: { recordFor: hh.id },
        onclick: () => onRecord({ unit: room.unit, floor: room.floor, room: room.room }) }, t("record_here")) : null));
}

/** Today as a local YYYY-MM-DD (the register's dates are local days). */
const localToday = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);

/** Close a household (and its residents) as of today, through the outbox at the version seen. */
async function moveOut(hh) {
  if (!window.confirm(t("move_out_confirm"))) return;
  const body = { version: hh.version, moved_out: localToday() };
  await queued(await queue.enqueue({ op: "patch-household", target: hh.id, body, label: t("move_out") }));
}

/** Close one resident's residence as of today (the household stays), through the outbox. */
async function moveOutPerson(p) {
  if (!window.confirm(t("move_out_person_confirm"))) return;
  const body = { version: p.version, moved_out: localToday() };
  await queued(await queue.enqueue({ op: "patch-person", target: p.id, body,
    label: `${t("person")} · ${t("move_out_person")}` }));
}

function registerTree(building, reg, onRecord) {
  const rooms = [];
  for (const u of reg.units) {
    for (const f of u.floors) {
      for (const r of f.rooms) {
        rooms.push(h("li", { class: "room", dataset: { room: r.id } },
          h("b", {}, t("unit_floor_room", { unit: u.unit, floor: f.floor, room: r.room })),
          r.households.length ? h("ul", { class: "households" },
            r.households.map((hh) => householdCard(building, { unit: u.unit, floor: f.floor, room: r.room }, hh, onRecord)))
            : h("p", { class: "muted" }, term(vocab("room_uses").find((x) => x.code === r.use) || { code: r.use }))));
      }
    }
  }
  return rooms.length ? h("ul", { class: "rooms" }, rooms) : h("p", { class: "muted" }, t("register_empty"));
}

/** The sheet of a building's register; offline it says so and still lets the officer add. With
 * ``onRecord``, each household offers to start a record there (its unit, floor and room). */
export async function openBuildingRegister(building, onRecord = null) {
  const id = building.properties.id ?? building.id;
  const name = building.properties.name || t("building");
  const body = h("div", { class: "register", dataset: { building: id } }, h("p", {}, t("loading")));
  const add = h("button", { type: "button", class: "big", dataset: { addHousehold: id },
    onclick: () => openHouseholdForm(building) }, t("add_household"));
  const visit = visitButton({ kind: "building", id, label: name }, building.properties.cell_code);
  openSheet(name, [h("div", { class: "button-grid" }, add, visit), body],
    { name: "register", rerender: () => openBuildingRegister(building, onRecord) });
  try {
    const reg = await api(`/buildings/${encodeURIComponent(id)}/register?purpose=${PURPOSE}`);
    body.replaceChildren(h("p", {}, t("households_n", { n: reg.households })), registerTree(building, reg, onRecord));
  } catch {
    body.replaceChildren(h("p", { class: "muted", role: "status" }, t("register_offline")));
  }
}

async function queued(item) {
  closeSheet();
  toast(navigator.onLine ? t("saved_sending") : t("saved_offline"), "ok");
  await syncNow();
  return item;
}

function textInput(name, max, value = "") {
  return h("input", { type: "text", name, maxlength: max, value: value || "" });
}

/** A new household in a room of the building: unit, floor, room, household number, use. */
export function openHouseholdForm(building) {
  const buildingId = building.properties.id ?? building.id;
  const unit = textInput("unit", 20);
  const floor = textInput("floor", 10);
  const room = textInput("room", 20);
  const no = textInput("household_no", 40);
  const use = select("use", vocab("room_uses"), term, { value: "own" });
  const form = h("form", { class: "household-form", novalidate: true },
    field("unit", unit), field("floor", floor), field("room", room, { required: true }),
    field("household_no", no), field("room_use", use),
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "big secondary", onclick: closeSheet }, t("cancel")),
      h("button", { type: "submit", class: "big primary" }, t("save"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setError(room, room.value.trim() ? "" : t("required"));
    if (form.querySelector("[aria-invalid=true]")) return;
    const id = uuid();
    const body = { id, building_id: Number(buildingId), unit: unit.value.trim(), floor: floor.value.trim(),
      room: room.value.trim(), household_no: no.value.trim(), use: use.value || "own" };
    await queued(await queue.enqueue({ id, op: "household", body, label: `${t("household")} · ${body.room}` }));
  });
  openSheet(t("add_household"), form, { name: "form-household", rerender: () => openHouseholdForm(building) });
}

/** The fields of a resident edit that differ from what the officer saw (with its version). */
function personChanges(person, values) {
  const body = { version: person.version };
  for (const [k, v] of Object.entries(values)) if (v !== (person[k] ?? "")) body[k] = v;
  return body;
}

/**
 * A new resident of a household (one stored, or one still in the outbox), or, given `person`,
 * an edit of a stored one: only the changed fields are sent, at the version seen (a value left
 * as it was shown, masked or not, is kept by the server).
 */
export function openPersonForm(building, householdId, person = null) {
  const name = textInput("name", 50, person?.name);
  const idNumber = textInput("id_number", 40);
  const phone = h("input", { type: "tel", name: "phone", maxlength: 30, value: person?.phone || "" });
  const type = select("person_type", vocab("person_types"), term, { value: person?.person_type });
  const relation = select("relation", vocab("relations"), term, { value: person?.relation });
  const form = h("form", { class: "person-form", novalidate: true, dataset: { person: person?.id || "" } },
    field("person_name", name, { required: true }), person ? null : field("id_number", idNumber),
    field("phone", phone), field("person_type", type, { required: true }),
    field("relation", relation, { required: true }),
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "big secondary", onclick: closeSheet }, t("cancel")),
      h("button", { type: "submit", class: "big primary" }, t("save"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setError(name, name.value.trim() ? "" : t("required"));
    setError(type, type.value ? "" : t("required"));
    setError(relation, relation.value ? "" : t("required"));
    if (form.querySelector("[aria-invalid=true]")) return;
    const values = { name: name.value.trim(), phone: phone.value.trim(), person_type: type.value,
      relation: relation.value };
    if (person) {
      const body = personChanges(person, values);
      if (Object.keys(body).length === 1) { closeSheet(); return; } // nothing changed
      // the outbox label names no one: personal data stays out of lists and logs
      await queued(await queue.enqueue({ op: "patch-person", target: person.id, body,
        label: `${t("person")} · ${t("edit_person")}` }));
      return;
    }
    const id = uuid();
    const body = { id, household_id: householdId, name: values.name, person_type: type.value,
      relation: relation.value };
    if (idNumber.value.trim()) body.id_number = idNumber.value.trim();
    if (values.phone) body.phone = values.phone;
    await queued(await queue.enqueue({ id, op: "person", body, label: t("person") }));
  });
  const title = person ? t("edit_person_title") : t("add_person");
  openSheet(title, form, { name: person ? "form-person-edit" : "form-person",
    rerender: () => openPersonForm(building, householdId, person) });
}

/** The "register" button of the tap sheet for a building in the officer's own cells, or null;
 * ``onRecord`` starts a record for a household chosen there. */
export function registerButton(building, onRecord = null) {
  if (!building || !app.ownCodes.includes(building.properties.cell_code)) return null;
  return h("button", { class: "big alt", type: "button", dataset: { register: building.properties.id ?? building.id },
    onclick: () => openBuildingRegister(building, onRecord) }, t("building_register", { name: building.properties.name || t("building") }));
}
