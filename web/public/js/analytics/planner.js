// Planner view: service centres with their rings (red when over capacity), uncovered buildings,
// covered/uncovered households per community, and suggested sites for k new centres with the gain.
import { api } from "../api.js";
import { t } from "./i18n.js";
import { addLayer, status } from "./main.js";

const pct = (v) => (v === null ? "—" : `${Math.round(v * 100)}%`);

export async function showPlanner(state) {
  const mode = document.getElementById("f-mode").value || "straight";
  const cov = await api(`/analytics/coverage?mode=${mode}`);
  const centres = addLayer(L.layerGroup());
  for (const f of cov.centres.features) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const colour = p.over_capacity ? "#c00" : "#1a7f37";
    L.circle([lat, lon], { radius: p.radius_m, color: colour, weight: 2, fillOpacity: 0.06, className: "centre-ring" })
      .bindTooltip(`${p.name}: ${Math.round(p.allocated)}/${p.capacity} ${t("households")}${p.over_capacity ? ` · ${t("over_capacity")}` : ""}`)
      .addTo(centres);
    L.circleMarker([lat, lon], { radius: 5, color: colour, fillOpacity: 1 }).addTo(centres);
  }
  const uncovered = addLayer(L.geoJSON(cov.uncovered_buildings, {
    style: () => ({ color: "#c00", weight: 1, fillColor: "#f66", fillOpacity: 0.8 }),
    onEachFeature: (f, l) => l.bindTooltip(`${f.properties.households} ${t("households")}`),
  }));
  const bounds = L.latLngBounds(cov.centres.features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]));
  if (uncovered.getLayers().length) bounds.extend(uncovered.getBounds());
  if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.2), { maxZoom: 16 });
  const rows = cov.communities.map((c) => `<tr><td>${c.name || c.community_code}</td><td>${Math.round(c.households)}</td><td>${Math.round(c.covered)}</td><td>${Math.round(c.uncovered)}</td><td>${pct(c.share)}</td></tr>`).join("");
  document.getElementById("panel").innerHTML =
    `<p>${t("covered")} ${Math.round(cov.covered)} / ${Math.round(cov.households)} ${t("households")} · ${t("uncovered_buildings")} ${cov.uncovered_buildings_total} · ${t("over_capacity")} ${cov.centres.features.filter((f) => f.properties.over_capacity).length}</p>` +
    `<table id="coverage-table"><thead><tr><th>${t("community")}</th><th>${t("households")}</th><th>${t("covered")}</th><th>${t("uncovered")}</th><th>${t("share")}</th></tr></thead><tbody>${rows}</tbody></table><div id="siting"></div>`;
  document.getElementById("legend").innerHTML = `<span style="background:#1a7f37"></span>${t("centres")}<span style="background:#c00"></span>${t("over_capacity")}<span style="background:#f66"></span>${t("uncovered_buildings")}`;
  status(`${t("share")} ${pct(cov.covered / cov.households)}`);
}

export async function runSiting(state) {
  const k = document.getElementById("f-k").value || 1;
  const s = await api(`/analytics/siting?k=${k}&kind=station`);
  addLayer(L.geoJSON(s.sites, {
    pointToLayer: (f, ll) => L.circle(ll, { radius: f.properties.radius_m, color: "#722ed1", dashArray: "6 4", weight: 2, fillOpacity: 0.05 }),
    onEachFeature: (f, l) => l.bindTooltip(`#${f.properties.rank}`),
  }));
  document.getElementById("siting").innerHTML =
    `<h3>${t("sites")} (k=${s.k})</h3><p id="siting-gain">${t("gain")} ${Math.round(s.gain)} ${t("households")} · ${t("share")} ${pct(s.share_before)} → ${pct(s.share_after)} (${s.method})</p>`;
  void state;
}
