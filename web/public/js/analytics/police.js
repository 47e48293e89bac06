// Police view: H3 heat bins over community, cell and road outlines, a legend of whole-number
// classes (records per bin in the period, fixed while filters change), hot/cold spots with a
// sentence saying what they mean, comparison with the same days last year, charts of the weeks
// (against last year), weekday × hour (a click filters) and categories, and a drill-down listing
// each record with its photos and a link to it.
import { api } from "../api.js";
import { h, textTip } from "../dom.js";
import { getLang, t, term } from "../i18n.js";
import { $, addLayer, chart, contextCells, drawContext, errorText, filters, status, swatch } from "./shared.js";
import { catOf, recordCard } from "./recordcard.js";
import { drawStacks } from "./stacks.js";
import { duePanel } from "./visits.js";

function legend(scale) {
  $("legend").replaceChildren(
    h("b", {}, scale.unit[getLang()] || scale.unit.zh), h("br"),
    ...scale.labels.map((label, i) => swatch(scale.colours[i], label)));
}

async function showRecords(state, bin, count) {
  const panel = $("drill");
  panel.replaceChildren(h("p", {}, t("an_loading")));
  try {
    const recs = await api(`/analytics/bins/${encodeURIComponent(bin)}/records?${filters({ limit: 50 })}`);
    const cells = [...new Set(recs.map((r) => r.cell_code).filter(Boolean))];
    panel.replaceChildren(
      h("h3", { id: "drill-title" }, t("an_drill_title", { n: count, cells: cells.join("、") || "—" })),
      ...recs.map((r) => recordCard(state, r)));
    if (!recs.length) panel.append(t("an_none"));
    panel.scrollIntoView({ block: "nearest" });
  } catch (e) { panel.replaceChildren(h("p", { class: "err" }, errorText(e))); }
}

/** One record in full, opened from its link (#record=<id>). */
export async function showRecord(state, id) {
  const panel = $("drill") || $("panel");
  try {
    const r = await api(`/records/${encodeURIComponent(id)}`);
    panel.replaceChildren(h("h3", {}, t("an_record")), recordCard(state, r));
  } catch (e) { panel.replaceChildren(h("p", { class: "err" }, errorText(e))); }
}

function hotspotSentence(sig) {
  const hot = sig.filter((f) => f.properties.gi_bin > 0);
  const cold = sig.filter((f) => f.properties.gi_bin < 0);
  const conf = (list) => Math.min(...list.map((f) => f.properties.confidence));
  const parts = [];
  if (hot.length) parts.push(t("an_hot_sentence", { n: hot.length, c: conf(hot) }));
  if (cold.length) parts.push(t("an_cold_sentence", { n: cold.length, c: conf(cold) }));
  return parts.length ? parts.join(" ") : t("an_no_spots");
}

async function hotspots(res) {
  const hs = await api(`/analytics/hotspots?${filters({ res })}`);
  const sig = hs.features.filter((f) => f.properties.confidence > 0);
  addLayer(L.geoJSON({ type: "FeatureCollection", features: sig }, {
    style: (f) => ({ color: f.properties.gi_bin > 0 ? "#a8071a" : "#0050b3", weight: Math.abs(f.properties.gi_bin) + 1, fill: false }),
    onEachFeature: (f, l) => l.bindTooltip(textTip(`${t(f.properties.gi_bin > 0 ? "an_hot" : "an_cold")} · ${t("an_confidence")} ${f.properties.confidence}%`)),
  }));
  $("spots").textContent = hotspotSentence(sig);
}

async function compare(res) {
  const cmp = await api(`/analytics/compare?${filters({ res })}`);
  const changed = cmp.features.filter((f) => f.properties.change !== "no change");
  addLayer(L.geoJSON({ type: "FeatureCollection", features: changed }, {
    style: (f) => ({ color: f.properties.change === "rise" ? "#d4380d" : "#237804", weight: 3, dashArray: "4 3", fill: false }),
    onEachFeature: (f, l) => l.bindTooltip(textTip(`${t(`an_${f.properties.change}`)} ${f.properties.a}→${f.properties.b}`)),
  }));
  const n = (c) => changed.filter((f) => f.properties.change === c).length;
  return ` · ${t("an_rise")} ${n("rise")} · ${t("an_fall")} ${n("fall")}`;
}

const DAYS = () => t("an_weekday_names").split(",");

function charts(state, prof) {
  chart("chart-weekly", {
    title: { text: t("an_chart_weekly"), textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis" }, legend: { bottom: 0, data: [t("an_this_period"), t("an_last_year")] },
    grid: { left: 36, right: 8, top: 30, bottom: 48 },
    xAxis: { type: "category", data: prof.weekly.map((w) => w.week.slice(5)) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: t("an_this_period"), type: "line", data: prof.weekly.map((w) => w.count), color: "#c41d7f" },
      { name: t("an_last_year"), type: "line", data: prof.weekly.map((w) => w.last_year), color: "#8c8c8c", lineStyle: { type: "dashed" } },
    ],
  });
  const cells = prof.matrix.flatMap((row, d) => row.map((v, hr) => [hr, d, v]));
  const m = chart("chart-matrix", {
    title: { text: t("an_chart_matrix"), textStyle: { fontSize: 13 } },
    tooltip: { formatter: (p) => `${DAYS()[p.value[1]]} ${p.value[0]}:00 · ${p.value[2]}` },
    grid: { left: 36, right: 8, top: 28, bottom: 24 },
    xAxis: { type: "category", data: [...Array(24).keys()].map(String), splitArea: { show: true } },
    yAxis: { type: "category", data: DAYS(), inverse: true },
    visualMap: { show: false, min: 0, max: Math.max(1, ...cells.map((c) => c[2])), inRange: { color: ["#fff7e6", "#fa8c16", "#a8071a"] } },
    series: [{ type: "heatmap", data: cells }],
  });
  m.on("click", (p) => {
    $("f-hour-from").value = String(p.value[0]);
    $("f-hour-to").value = String(p.value[0]);
    document.querySelectorAll("#f-weekdays input").forEach((i) => { i.checked = Number(i.value) === p.value[1]; });
    state.refresh();
  });
  const top = prof.categories.slice(0, 8).reverse();
  chart("chart-cats", {
    title: { text: t("an_chart_cats"), textStyle: { fontSize: 13 } },
    tooltip: {}, grid: { left: 96, right: 16, top: 28, bottom: 20 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: top.map((c) => term(catOf(state, c.kind, c.category)) || c.category) },
    series: [{ type: "bar", data: top.map((c) => c.count), color: "#d4380d" }],
  });
}

export async function showPolice(state, current = () => true) {
  const zoom = state.map.getZoom();
  const lat = state.map.getCenter().lat.toFixed(3);
  const [heat, prof] = await Promise.all([api(`/analytics/heat?${filters({ zoom, lat })}`), api(`/analytics/profile?${filters()}`), drawContext()]);
  if (!current()) return;
  legend(heat.scale);
  $("panel").replaceChildren(
    h("p", { id: "spots", class: "spots" }),
    h("div", { id: "chart-weekly", class: "chart", role: "img", "aria-label": t("an_chart_weekly") }),
    h("div", { id: "chart-matrix", class: "chart tall", role: "img", "aria-label": t("an_chart_matrix") }),
    h("div", { id: "chart-cats", class: "chart", role: "img", "aria-label": t("an_chart_cats") }),
    h("section", { id: "drill", "aria-live": "polite" }));
  const layer = addLayer(L.geoJSON(heat, {
    style: (f) => ({ color: "#434343", weight: 0.6, fillColor: f.properties.colour || "#ffffff", fillOpacity: f.properties.colour ? 0.72 : 0.05 }),
    onEachFeature: (f, l) => {
      l.bindTooltip(textTip(`${f.properties.count} ${t("an_records")}`));
      l.on("click", () => showRecords(state, f.id, f.properties.count));
    },
  }));
  layer.getLayers().forEach((l) => { l.getElement()?.setAttribute("data-h3", l.feature.id); });
  charts(state, prof);
  const stacked = await drawStacks(state, recordCard); // the badges of buildings cut into vertical cells
  await duePanel(current);
  if (!current()) return;
  if (!state.fitted && heat.features.length) {
    state.fitted = true;
    const cells = contextCells();
    // Without animation the zoomend (and the reload at the new zoom's bin size) happens now,
    // so this run is superseded at once and the page is never "ready" with a view about to be redrawn.
    state.map.fitBounds(cells && cells.features.length ? L.geoJSON(cells).getBounds() : layer.getBounds(), { animate: false });
    if (!current()) return;
  }
  let note = `${heat.total} ${t("an_records")}`;
  if (stacked.length) note += ` · ${stacked.length} ${t("an_vertical_buildings")}`;
  try {
    if ($("f-hotspots").checked) await hotspots(heat.resolution);
    else $("spots").textContent = "";
    if ($("f-compare").checked) note += await compare(heat.resolution);
  } catch (e) { note += ` · ${errorText(e)}`; }
  status(note);
}
