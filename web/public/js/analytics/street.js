// Street-office view: the KPI table at full width under the map (sticky headers, names beside
// codes, sorting), a choropleth of the measure chosen (switched live) with a legend of swatches,
// a row ↔ map link (a click on either highlights both), charts of the KPIs over the last six
// months, and CSV/XLSX downloads of the same table.
import { api, token } from "../api.js";
import { h, textTip } from "../dom.js";
import { getLang as lang, t } from "../i18n.js";
import { $, addLayer, chart, contextCells, drawContext, errorText, state as page, status, swatch } from "./shared.js";
import { recordCard } from "./recordcard.js";
import { drawStacks } from "./stacks.js";
import { misses, visitStats, withVisits } from "./visits.js";

const PALETTE = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
const RATE = /rate|coverage/;
const view = { data: null, sortCol: null, sortDesc: true, layer: null, picked: null };

function params(extra = {}) {
  const p = new URLSearchParams({ by: $("f-by").value || "cell", lang: lang() });
  for (const k of ["from", "to"]) { const v = $(`f-${k}`).value; if (v) p.set(k, v); }
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

async function download(format) {
  const p = params({ format });
  try {
    const res = await fetch(`/api/v1/analytics/table?${p}`, { headers: { Authorization: `Bearer ${token.get()}` } });
    if (!res.ok) throw new Error(String(res.status));
    const a = h("a", { href: URL.createObjectURL(await res.blob()), download: `wangge-${p.get("by")}-${p.get("from") || ""}.${format}` });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (e) { status(errorText(e)); }
}

const NUMBER = new Intl.NumberFormat("en-US"); // one formatter: toLocaleString makes one per call
const fmt = (c, v) => (v === null || v === undefined ? "—" : RATE.test(c) ? `${Math.round(v * 100)}%` : typeof v === "number" ? NUMBER.format(v) : v);

/** Class breaks of the measure: five equal steps of whole numbers (or of percent for rates). */
function classes(col) {
  const vals = view.data.rows.map((r) => r[col]).filter((v) => v !== null && v !== undefined);
  const max = Math.max(0, ...vals);
  if (RATE.test(col)) return [0, 0.2, 0.4, 0.6, 0.8]; // shares: the same steps every period
  const step = Math.max(1, Math.ceil((max + 1) / 5));
  return [0, 1, 2, 3, 4].map((i) => i * step);
}

function colourOf(breaks, v) {
  if (v === null || v === undefined) return "#f0f0f0";
  let k = 0;
  while (k + 1 < breaks.length && v >= breaks[k + 1]) k += 1;
  return PALETTE[k];
}

function legend(col) {
  const b = classes(col);
  const label = (i) => (RATE.test(col)
    ? `${Math.round(b[i] * 100)}%${i + 1 < b.length ? `–${Math.round(b[i + 1] * 100)}%` : "+"}`
    : i + 1 < b.length ? `${b[i]}–${b[i + 1] - 1}` : `≥${b[i]}`);
  $("legend").replaceChildren(h("b", {}, view.data.labels[col][lang()]), h("br"),
    ...b.map((_, i) => swatch(PALETTE[i], label(i))), swatch("#f0f0f0", t("an_no_data")));
}

const keyOf = (f) => {
  const key = view.data.columns[0];
  return key === "cell_code" || key === "vertical_code" ? f.properties.code : key === "community_code" ? f.properties.community_code : f.properties.leader?.username;
};

function pick(key, from) {
  view.picked = key;
  document.querySelectorAll("#kpi-table tbody tr").forEach((tr) => tr.classList.toggle("picked", tr.dataset.key === key || tr.dataset.cell === key));
  view.layer?.eachLayer((l) => l.setStyle({ weight: keyOf(l.feature) === key ? 4 : 1, color: keyOf(l.feature) === key ? "#003a8c" : "#555" }));
  if (from === "map") view.drawRows?.(view.keys.indexOf(key) + 1); // its row may not be drawn yet
  if (from === "map") document.querySelector(`#kpi-table tr[data-key="${CSS.escape(key)}"], #kpi-table tr[data-cell="${CSS.escape(key)}"]`)?.scrollIntoView({ block: "center" });
  if (from === "table" && view.layer) {
    const hit = view.layer.getLayers().filter((l) => keyOf(l.feature) === key);
    if (hit.length) page.map.fitBounds(L.featureGroup(hit).getBounds(), { maxZoom: 17, animate: false });
  }
}

const FIRST_ROWS = 80; // about three screens of the table: drawn before the view is ready
const MORE_ROWS = 120; // drawn each time the reader nears the last row drawn

/** The map's key of a row: by vertical cell, its 2D cell (the vertical cells are a level below). */
const mapKey = (r, key) => (key === "vertical_code" ? r.cell_code : r[key]);

/** One table row; a rate that misses its policy target (the visit figures) is marked. */
function rowOf(r, data, key, text) {
  const cell = key === "vertical_code" ? r.cell_code : null;
  return h("tr", { dataset: { key: r[key] ?? "", cell }, class: mapKey(r, key) === view.picked ? "picked" : null },
    data.columns.map((c) => h(c === key ? "th" : "td", {
      class: text.has(c) ? "txt" : misses(data.targets?.[c], r[c]) ? "miss" : null,
      scope: c === key ? "row" : null }, fmt(c, r[c]))));
}

/** Draw ``rows`` beyond the first screens only as the reader scrolls near the last row drawn (or
 * a map click asks for one further down): laying out 800 rows × 40 columns at once would hold the
 * page for a second, and chunks in the background would delay the next click as long. Sets
 * ``view.drawRows(n)`` (draw at least the first n) and marks the table complete (data-complete)
 * when every row is in. */
function drawOnScroll(table, tbody, rows, make) {
  let drawn = Math.min(FIRST_ROWS, rows.length);
  view.near?.disconnect(); // the previous table's watch
  const watch = () => {
    view.near?.disconnect();
    if (drawn >= rows.length) { table.dataset.complete = "true"; return; }
    view.near = new IntersectionObserver((seen) => { if (seen.some((e) => e.isIntersecting)) more(); },
      { root: table.parentElement, rootMargin: "400px 0px" });
    view.near.observe(tbody.lastElementChild);
  };
  const more = (upTo = 0) => {
    const end = Math.min(rows.length, Math.max(upTo, drawn + MORE_ROWS));
    tbody.append(...rows.slice(drawn, end).map(make));
    drawn = end;
    watch();
  };
  view.drawRows = (n) => { if (n > drawn) more(n); };
  watch();
}

function renderTable() {
  const data = view.data;
  const label = (c) => data.labels[c][lang()];
  const rows = [...data.rows];
  const { sortCol, sortDesc } = view;
  if (sortCol) rows.sort((a, b) => ((a[sortCol] ?? -1) > (b[sortCol] ?? -1) ? 1 : (a[sortCol] ?? -1) < (b[sortCol] ?? -1) ? -1 : 0) * (sortDesc ? -1 : 1));
  const head = data.columns.map((c) => h("th", { scope: "col", dataset: { col: c }, "aria-sort": c === sortCol ? (sortDesc ? "descending" : "ascending") : null },
    h("button", { type: "button", onclick: () => { view.sortDesc = view.sortCol === c ? !view.sortDesc : true; view.sortCol = c; renderTable(); } }, label(c))));
  const text = new Set(data.text_columns);
  const key = data.columns[0];
  const make = (r) => rowOf(r, data, key, text);
  // one listener for every row (not one per row): a click picks the row's key
  const tbody = h("tbody", { onclick: (ev) => { const tr = ev.target.closest("tr"); if (tr) pick(tr.dataset.cell || tr.dataset.key, "table"); } },
    rows.slice(0, FIRST_ROWS).map(make));
  const table = h("table", { id: "kpi-table" }, h("thead", {}, h("tr", {}, head)), tbody);
  const wrap = document.querySelector("#wide .table-wrap");
  if (wrap && $("chart-months")) { // a re-sort or a new grouping keeps the chart beside it
    wrap.replaceChildren(table);
    wrap.setAttribute("aria-label", t("an_street"));
    $("chart-months").setAttribute("aria-label", t("an_chart_months"));
  } else {
    $("wide").replaceChildren(h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": t("an_street") }, table),
      h("div", { id: "chart-months", class: "chart wide-chart", role: "img", "aria-label": t("an_chart_months") }));
  }
  view.keys = rows.map((r) => mapKey(r, key) ?? "");
  drawOnScroll(table, tbody, rows, make);
}

/** The measure per map feature's key: per row, or by vertical cell the sum over each 2D cell's
 * vertical cells (a rate is not summed: the cell shows no data). */
function mapValues(col) {
  const key = view.data.columns[0];
  if (key !== "vertical_code") return Object.fromEntries(view.data.rows.map((r) => [r[key], r[col]]));
  const out = {};
  for (const r of view.data.rows) out[r.cell_code] = RATE.test(col) ? null : (out[r.cell_code] ?? 0) + (r[col] ?? 0);
  return out;
}

function paint() {
  const col = $("f-measure").value || "total";
  view.values = mapValues(col);
  view.col = col;
  const breaks = classes(col); // once per paint: every cell is coloured against the same breaks
  view.layer?.eachLayer((l) => l.setStyle({ fillColor: colourOf(breaks, view.values[keyOf(l.feature)]) }));
  legend(col);
}

/** The first days of the last six months up to the period's end, as YYYY-MM. */
function months() {
  const end = new Date(`${$("f-to").value || new Date().toISOString().slice(0, 10)}T00:00:00`);
  return [5, 4, 3, 2, 1, 0].map((k) => { const d = new Date(end.getFullYear(), end.getMonth() - k, 1); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`; });
}

const MONTHS_AFTER_MS = 800; // the months chart starts this long after the table is drawn
const MONTHS_FRESH_MS = 60000; // a month's table is re-read after a minute, not on every switch
const monthTables = new Map(); // "YYYY-MM" → { at, table }

/** One month's table by community: from the last minute's copy, else from the server. */
async function monthTable(m) {
  const got = monthTables.get(m);
  if (got && Date.now() - got.at < MONTHS_FRESH_MS) return got.table;
  const table = await api(`/analytics/table?by=community&period=${m}`);
  monthTables.set(m, { at: Date.now(), table });
  return table;
}

/** The KPIs over the last six months, read one month at a time after the view is drawn, and
 * dropped as soon as another view or filter supersedes this one (so its requests never queue
 * ahead of the next view's). */
async function monthsChart(current) {
  const ms = months();
  const tables = [];
  for (const m of ms) {
    if (!current()) return;
    tables.push(await monthTable(m)); // eslint-disable-line no-await-in-loop
  }
  if (!current()) return;
  const sum = (rows, c) => rows.reduce((a, r) => a + (r[c] || 0), 0);
  const ratio = (rows, a, b) => (sum(rows, b) ? Math.round((1000 * sum(rows, a)) / sum(rows, b)) / 10 : null);
  chart("chart-months", {
    title: { text: t("an_chart_months"), textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis" }, legend: { bottom: 0 },
    grid: { left: 48, right: 48, top: 40, bottom: 64 },
    xAxis: { type: "category", data: ms },
    yAxis: [{ type: "value", minInterval: 1, name: t("an_records") }, { type: "value", max: 100, name: "%" }],
    series: [
      { name: view.data.labels.total[lang()], type: "bar", data: tables.map((x) => sum(x.rows, "total")), color: "#91caff" },
      { name: view.data.labels.closure_rate[lang()], type: "line", yAxisIndex: 1, data: tables.map((x) => ratio(x.rows, "closed", "due")), color: "#237804" },
      { name: view.data.labels.on_time_closure_rate[lang()], type: "line", yAxisIndex: 1, data: tables.map((x) => ratio(x.rows, "on_time_closed", "due")), color: "#d46b08" },
      { name: view.data.labels.patrol_coverage[lang()], type: "line", yAxisIndex: 1, data: tables.map((x) => ratio(x.rows, "visited", "places")), color: "#531dab" },
    ],
  });
}

export async function showStreet(state, current = () => true) {
  const period = { by: $("f-by").value || "cell", from: $("f-from").value, to: $("f-to").value };
  const [table, stats] = await Promise.all([api(`/analytics/table?${params()}`), visitStats(period), drawContext()]);
  view.data = withVisits(table, stats);
  const measure = $("f-measure");
  const numeric = view.data.columns.filter((c) => !view.data.text_columns.includes(c));
  if (!measure.options.length || measure.dataset.lang !== lang()) {
    const was = measure.value || "total";
    measure.replaceChildren(...numeric.map((c) => new Option(view.data.labels[c][lang()], c)));
    measure.value = numeric.includes(was) ? was : "total";
    measure.dataset.lang = lang();
  }
  measure.onchange = paint;
  $("export-csv").onclick = () => download("csv");
  $("export-xlsx").onclick = () => download("xlsx");
  renderTable();
  const cells = contextCells(); // the cells drawContext loaded: one request, not two
  view.layer = addLayer(L.geoJSON(cells, {
    style: () => ({ color: "#555", weight: 1, fillOpacity: 0.7 }),
    onEachFeature: (f, l) => {
      l.bindTooltip(() => textTip(`${keyOf(f)}: ${fmt(view.col, view.values?.[keyOf(f)])}`)); // made when shown
      l.on("click", () => pick(keyOf(f), "map"));
    },
  }));
  view.layer.eachLayer((l) => l.getElement()?.setAttribute("data-key", keyOf(l.feature) ?? ""));
  paint();
  if (view.layer.getLayers().length && !state.streetFitted) { state.streetFitted = true; state.map.fitBounds(view.layer.getBounds()); }
  if (view.data.by === "vertical") await drawStacks(state, recordCard);
  status(`${view.data.rows.length} ${t(`an_${view.data.by}`)}${view.data.visitsError ? ` · ${t("an_visits_unavailable")}` : ""}`);
  // the chart once the reader has stayed on this table a moment: a quick switch of grouping or
  // view does not wait behind six months of tables it will not see
  setTimeout(() => monthsChart(current).catch((e) => { if (current()) status(errorText(e)); }), MONTHS_AFTER_MS);
}
