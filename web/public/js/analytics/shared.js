// What the analytics views share: the page state (map, drawn layers, /meta), the filters as query
// parameters, drawing on the map (with community, cell and road outlines underneath), charts
// (ECharts, vendored), translated errors and the status line. main.js and the views import this
// module; it imports neither, so imports flow one way: main.js → views → shared.js.
import { ApiError, NetworkError, api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

export const state = { view: "police", meta: null, map: null, layers: [], charts: [] };
window.wanggeAnalytics = state;

export const $ = (id) => document.getElementById(id);

/** The chosen local hours as a query value ("18-23", or "22-23,0-2" across midnight), or "". */
export function hoursValue() {
  const a = $("f-hour-from").value;
  const b = $("f-hour-to").value;
  if (a === "" && b === "") return "";
  const lo = Number(a === "" ? 0 : a);
  const hi = Number(b === "" ? 23 : b);
  return lo <= hi ? `${lo}-${hi}` : `${lo}-23,0-${hi}`;
}

/** The ticked weekdays (0 = Monday) as a query value, or "" when all or none are ticked. */
export function weekdaysValue() {
  const on = [...document.querySelectorAll("#f-weekdays input:checked")].map((i) => i.value);
  return on.length === 0 || on.length === 7 ? "" : on.join(",");
}

/** The current filters as query parameters, plus `extra` where set. */
export function filters(extra = {}) {
  const p = new URLSearchParams();
  if ($("f-from").value) p.set("from", $("f-from").value);
  if ($("f-to").value) p.set("to", $("f-to").value);
  if (hoursValue()) p.set("hours", hoursValue());
  if (weekdaysValue()) p.set("weekdays", weekdaysValue());
  for (const [k, id] of [["kind", "f-kind"], ["category", "f-category"]]) {
    if ($(id).value) p.set(k, $(id).value);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) p.set(k, v);
  return p;
}

/** Remove the previous view's layers and charts. */
export function clearLayers() {
  state.layers.forEach((l) => state.map.removeLayer(l));
  state.layers = [];
  state.charts.forEach((c) => c.dispose());
  state.charts = [];
}

/** Draw `layer` on the map as part of the current view (cleared when the view redraws). */
export function addLayer(layer) { layer.addTo(state.map); state.layers.push(layer); return layer; }

/** Show `text` in the status line. */
export function status(text) { $("status").textContent = text; }

const FIELDS = ["hours", "weekdays", "kind", "category", "from", "to", "period", "mode", "k", "res", "lon", "name", "capacity", "community"];

/** A server refusal or a lost connection as a sentence in the UI language saying what to do. */
export function errorText(e) {
  if (e instanceof NetworkError) return t("an_err_network");
  if (!(e instanceof ApiError)) return t("an_err_other");
  if (e.status === 401) return t("an_err_401");
  if (e.status === 403) return t("an_err_403");
  if (e.status === 404) return t("an_err_404");
  if (e.status === 422) {
    const loc = e.body?.detail?.[0]?.loc || [];
    const field = loc.find((x) => FIELDS.includes(x));
    if (field === "mode") return t("an_err_roads");
    return t("an_err_422", { field: field ? t(`an_f_${field}`) : "" });
  }
  return t("an_err_other");
}

let context = null;

/** Community outlines, cell outlines and roads under the data (drawn once, kept across views),
 * so the map reads without a basemap; labels name communities. */
export async function drawContext() {
  if (context) return context.ready;
  context = { ready: null, cells: null };
  context.ready = loadContext().catch((e) => { context = null; throw e; }); // retried next view
  return context.ready;
}

async function loadContext() {
  if (!state.map.getPane("context")) state.map.createPane("context").style.zIndex = 350;
  const [ctx, cells] = await Promise.all([api("/analytics/context"), api("/cells")]);
  const pane = "context";
  const renderer = L.canvas({ pane }); // hundreds of outlines: one canvas, not an SVG path each
  L.geoJSON(ctx.roads, { pane, renderer, interactive: false, style: () => ({ color: "#8c8c8c", weight: 2, opacity: 0.9 }) }).addTo(state.map);
  L.geoJSON(cells, { pane, renderer, interactive: false, style: () => ({ color: "#595959", weight: 0.8, dashArray: "3 3", fill: false }) }).addTo(state.map);
  L.geoJSON(ctx.communities, {
    pane, renderer, interactive: false,
    style: () => ({ color: "#1d39c4", weight: 2.5, fill: false }),
    onEachFeature: (f, l) => l.bindTooltip(h("span", {}, f.properties.name), { permanent: true, direction: "center", className: "comm-label" }),
  }).addTo(state.map);
  context.cells = cells;
}

/** The cells GeoJSON drawn as context (loaded by drawContext). */
export const contextCells = () => context?.cells ?? null;

/** An ECharts chart in element `id` (disposed when the view redraws). */
export function chart(id, option) {
  const c = echarts.init($(id), null, { renderer: "svg" });
  c.setOption({ animation: false, textStyle: { fontFamily: "system-ui, sans-serif" }, ...option });
  state.charts.push(c);
  return c;
}

/** A legend row: a colour swatch and its label. */
export const swatch = (colour, label) => h("span", { class: "sw" }, h("i", { style: { background: colour } }), label);
