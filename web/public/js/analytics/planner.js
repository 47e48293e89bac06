// Planner view: service centres with their reach (circles by straight line, isochrones walking on
// the roads) coloured by load as a share of capacity, uncovered buildings, coverage per community,
// and — for admin and street staff — adding a centre by a click on the map, moving one by
// dragging it, retiring one (kept with when and by whom, shown greyed on request) and restoring
// it, and accepting a suggested site (capacitated siting in the chosen mode) with one click.
// Every change goes through /analytics/centres (one write path).
import { api } from "../api.js";
import { h, textTip } from "../dom.js";
import { formatTime, t, term } from "../i18n.js";
import { $, addLayer, contextCells, drawContext, errorText, status, swatch } from "./shared.js";

const pct = (v) => (v === null || v === undefined ? "—" : `${Math.round(v * 100)}%`);
const LOADS = [[0.8, "#237804", "an_load_ok"], [1.0, "#7cb305", "an_load_full"], [1.2, "#d48806", "an_load_over"], [Infinity, "#cf1322", "an_load_far_over"]];
const loadColour = (share) => (share === null ? "#cf1322" : LOADS.find(([top]) => share <= top)[1]);
const canPlan = (state) => ["admin", "street"].includes(state.me?.role);
const mode = () => $("f-mode").value || "straight";

function coverageTable(communities) {
  const head = ["community", "households", "covered", "uncovered", "share"].map((k) => h("th", { scope: "col" }, t(`an_${k}`)));
  const rows = communities.map((c) => h("tr", {},
    h("th", { scope: "row", class: "txt" }, c.name || c.community_code), h("td", {}, Math.round(c.households)),
    h("td", {}, Math.round(c.covered)), h("td", {}, Math.round(c.uncovered)), h("td", {}, pct(c.share))));
  return h("table", { id: "coverage-table" }, h("thead", {}, h("tr", {}, head)), h("tbody", {}, rows));
}

async function write(state, path, options) {
  try {
    await api(path, options);
    await state.refresh();
    return true;
  } catch (e) { status(errorText(e)); return false; }
}

function centreList(state, features) {
  const items = features.map((f) => {
    const p = f.properties;
    return h("li", { dataset: { id: p.id } },
      h("i", { class: "dot", style: { background: loadColour(p.load_share) } }),
      `${p.name} · ${Math.round(p.allocated)}/${p.capacity} ${t("an_households")} (${pct(p.load_share)})`,
      canPlan(state) ? h("button", { type: "button", class: "retire", onclick: () => {
        if (window.confirm(t("an_retire_confirm", { name: p.name }))) write(state, `/analytics/centres/${p.id}`, { method: "DELETE" });
      } }, t("an_retire")) : null);
  });
  return h("ul", { id: "centre-list", class: "centres" }, items);
}

/** The centres retired by now, folded away: opened, they are listed (with a restore button for
 * planners) and drawn greyed on the map. */
function retiredList(state, retired) {
  const group = L.layerGroup();
  const items = retired.features.map((f) => {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const line = t("an_retired_line", { name: p.name, when: formatTime(p.retired_at), who: p.retired_by || "—" });
    L.marker([lat, lon], { icon: L.divIcon({ className: "retired-pin", html: "", iconSize: [18, 18] }), keyboard: false, title: line, alt: line })
      .bindTooltip(textTip(line)).addTo(group);
    return h("li", { dataset: { id: p.id } }, h("i", { class: "dot retired" }), line,
      canPlan(state) ? h("button", { type: "button", class: "restore", onclick: () => {
        if (window.confirm(t("an_restore_confirm", { name: p.name }))) write(state, `/analytics/centres/${p.id}`, { method: "PATCH", json: { retired: false } });
      } }, t("an_restore")) : null);
  });
  const box = h("details", { id: "retired-centres", open: state.showRetired || null },
    h("summary", {}, t("an_retired_centres", { n: items.length })), h("ul", { class: "centres retired" }, items));
  const show = () => { state.showRetired = box.open; if (box.open) addLayer(group); else group.remove(); };
  box.addEventListener("toggle", show);
  if (box.open) addLayer(group);
  return box;
}

function drawCentre(state, group, f) {
  const p = f.properties;
  const [lon, lat] = f.geometry.coordinates;
  const colour = loadColour(p.load_share);
  const tip = textTip(`${p.name}: ${Math.round(p.allocated)}/${p.capacity} ${t("an_households")} · ${t("an_load")} ${pct(p.load_share)}`);
  if (p.isochrone) L.geoJSON(p.isochrone, { style: { color: colour, weight: 1.5, fillOpacity: 0.12, className: "centre-ring" }, interactive: false }).addTo(group);
  else L.circle([lat, lon], { radius: p.radius_m, color: colour, weight: 2, fillOpacity: 0.06, className: "centre-ring", interactive: false }).addTo(group);
  const icon = L.divIcon({ className: "centre-pin", html: "", iconSize: [22, 22] });
  const m = L.marker([lat, lon], { icon, draggable: canPlan(state), keyboard: true, title: p.name, alt: p.name }).bindTooltip(tip).addTo(group);
  m.getElement()?.style.setProperty("--c", colour);
  m.getElement()?.setAttribute("data-centre", p.id);
  m.on("dragend", () => {
    const ll = m.getLatLng();
    write(state, `/analytics/centres/${p.id}`, { method: "PATCH", json: { lon: ll.lng, lat: ll.lat } });
  });
}

function addForm(state, latlng) {
  const kinds = state.centreKinds || [];
  const form = h("form", { id: "add-centre", class: "add-centre" },
    h("h3", {}, t("an_add_centre")),
    h("label", {}, t("an_name"), h("input", { name: "name", required: true, maxlength: 200 })),
    h("label", {}, t("an_kind"), h("select", { name: "kind" }, kinds.map((k) => new Option(term(k), k.code)))),
    h("label", {}, t("an_capacity"), h("input", { name: "capacity", type: "number", min: 1, step: 1 })),
    h("button", { type: "submit" }, t("an_save")),
    h("button", { type: "button", onclick: () => form.remove() }, t("an_cancel")));
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const body = { kind: form.kind.value, name: form.name.value, lon: latlng.lng, lat: latlng.lat };
    if (form.capacity.value) body.capacity = Number(form.capacity.value);
    write(state, "/analytics/centres", { method: "POST", json: body });
  };
  $("panel").prepend(form);
  form.name.focus();
}

export function startAdding(state) {
  status(t("an_click_to_add"));
  state.map.getContainer().classList.add("adding");
  state.map.once("click", (ev) => { state.map.getContainer().classList.remove("adding"); addForm(state, ev.latlng); });
}

export async function showPlanner(state) {
  const [cov, kinds] = await Promise.all([api(`/analytics/coverage?mode=${encodeURIComponent(mode())}`),
    state.centreKinds || api("/analytics/centre-kinds"), drawContext()]);
  state.centreKinds = kinds;
  $("add-centre-btn").hidden = !canPlan(state);
  const group = addLayer(L.layerGroup());
  cov.centres.features.forEach((f) => drawCentre(state, group, f));
  addLayer(L.geoJSON(cov.uncovered_buildings, {
    renderer: L.canvas(), // up to thousands of footprints
    style: () => ({ color: "#a8071a", weight: 1, fillColor: "#ff7875", fillOpacity: 0.8 }),
    onEachFeature: (f, l) => l.bindTooltip(textTip(`${f.properties.households} ${t("an_households")}`)),
  }));
  const cells = contextCells();
  if (!state.plannerFitted && cells?.features.length) {
    state.plannerFitted = true;
    state.map.fitBounds(L.geoJSON(cells).getBounds().pad(0.1), { animate: false });
  }
  const n = cov.centres.features.length;
  $("panel").replaceChildren(
    h("p", { id: "coverage-summary" }, t("an_coverage_summary", {
      covered: Math.round(cov.covered), total: Math.round(cov.households), share: pct(cov.covered / cov.households),
      over: cov.centres_over_capacity, n, beyond: pct(cov.beyond_capacity / Math.max(cov.covered, 1)),
    })),
    centreList(state, cov.centres.features),
    retiredList(state, cov.retired),
    coverageTable(cov.communities),
    h("div", { id: "siting" }));
  $("legend").replaceChildren(h("b", {}, t("an_load")), h("br"),
    ...LOADS.map(([, c, key]) => swatch(c, t(key))), swatch("#ff7875", t("an_uncovered_buildings")));
  status(`${t(mode() === "walking" ? "an_walking" : "an_straight")} · ${t("an_share")} ${pct(cov.covered / cov.households)}`);
}

export async function runSiting(state) {
  const k = $("f-k").value || 1;
  $("siting").replaceChildren(h("p", {}, t("an_loading")));
  let s;
  try { s = await api(`/analytics/siting?k=${encodeURIComponent(k)}&kind=station&mode=${encodeURIComponent(mode())}`); }
  catch (e) { $("siting").replaceChildren(h("p", { class: "err" }, errorText(e))); return; }
  addLayer(L.geoJSON(s.sites, {
    pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 12, color: "#531dab", weight: 3, fillOpacity: 0.3, className: "site" }),
    onEachFeature: (f, l) => l.bindTooltip(textTip(`#${f.properties.rank} · ${Math.round(f.properties.allocated)}/${f.properties.capacity} ${t("an_households")}`)),
  }));
  const accept = (f) => {
    const [lon, lat] = f.geometry.coordinates;
    const name = `${t("an_new_site")} ${f.properties.rank}`;
    write(state, "/analytics/centres", { method: "POST", json: { kind: s.kind, name, lon, lat, capacity: f.properties.capacity } });
  };
  $("siting").replaceChildren(
    h("h3", {}, `${t("an_sites")} (k=${s.k}, ${t(s.mode === "walking" ? "an_walking" : "an_straight")})`),
    h("p", { id: "siting-gain" }, t("an_siting_gain", { gain: Math.round(s.gain), before: pct(s.share_before), after: pct(s.share_after) })),
    h("ol", { class: "sites" }, s.sites.features.map((f) => h("li", {},
      `${Math.round(f.properties.allocated)}/${f.properties.capacity} ${t("an_households")} `,
      canPlan(state) ? h("button", { type: "button", class: "accept", onclick: () => accept(f) }, t("an_accept")) : null))));
}
