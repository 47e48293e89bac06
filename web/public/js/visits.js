// Due visits (待走访): the key-group members of the officer's cells whose visit rule says a visit
// is due this week or overdue (GET /visits/due; the dates are computed by the server from the
// rules in /meta), as a list with a badge count and as markers on the map. A visit saved on the
// tablet closes the items it satisfies at once, while it still waits in the outbox: the same rule
// as the server's (a visit meeting the person, or to their household with a purpose that /meta
// says closes a household's items).
import { app } from "./state.js";
import { api, NetworkError } from "./api.js";
import { t, term } from "./i18n.js";
import { h, openSheet, sheetName } from "./ui.js";
import { find, keyGroups, keyGroupPurpose, householdClosing } from "./meta.js";
import * as queue from "./queue.js";
import { openVisitForm } from "./visitform.js";
import { openDiary, shanghaiDay } from "./diary.js";

// "Due this week": today and the six days after it (the server's window is today + within_days,
// inclusive). With 7 a weekly group visited today would be "due" again at once.
const WITHIN_DAYS = 6;
const SHOWN = new Set(["overdue", "due"]); // upcoming items are neither listed nor drawn
// Why the names are read in full (audited by the server, masked where a group's access rule hides
// them from the caller's role): the officer is going to visit these people.
const PURPOSE = "visit";
const RANK = { overdue: 0, due: 1, upcoming: 2 };

const due = { items: [], counts: {}, offline: false, loaded: false, failed: false };
let queuedVisits = []; // bodies of the officer's visits waiting in the outbox
let sentVisits = [];   // bodies of visits stored since the due list was last read: {body, at}

/** Whether visit `v` (a request body) closes due item `item` (mirrors the server's rule). */
export function closes(v, item, closing = householdClosing(app.meta)) {
  if ((v.person_ids || []).includes(item.person_id)) return true;
  return v.household_id != null && v.household_id === item.household_id && closing.has(v.purpose);
}

/** The due items still open on this tablet: the server's, less those a saved visit closes. */
export function openItems() {
  const closing = householdClosing(app.meta);
  const visits = [...queuedVisits, ...sentVisits.map((s) => s.body)];
  return due.items
    .filter((i) => SHOWN.has(i.state) && !visits.some((v) => closes(v, i, closing)))
    .sort((a, b) => (RANK[a.state] ?? 3) - (RANK[b.state] ?? 3) || String(a.due_on).localeCompare(String(b.due_on)));
}

/** The badge number: open items that are overdue or due this week. */
export const dueCount = () => openItems().length;

/** Read the due list (the service worker keeps the last copy for offline starts). */
export async function loadDue() {
  const started = Date.now();
  try {
    const body = await api(`/visits/due?within_days=${WITHIN_DAYS}&purpose=${PURPOSE}`);
    due.items = Array.isArray(body?.items) ? body.items : [];
    due.counts = body?.counts || {};
    due.offline = false;
    due.failed = false;
    sentVisits = sentVisits.filter((s) => s.at >= started);
  } catch (e) {
    // offline: the last list stays; refused (e.g. a role with no due list): said in the sheet
    due.offline = e instanceof NetworkError;
    due.failed = !due.offline;
  }
  due.loaded = true;
  await refreshQueued();
}

/** Re-read the officer's queued visits, then redraw the badge, the markers and the open list. */
async function refreshQueued() {
  queuedVisits = (await queue.items()).filter((i) => i.op === "visit" && i.state === "waiting").map((i) => i.body);
  redraw();
}

/** Draw the badge, the due markers and the open list from what is known now. */
export function redraw() {
  const n = dueCount();
  const badge = document.getElementById("due-count");
  if (badge) { badge.textContent = n ? String(n) : ""; badge.hidden = !n; }
  app.map?.showDue(groupsOnMap(), openGroup, groupLabel);
  if (sheetName() === "due") renderList();
}

/** Open items with a position, one group per household (or person), worst state first. */
function groupsOnMap() {
  const groups = new Map();
  for (const i of openItems()) {
    if (!Number.isFinite(i.lon) || !Number.isFinite(i.lat)) continue;
    const key = i.household_id || i.person_id;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(i);
  }
  return [...groups.values()].map((items) => ({ items, state: items[0].state, lon: items[0].lon, lat: items[0].lat }));
}

const groupTerm = (code) => term(find(keyGroups(app.meta), code)) || code;

/** What a marker is called for a screen reader and on hover: the state and how many are due. */
const groupLabel = (g) => t(g.state === "overdue" ? "due_marker_overdue" : "due_marker_due", { n: g.items.length });

/** The building a due item's household is in, as loaded for the map (or null). */
const buildingOf = (item) => app.buildings.find((f) => (f.properties.id ?? f.id) === item.building_id) || null;

/** Open the visit form for due items of one household (or one person without a household). */
export function openGroup(group) {
  const first = group.items[0];
  const building = buildingOf(first);
  const target = first.household_id
    ? { kind: "household", id: first.household_id, building_id: first.building_id, label: building?.properties.name || "" }
    : { kind: "building", id: first.building_id, label: building?.properties.name || t("building") };
  openVisitForm({
    target,
    fallbackPersons: group.items.map((i) => ({ id: i.person_id, name: i.name || t("person") })),
    met: group.items.map((i) => i.person_id),
    purpose: keyGroupPurpose(app.meta),
  });
}

/** Whole days from local day `a` to local day `b` (both YYYY-MM-DD). */
const daysBetween = (a, b) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);

/** "3 days overdue (was due 1 Dec)" / "visit by 8 Dec" / "next visit 10 Dec" for an item. */
function whenText(i) {
  if (i.state === "overdue") return t("due_overdue_since", { date: i.due_on, n: Math.max(1, daysBetween(i.due_on, shanghaiDay())) });
  return t(i.state === "due" ? "due_by" : "due_upcoming", { date: i.due_on || "?" });
}

function itemRow(i) {
  const where = buildingOf(i)?.properties.name;
  return h("li", { class: `due-item ${i.state}`, dataset: { person: i.person_id, state: i.state, household: i.household_id || "" } },
    h("div", { class: "case-head" },
      h("span", { class: "due-name" }, i.name || t("person_masked")),
      h("span", { class: "due-group" }, groupTerm(i.group)),
      h("span", { class: `badge due-${i.state}` }, t(`due_state_${i.state}`))),
    h("div", { class: "case-meta" },
      h("span", {}, whenText(i)),
      h("span", {}, i.last_visit ? t("last_visit", { date: String(i.last_visit).slice(0, 10) }) : t("never_visited")),
      where ? h("span", {}, where) : null,
      i.cell_code ? h("span", {}, t("cell_short", { code: i.cell_code })) : null),
    i.household_id || i.building_id
      ? h("div", { class: "case-actions" },
        h("button", { type: "button", class: "big primary", dataset: { visitPerson: i.person_id },
          onclick: () => openGroup({ items: [i] }) }, t("visit_now")))
      : null);
}

function renderList() {
  const list = document.querySelector("#sheet .due-list");
  if (!list) return;
  const items = openItems();
  const counts = document.querySelector("#sheet .due-counts");
  const overdue = items.filter((i) => i.state === "overdue").length;
  if (counts) counts.textContent = t("due_counts", { overdue, due: items.length - overdue });
  const note = document.querySelector("#sheet .due-offline");
  if (note) note.hidden = !due.offline;
  list.replaceChildren(...(items.length ? items.map(itemRow)
    : [h("li", { class: "empty" }, !due.loaded ? t("loading") : due.failed ? t("due_failed") : t("no_due_visits"))]));
}

/** The "due visits" sheet: counts, the list (overdue first) and the way to the 民情日志. */
export async function openDue() {
  openSheet(t("due_visits"), [
    h("div", { class: "button-grid" },
      h("button", { type: "button", class: "big alt", dataset: { diary: "" }, onclick: () => openDiary() }, t("diary"))),
    h("p", { class: "due-counts", role: "status" }),
    h("p", { class: "offline-note due-offline", hidden: true }, t("due_offline")),
    h("ul", { class: "due-list" }),
  ], { name: "due", rerender: openDue });
  renderList();
  await loadDue();
}

window.addEventListener("queue-changed", () => { if (app.me && app.meta) refreshQueued(); });
window.addEventListener("item-sent", (e) => {
  const { item } = e.detail;
  if (item.op !== "visit") return;
  sentVisits.push({ body: item.body, at: Date.now() });
  loadDue().catch(() => {});
});
