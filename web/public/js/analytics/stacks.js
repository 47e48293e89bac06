// Stacked buildings (楼栋网格) on the analytics map: a building cut into vertical cells is drawn
// as its outline with a badge listing its vertical cells and their records under the filters
// (GET /analytics/stacks). A click opens the stack in the side panel: per vertical cell its
// floors or units, households, leader and records (each opening its records), then the records
// per unit and floor as a grid.
import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { $, addLayer, errorText, filters } from "./shared.js";

const suffix = (code) => `-${code.slice(-2)}`;
const range = (key, a, b) => (a == null ? "" : a === b ? t(`${key}_one`, { a }) : t(key, { a, b }));

/** What part of the building a vertical cell holds: its units and floors. */
function spans(v) {
  return [range("units_range", v.unit_from, v.unit_to), range("floors_range", v.floor_from, v.floor_to)]
    .filter(Boolean).join(" ") || t("an_stack_whole");
}

/** The badge beside a stacked building: the building and its records, then each vertical cell
 * and its count; a button, so it is reached by keyboard too. */
function badge(b, open) {
  const el = h("button", { type: "button", class: "stack-badge", dataset: { cell: b.cell_code },
    title: t("an_stack_badge", { name: b.building || b.cell_code, n: b.verticals.length, records: b.records }),
    onclick: (e) => { e.stopPropagation(); open(b); } },
  h("b", {}, `${b.building || b.cell_code} · ${b.records}`),
  h("span", { class: "stack-rows" }, b.verticals.map((v) => h("span", { class: "stack-row" }, `${suffix(v.code)}: ${v.records}`))));
  L.DomEvent.disableClickPropagation(el); // a press on the badge does not drag or click the map
  return el;
}

/** Records per unit and floor: floors down the side (highest first), units across. */
function floorGrid(b) {
  if (!b.floors.length) return h("p", { class: "hint" }, t("an_stack_no_floors"));
  const units = [...new Set(b.floors.map((f) => f.unit))].sort((x, y) => (x ?? 0) - (y ?? 0));
  const floors = [...new Set(b.floors.map((f) => f.floor))].sort((x, y) => (y ?? -99) - (x ?? -99));
  const at = new Map(b.floors.map((f) => [`${f.unit}|${f.floor}`, f.count]));
  const label = (x, key) => (x == null ? t("an_stack_unknown") : t(key, { a: x }));
  return h("div", { class: "table-wrap stack-grid", tabindex: 0, role: "region", "aria-label": t("an_stack_floors") },
    h("table", {},
      h("caption", {}, t("an_stack_floors")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("an_stack_floor")),
        units.map((u) => h("th", { scope: "col" }, label(u, "units_range_one"))))),
      h("tbody", {}, floors.map((f) => h("tr", {}, h("th", { scope: "row" }, label(f, "floors_range_one")),
        units.map((u) => h("td", { dataset: { unit: u ?? "", floor: f ?? "" } }, String(at.get(`${u}|${f}`) ?? ""))))))));
}

/** The stack of building `b` in the side panel's drill-down (or the panel itself). */
export function openStack(state, b, showRecords) {
  const panel = $("drill") || $("panel");
  const rows = b.verticals.map((v) => h("tr", { dataset: { code: v.code } },
    h("th", { scope: "row" }, suffix(v.code)), h("td", {}, spans(v)), h("td", {}, String(v.households)),
    h("td", {}, v.leader || "—"),
    h("td", {}, h("button", { type: "button", class: "link", disabled: !v.records,
      "aria-label": t("an_stack_open", { code: v.code, n: v.records }),
      onclick: () => showRecords(v) }, String(v.records)))));
  panel.replaceChildren(
    h("h3", { id: "stack-title" }, t("an_stack_title", { name: b.building || "—", cell: b.cell_code, n: b.verticals.length })),
    h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-labelledby": "stack-title" },
      h("table", { id: "stack-table" },
        h("thead", {}, h("tr", {}, ["an_stack_code", "an_stack_span", "an_stack_households", "an_leader", "an_stack_count"]
          .map((k) => h("th", { scope: "col" }, t(k))))),
        h("tbody", {}, rows))),
    floorGrid(b),
    h("div", { id: "stack-records" }));
  panel.scrollIntoView({ block: "nearest" });
}

/** The records of vertical cell `v` under the filters, drawn by `card` below the stack. */
export async function stackRecords(state, v, card) {
  const box = $("stack-records");
  box.replaceChildren(h("p", {}, t("an_loading")));
  try {
    const recs = await api(`/analytics/verticals/${encodeURIComponent(v.code)}/records?${filters({ limit: 50 })}`);
    box.replaceChildren(h("h4", {}, t("an_stack_records", { code: v.code, n: recs.length })), ...recs.map((r) => card(state, r)));
  } catch (e) { box.replaceChildren(h("p", { class: "err" }, errorText(e))); }
}

/** Draw every stacked building the user sees (outline and badge); a click opens its stack. */
export async function drawStacks(state, card) {
  const data = await api(`/analytics/stacks?${filters()}`);
  const open = (b) => openStack(state, b, (v) => stackRecords(state, v, card));
  // Badges above the community names (Leaflet's tooltip pane is 650), below popups (700).
  if (!state.map.getPane("stacks")) state.map.createPane("stacks").style.zIndex = 660;
  for (const b of data.buildings) {
    if (b.outline) {
      addLayer(L.geoJSON(b.outline, { style: () => ({ color: "#531dab", weight: 3, fillColor: "#9254de", fillOpacity: 0.25 }) }))
        .on("click", () => open(b));
    }
    if (b.lon != null) {
      const marker = addLayer(L.marker([b.lat, b.lon], {
        icon: L.divIcon({ className: "stack-icon", iconSize: null, html: "" }), pane: "stacks", interactive: false, keyboard: false }));
      marker.getElement()?.replaceChildren(badge(b, open));
    }
  }
  return data.buildings;
}
