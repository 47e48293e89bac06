// Police view: H3 heat layer following the zoom, fixed colour legend, hot/cold spots,
// comparison with the same days last year, and a click on a bin lists its records.
import { api } from "../api.js";
import { h, textTip } from "../dom.js";
import { t, term } from "../i18n.js";
import { addLayer, filters, status } from "./shared.js";

function legend(scale, res) {
  const el = document.getElementById("legend");
  el.replaceChildren(
    h("b", {}, `${t("an_resolution")} ${res}`), ` · ${t("an_reference")} ${scale.reference.from}–${scale.reference.to}`, h("br"),
    ...scale.breaks.flatMap((b, i) => [h("span", { style: { background: scale.colours[i] } }), `≥${Number(b.toPrecision(2))}`]));
}

async function showRecords(state, h3) {
  const recs = await api(`/analytics/bins/${encodeURIComponent(h3)}/records?${filters()}`);
  const panel = document.getElementById("panel");
  panel.replaceChildren(h("h3", {}, `${h3}: ${recs.length} ${t("an_records")}`));
  const kinds = Object.fromEntries(state.meta.record_kinds.map((k) => [k.code, k]));
  for (const r of recs) {
    const cat = (state.meta.categories[r.kind] || []).find((c) => c.code === r.category);
    const div = document.createElement("div");
    div.className = "rec";
    div.textContent = `${r.occurred_at.slice(0, 16).replace("T", " ")} · ${term(kinds[r.kind])} · ${term(cat)} · ${r.cell_code} · ${r.description}`;
    panel.append(div);
  }
  if (!recs.length) panel.append(t("an_none"));
}

export async function showPolice(state, current = () => true) {
  const zoom = state.map.getZoom();
  const lat = state.map.getCenter().lat.toFixed(3);
  const heat = await api(`/analytics/heat?${filters({ zoom, lat })}`);
  if (!current()) return;
  legend(heat.scale, heat.resolution);
  const layer = addLayer(L.geoJSON(heat, {
    style: (f) => ({ color: "#666", weight: 0.5, fillColor: f.properties.colour || "#ffffff",
      fillOpacity: f.properties.colour ? 0.75 : 0.1 }),
    onEachFeature: (f, l) => {
      l.bindTooltip(textTip(`${f.properties.count}`));
      l.on("click", () => showRecords(state, f.id));
    },
  }));
  layer.getLayers().forEach((l) => { l.getElement()?.setAttribute("data-h3", l.feature.id); });
  if (!state.fitted && heat.features.length) { state.fitted = true; state.map.fitBounds(layer.getBounds()); return; }
  let note = `${heat.total} ${t("an_records")}`;
  if (document.getElementById("f-hotspots").checked) {
    try {
      const hs = await api(`/analytics/hotspots?${filters({ res: heat.resolution })}`);
      const sig = hs.features.filter((f) => f.properties.confidence > 0);
      addLayer(L.geoJSON({ type: "FeatureCollection", features: sig }, {
        style: (f) => ({ color: f.properties.gi_bin > 0 ? "#b00" : "#0050b3", weight: Math.abs(f.properties.gi_bin) + 1, fill: false }),
        onEachFeature: (f, l) => l.bindTooltip(textTip(`${t(f.properties.label === "hot" ? "an_hot" : "an_cold")} ${f.properties.confidence}% z=${f.properties.z.toFixed(2)} p=${f.properties.p.toPrecision(2)}`)),
      }));
      note += ` · ${t("an_hot")} ${sig.filter((f) => f.properties.gi_bin > 0).length} · ${t("an_cold")} ${sig.filter((f) => f.properties.gi_bin < 0).length}`;
    } catch (e) { note += ` · ${e.message}`; }
  }
  if (document.getElementById("f-compare").checked) {
    const cmp = await api(`/analytics/compare?${filters({ res: heat.resolution })}`);
    const changed = cmp.features.filter((f) => f.properties.change !== "no change");
    addLayer(L.geoJSON({ type: "FeatureCollection", features: changed }, {
      style: (f) => ({ color: f.properties.change === "rise" ? "#d4380d" : "#389e0d", weight: 3, dashArray: "4 3", fill: false }),
      onEachFeature: (f, l) => l.bindTooltip(textTip(`${t(`an_${f.properties.change}`)} ${f.properties.a}→${f.properties.b}`)),
    }));
    note += ` · ${t("an_rise")} ${changed.filter((f) => f.properties.change === "rise").length} · ${t("an_fall")} ${changed.filter((f) => f.properties.change === "fall").length}`;
  }
  status(note);
}
