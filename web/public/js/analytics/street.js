// Street-office view: a sortable table per cell, leader or community, a choropleth of the chosen
// measure over the cells, and CSV/XLSX downloads of the same table.
import { api, token } from "../api.js";
import { h, textTip } from "../dom.js";
import { getLang as lang, t } from "../i18n.js";
import { addLayer, status } from "./shared.js";

const PALETTE = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
let sortCol = null;
let sortDesc = true;

function params() {
  const p = new URLSearchParams({ by: document.getElementById("f-by").value || "cell", lang: lang() });
  for (const k of ["from", "to"]) { const v = document.getElementById(`f-${k}`).value; if (v) p.set(k, v); }
  return p;
}

async function download(format) {
  const p = params();
  p.set("format", format);
  const res = await fetch(`/api/v1/analytics/table?${p}`, { headers: { Authorization: `Bearer ${token.get()}` } });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(await res.blob());
  a.download = `wangge-${p.get("by")}.${format}`;
  a.click();
}

function render(data) {
  const label = (c) => data.labels[c][lang()];
  const rows = [...data.rows];
  if (sortCol) rows.sort((a, b) => ((a[sortCol] ?? -1) > (b[sortCol] ?? -1) ? 1 : -1) * (sortDesc ? -1 : 1));
  const fmt = (c, v) => (v === null ? "—" : /rate|coverage/.test(c) ? `${Math.round(v * 100)}%` : v);
  const head = data.columns.map((c) => h("th", {
    dataset: { col: c }, "aria-sort": c === sortCol ? (sortDesc ? "descending" : "ascending") : null,
    onclick: () => { sortDesc = sortCol === c ? !sortDesc : true; sortCol = c; render(data); },
  }, label(c)));
  const body = rows.map((r) => h("tr", {}, data.columns.map((c) => h("td", {}, fmt(c, r[c])))));
  const table = h("table", {}, h("thead", {}, h("tr", {}, head)), h("tbody", {}, body));
  document.getElementById("panel").replaceChildren(table);
}

export async function showStreet(state) {
  const data = await api(`/analytics/table?${params()}`);
  const measure = document.getElementById("f-measure");
  const numeric = data.columns.slice(1);
  if (!measure.options.length || measure.dataset.lang !== lang()) {
    measure.replaceChildren(...numeric.map((c) => new Option(data.labels[c][lang()], c)));
    measure.value = "total";
    measure.dataset.lang = lang();
  }
  document.getElementById("export-csv").onclick = () => download("csv");
  document.getElementById("export-xlsx").onclick = () => download("xlsx");
  render(data);
  const col = measure.value || "total";
  const cells = await api("/cells");
  const key = data.columns[0];
  const values = Object.fromEntries(data.rows.map((r) => [r[key], r[col]]));
  const of = (f) => values[key === "cell_code" ? f.properties.code : key === "community_code" ? f.properties.community_code : f.properties.leader?.username];
  const max = Math.max(0, ...data.rows.map((r) => r[col] ?? 0));
  const colour = (v) => (v === null || v === undefined ? "#eeeeee" : PALETTE[Math.min(4, Math.floor((v / (max || 1)) * 4.999))]);
  const layer = addLayer(L.geoJSON(cells, {
    style: (f) => ({ color: "#555", weight: 1, fillColor: colour(of(f)), fillOpacity: 0.7 }),
    onEachFeature: (f, l) => l.bindTooltip(textTip(`${f.properties.code}: ${of(f) ?? "—"}`)),
  }));
  if (layer.getLayers().length) state.map.fitBounds(layer.getBounds());
  document.getElementById("legend").textContent = `${data.labels[col][lang()]}: 0–${max}`;
  status(`${data.rows.length} ${t(`an_${data.by}`)}`);
}
