// What the analytics views share: the page state (map, drawn layers, /meta), the filters as query
// parameters, drawing on the map and the status line. main.js and the views import this module;
// it imports neither, so imports flow one way: main.js → views → shared.js.
export const state = { view: "police", meta: null, map: null, layers: [] };
window.wanggeAnalytics = state;

export const $ = (id) => document.getElementById(id);

/** The current filters as query parameters, plus `extra` where set. */
export function filters(extra = {}) {
  const p = new URLSearchParams();
  if ($("f-from").value) p.set("from", $("f-from").value);
  if ($("f-to").value) p.set("to", $("f-to").value);
  for (const [k, id] of [["hours", "f-hours"], ["weekdays", "f-weekdays"], ["kind", "f-kind"], ["category", "f-category"]]) {
    if ($(id).value) p.set(k, $(id).value);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) p.set(k, v);
  return p;
}

/** Remove the previous view's layers from the map. */
export function clearLayers() {
  state.layers.forEach((l) => state.map.removeLayer(l));
  state.layers = [];
}

/** Draw `layer` on the map as part of the current view (cleared when the view redraws). */
export function addLayer(layer) { layer.addTo(state.map); state.layers.push(layer); return layer; }

/** Show `text` in the status line. */
export function status(text) { $("status").textContent = text; }
