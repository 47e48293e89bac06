// Planner view: service centres with their rings (red when over capacity), uncovered buildings,
// covered/uncovered households per community, and suggested sites for k new centres with the gain.
// Centre and community names are typed by users: they go into the page as text nodes only.
import { api } from "../api.js";
import { h, textTip } from "../dom.js";
import { t } from "../i18n.js";
import { addLayer, status } from "./shared.js";

const pct = (v) => (v === null ? "—" : `${Math.round(v * 100)}%`);

/** A legend swatch and its label. */
const swatch = (colour, label) => [h("span", { style: { background: colour } }), label];

function centreTip(p) {
  const over = p.over_capacity ? ` · ${t("an_over_capacity")}` : "";
  return textTip(`${p.name}: ${Math.round(p.allocated)}/${p.capacity} ${t("an_households")}${over}`);
}

function coverageTable(communities) {
  const head = ["community", "households", "covered", "uncovered", "share"].map((k) => h("th", {}, t(`an_${k}`)));
  const rows = communities.map((c) => h("tr", {},
    h("td", {}, c.name || c.community_code), h("td", {}, Math.round(c.households)),
    h("td", {}, Math.round(c.covered)), h("td", {}, Math.round(c.uncovered)), h("td", {}, pct(c.share))));
  return h("table", { id: "coverage-table" }, h("thead", {}, h("tr", {}, head)), h("tbody", {}, rows));
}

export async function showPlanner(state) {
  const mode = document.getElementById("f-mode").value || "straight";
  const cov = await api(`/analytics/coverage?mode=${encodeURIComponent(mode)}`);
  const centres = addLayer(L.layerGroup());
  for (const f of cov.centres.features) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const colour = p.over_capacity ? "#c00" : "#1a7f37";
    L.circle([lat, lon], { radius: p.radius_m, color: colour, weight: 2, fillOpacity: 0.06, className: "centre-ring" })
      .bindTooltip(centreTip(p))
      .addTo(centres);
    L.circleMarker([lat, lon], { radius: 5, color: colour, fillOpacity: 1 }).addTo(centres);
  }
  const uncovered = addLayer(L.geoJSON(cov.uncovered_buildings, {
    style: () => ({ color: "#c00", weight: 1, fillColor: "#f66", fillOpacity: 0.8 }),
    onEachFeature: (f, l) => l.bindTooltip(textTip(`${f.properties.households} ${t("an_households")}`)),
  }));
  const bounds = L.latLngBounds(cov.centres.features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]));
  if (uncovered.getLayers().length) bounds.extend(uncovered.getBounds());
  if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.2), { maxZoom: 16 });
  const over = cov.centres.features.filter((f) => f.properties.over_capacity).length;
  document.getElementById("panel").replaceChildren(
    h("p", {}, `${t("an_covered")} ${Math.round(cov.covered)} / ${Math.round(cov.households)} ${t("an_households")} · `
      + `${t("an_uncovered_buildings")} ${cov.uncovered_buildings_total} · ${t("an_over_capacity")} ${over}`),
    coverageTable(cov.communities),
    h("div", { id: "siting" }));
  document.getElementById("legend").replaceChildren(
    ...swatch("#1a7f37", t("an_centres")), ...swatch("#c00", t("an_over_capacity")), ...swatch("#f66", t("an_uncovered_buildings")));
  status(`${t("an_share")} ${pct(cov.covered / cov.households)}`);
}

export async function runSiting(state) {
  const k = document.getElementById("f-k").value || 1;
  const s = await api(`/analytics/siting?k=${encodeURIComponent(k)}&kind=station`);
  addLayer(L.geoJSON(s.sites, {
    pointToLayer: (f, ll) => L.circle(ll, { radius: f.properties.radius_m, color: "#722ed1", dashArray: "6 4", weight: 2, fillOpacity: 0.05 }),
    onEachFeature: (f, l) => l.bindTooltip(textTip(`#${f.properties.rank}`)),
  }));
  document.getElementById("siting").replaceChildren(
    h("h3", {}, `${t("an_sites")} (k=${s.k})`),
    h("p", { id: "siting-gain" },
      `${t("an_gain")} ${Math.round(s.gain)} ${t("an_households")} · ${t("an_share")} ${pct(s.share_before)} → ${pct(s.share_after)} (${s.method})`));
  void state;
}
