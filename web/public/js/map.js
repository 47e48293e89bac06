// The Leaflet map: cells, buildings and places as vectors (usable with no tiles at all), an
// optional basemap from /meta `tiles`, and the officer's position and patrol track.
// Data is WGS84. When the basemap is GCJ-02 (Amap, Tencent), every overlay coordinate is shifted
// into GCJ-02 for display and taps are shifted back, so records are always stored in WGS84.
/* global L */
import { wgs84ToGcj02, gcj02ToWgs84, labelPoint, PolygonIndex, extent } from "./geo.js";
import { t } from "./i18n.js";
import { h } from "./dom.js";

const RISK_COLOURS = { strict: "#c00000", watch: "#b35c00" };
const DEFAULT_PLACE = "#0047ab";
const LABEL_ZOOM = 15;      // cell labels from this zoom on
const FULL_CODE_ZOOM = 18;  // the full 15-digit code from this zoom on (short code below)
const URGENCY_COLOURS = { overdue: "#c00000", soon: "#ffbf00", ok: "#00a040", none: "#ffffff" };
// Records not (yet) stored: queued in the outbox, or refused by the server.
const RECORD_STYLES = {
  queued: { color: "#7a00cc", weight: 3, dashArray: "4 3", fillColor: "#ffffff" },
  refused: { color: "#c00000", weight: 5, fillColor: "#ffd9d9" },
};
// Due visits (visits.js): diamonds, red when overdue, amber when due this week, grey when upcoming.
const DUE_COLOURS = { overdue: "#c00000", due: "#ffbf00", upcoming: "#8c8c8c" };
// The legend rows: [UI string key, {color (ring), fill, dash, shape}].
const LEGEND = [
  ["legend_overdue", { color: "#111", fill: URGENCY_COLOURS.overdue }],
  ["legend_soon", { color: "#111", fill: URGENCY_COLOURS.soon }],
  ["legend_ok", { color: "#111", fill: URGENCY_COLOURS.ok }],
  ["legend_none", { color: "#111", fill: URGENCY_COLOURS.none }],
  ["legend_queued", { color: RECORD_STYLES.queued.color, fill: "#fff", dash: true }],
  ["legend_refused", { color: RECORD_STYLES.refused.color, fill: RECORD_STYLES.refused.fillColor }],
  ["legend_place_strict", { color: "#fff", fill: RISK_COLOURS.strict, shape: "small" }],
  ["legend_place_watch", { color: "#fff", fill: RISK_COLOURS.watch, shape: "small" }],
  ["legend_place", { color: "#fff", fill: DEFAULT_PLACE, shape: "small" }],
  ["legend_due_overdue", { color: "#111", fill: DUE_COLOURS.overdue, shape: "diamond" }],
  ["legend_due", { color: "#111", fill: DUE_COLOURS.due, shape: "diamond" }],
  ["legend_own_cell", { color: "#003a8c", fill: "rgba(29,99,216,.06)", shape: "area" }],
];

export class GridMap {
  constructor(el, tiles) {
    this.gcj = tiles?.crs === "gcj02";
    this.map = L.map(el, {
      preferCanvas: true,
      zoomControl: true,
      tap: true,
      zoomSnap: 0.5,
      maxZoom: 20,
      attributionControl: Boolean(tiles?.url),
    });
    this.canvas = L.canvas({ padding: 0.3, tolerance: 6 });
    const el0 = this.map.getContainer();
    // Set once the officer touches the map, so a late position fix does not move it (app.js locate).
    this.touched = false;
    el0.addEventListener("pointerdown", () => { this.touched = true; }, { passive: true });
    el0.dataset.basemap = tiles?.url ? "loading" : "none";
    if (tiles?.url) {
      // Tiles come from a server outside our control: when none load (offline, blocked, down),
      // the vectors carry on alone and a note says so; the first tile that loads clears it.
      this.tiles = L.tileLayer(tiles.url, {
        attribution: tiles.attribution || "",
        subdomains: tiles.subdomains || "abc",
        maxZoom: 20,
        maxNativeZoom: tiles.max_zoom || 18,
        crossOrigin: true,
      }).addTo(this.map);
      this.tileNote = L.DomUtil.create("div", "basemap-note", el0);
      this.tileNote.setAttribute("role", "status");
      this.tileNote.hidden = true;
      let loaded = 0;
      this.tiles.on("tileload", () => { loaded += 1; this.setBasemap("ok"); });
      this.tiles.on("tileerror", () => { if (!loaded) this.setBasemap("failed"); });
    }
    this.cellLayer = L.layerGroup().addTo(this.map);
    this.buildingLayer = L.layerGroup().addTo(this.map);
    this.placeLayer = L.layerGroup().addTo(this.map);
    this.labelLayer = L.layerGroup().addTo(this.map);
    this.trackLayer = L.layerGroup().addTo(this.map);
    // The point being recorded and the officer's position sit above labels and vectors.
    this.map.createPane("top").style.zIndex = 650;
    this.topRenderer = L.svg({ pane: "top" });
    this.places = [];
    this.buildingIndex = new PolygonIndex([]);
    this.map.on("zoomend", () => this.updateLabels());
  }

  setBasemap(state) {
    this.map.getContainer().dataset.basemap = state;
    if (!this.tileNote) return;
    this.tileNote.textContent = t("basemap_failed");
    this.tileNote.hidden = state !== "failed";
  }

  /** WGS84 [lon, lat] -> Leaflet LatLng in the basemap's datum. */
  toMap(lon, lat) {
    const [x, y] = this.gcj ? wgs84ToGcj02(lon, lat) : [lon, lat];
    return L.latLng(y, x);
  }

  /** Leaflet LatLng -> WGS84 [lon, lat]. */
  fromMap(ll) {
    return this.gcj ? gcj02ToWgs84(ll.lng, ll.lat) : [ll.lng, ll.lat];
  }

  geojson(data, options) {
    return L.geoJSON(data, { ...options, coordsToLatLng: (c) => this.toMap(c[0], c[1]) });
  }

  /** Cells outlined and labelled with their code and households; own cells emphasised. */
  showCells(cells, ownCodes) {
    const own = new Set(ownCodes);
    this.cellLayer.clearLayers();
    this.labelLayer.clearLayers();
    this.geojson({ type: "FeatureCollection", features: cells }, {
      renderer: this.canvas,
      interactive: false,
      style: (f) => own.has(f.properties.code)
        ? { color: "#003a8c", weight: 3, fillColor: "#1d63d8", fillOpacity: 0.06 }
        : { color: "#5a5a5a", weight: 1.5, dashArray: "6 4", fillOpacity: 0 },
    }).addTo(this.cellLayer);
    this.labels = cells.map((f) => {
      const [x, y] = labelPoint(f.geometry);
      const p = f.properties;
      const seq = String(p.code).slice(-3);
      const hh = p.households != null ? `${p.households}${this.householdsUnit || ""}` : "";
      // An element, not an HTML string: codes come from imported files (dom.js).
      const html = h("div", { class: "cell-label-box" }, h("b", {}, seq), h("small", { class: "full-code" }, p.code), h("small", {}, hh));
      const marker = L.marker(this.toMap(x, y), {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: `cell-label${own.has(p.code) ? " own" : ""}`, html, iconSize: null }),
      });
      return { marker, own: own.has(p.code) };
    }).sort((a, b) => Number(b.own) - Number(a.own)); // the officer's own cells are labelled first
    this.updateLabels();
    this.showLegend();
  }

  /**
   * Label the cells at this zoom without overlap: below LABEL_ZOOM none; then each label (the
   * last three digits of the code and the households; the full code from FULL_CODE_ZOOM) is
   * placed only where it does not cover one placed before it, own cells first.
   */
  updateLabels() {
    if (!this.labels) return;
    const zoom = this.map.getZoom();
    const el = this.map.getContainer();
    el.classList.toggle("show-full-codes", zoom >= FULL_CODE_ZOOM);
    this.labelLayer.clearLayers();
    const placed = [];
    if (zoom >= LABEL_ZOOM) {
      // Add all, measure all in one layout, then take back those that would cover another.
      this.labels.forEach(({ marker }) => marker.addTo(this.labelLayer));
      const boxes = this.labels.map(({ marker }) => marker.getElement()?.firstElementChild?.getBoundingClientRect());
      this.labels.forEach(({ marker }, i) => {
        const r = boxes[i];
        if (r && placed.some((p) => r.left < p.right + 2 && p.left < r.right + 2 && r.top < p.bottom + 2 && p.top < r.bottom + 2)) {
          this.labelLayer.removeLayer(marker);
        } else if (r) placed.push(r);
      });
    }
    el.dataset.labels = String(placed.length);
  }

  /** Buildings on the canvas renderer (thousands of polygons stay fast). */
  showBuildings(buildings) {
    this.buildingLayer.clearLayers();
    this.buildingIndex = new PolygonIndex(buildings);
    this.geojson({ type: "FeatureCollection", features: buildings }, {
      renderer: this.canvas,
      interactive: false,
      style: { color: "#333", weight: 1, fillColor: "#8c8c8c", fillOpacity: 0.35 },
    }).addTo(this.buildingLayer);
  }

  /** Places as circle markers coloured by risk level. */
  showPlaces(places) {
    this.placeLayer.clearLayers();
    this.places = places;
    for (const f of places) {
      const [x, y] = f.geometry.coordinates;
      const colour = RISK_COLOURS[f.properties.risk_level] || DEFAULT_PLACE;
      L.circleMarker(this.toMap(x, y), {
        renderer: this.canvas, interactive: false,
        radius: 7, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1,
      }).addTo(this.placeLayer);
    }
  }

  /**
   * The officer's records as markers: stored cases ringed in black and filled by deadline urgency
   * (`urgencyOf(record)`); records still in the outbox (`syncOf(record)` "queued") ringed with a
   * dashed purple line, refused ones with a thick red ring. The legend explains them.
   */
  showRecords(records, urgencyOf, syncOf = () => "") {
    if (!this.recordLayer) this.recordLayer = L.layerGroup().addTo(this.map);
    this.recordLayer.clearLayers();
    const drawn = records.filter((r) => Number.isFinite(r.lon) && Number.isFinite(r.lat));
    this.records = drawn.filter((r) => !r._sync); // only stored records can be edited from the map
    for (const r of drawn) {
      L.circleMarker(this.toMap(r.lon, r.lat), {
        renderer: this.canvas, interactive: false, radius: 9, fillOpacity: 1,
        ...(RECORD_STYLES[syncOf(r)] || { color: "#111", weight: 3, fillColor: URGENCY_COLOURS[urgencyOf(r)] || "#fff" }),
      }).addTo(this.recordLayer);
    }
    this.map.getContainer().dataset.records = String(drawn.length);
    this.map.getContainer().dataset.queued = String(drawn.filter((r) => syncOf(r) === "queued").length);
    this.showLegend();
  }

  /**
   * The due visits as diamonds (one per household, coloured by its worst state) above the other
   * markers; each is a 44 px button: a tap or Enter calls `onPick(group)`. `labelOf(group)` names
   * it for screen readers (never a person: names stay in the list, masked by the server).
   */
  showDue(groups, onPick, labelOf) {
    if (!this.dueLayer) this.dueLayer = L.layerGroup().addTo(this.map);
    this.dueLayer.clearLayers();
    for (const g of groups) {
      const label = labelOf(g);
      const html = h("span", { class: `due-pin ${g.state}`, style: `background:${DUE_COLOURS[g.state] || DUE_COLOURS.due}` },
        g.items.length > 1 ? h("b", {}, String(g.items.length)) : null);
      const marker = L.marker(this.toMap(g.lon, g.lat), {
        icon: L.divIcon({ className: "due-marker", html, iconSize: [44, 44], iconAnchor: [22, 22] }),
        title: label, keyboard: true, riseOnHover: true,
      }).addTo(this.dueLayer);
      marker.on("click", () => onPick(g));
      const el = marker.getElement();
      if (el) {
        el.setAttribute("aria-label", label);
        el.dataset.due = g.items[0].household_id || g.items[0].person_id;
        el.dataset.state = g.state;
      }
    }
    this.map.getContainer().dataset.due = String(groups.length);
    this.showLegend();
  }

  /** The legend of the markers (bottom left, folded on a small screen), built once per language. */
  showLegend() {
    const key = t("legend");
    if (this.legend?.lang === key) return;
    this.legend?.remove();
    const swatch = (style) => h("span", { class: `swatch ${style.shape || "dot"}`, style: `border-color:${style.color};background:${style.fill}${style.dash ? ";border-style:dashed" : ""}` });
    const rows = LEGEND.map(([labelKey, style]) => h("li", {}, swatch(style), t(labelKey)));
    const box = h("details", { class: "map-legend", open: this.map.getSize().x >= 1000 && this.map.getSize().y >= 800 },
      h("summary", {}, key), h("ul", {}, rows));
    const control = L.control({ position: "bottomleft" });
    control.onAdd = () => { L.DomEvent.disableClickPropagation(box); return box; };
    control.addTo(this.map);
    this.legend = { lang: key, remove: () => control.remove() };
  }

  /** The record drawn within `px` pixels of a WGS84 point, nearest first, or null. */
  /** Up to `n` records drawn within `px` pixels of a WGS84 point, nearest first (records made at
   * one spot stack on the map, and each must stay reachable). */
  recordsNear(lon, lat, n = 3, px = 28) {
    const p = this.map.latLngToContainerPoint(this.toMap(lon, lat));
    return (this.records || [])
      .map((r) => [p.distanceTo(this.map.latLngToContainerPoint(this.toMap(r.lon, r.lat))), r])
      .filter(([d]) => d <= px)
      .sort((a, b) => a[0] - b[0])
      .slice(0, n)
      .map(([, r]) => r);
  }

  nearest(items, lonlatOf, lon, lat, px) {
    const p = this.map.latLngToContainerPoint(this.toMap(lon, lat));
    let best = null;
    let bestD = px;
    for (const it of items) {
      const d = p.distanceTo(this.map.latLngToContainerPoint(this.toMap(...lonlatOf(it))));
      if (d <= bestD) { best = it; bestD = d; }
    }
    return best;
  }

  /** Fit the view to features (the officer's cells) when no position is known. */
  fitFeatures(features) {
    const b = extent(features);
    if (!b) return;
    this.map.fitBounds(L.latLngBounds(this.toMap(b[0], b[1]), this.toMap(b[2], b[3])), { padding: [24, 24] });
  }

  centreOn(lon, lat, { zoom = 17, animate = true } = {}) {
    this.map.setView(this.toMap(lon, lat), Math.max(zoom, this.map.getZoom() || 0), { animate });
  }

  /** The place drawn within `px` pixels of a WGS84 point, nearest first, or null. */
  placeNear(lon, lat, px = 28) {
    return this.nearest(this.places, (f) => f.geometry.coordinates, lon, lat, px);
  }

  buildingAt(lon, lat) {
    return this.buildingIndex.lookup(lon, lat);
  }

  /** Call `fn([lon, lat])` when the map is tapped (not dragged). */
  onTap(fn) {
    this.map.on("click", (e) => fn(this.fromMap(e.latlng)));
  }

  /** The point being recorded, as a marker the officer can see before saving. */
  setPending(lonlat, ok) {
    if (this.pending) this.pending.remove();
    this.pending = null;
    if (!lonlat) return;
    this.pending = L.circleMarker(this.toMap(...lonlat), {
      radius: 14, weight: 5, color: ok ? "#006b2d" : "#c00000", fillColor: "#fff", fillOpacity: 0.6,
      interactive: false, pane: "top", renderer: this.topRenderer,
    }).addTo(this.map);
  }

  setMyPosition(lonlat, accuracy) {
    const ll = this.toMap(...lonlat);
    if (!this.me) {
      this.meAccuracy = L.circle(ll, { radius: accuracy || 10, weight: 1, color: "#1d63d8", fillOpacity: 0.1, interactive: false }).addTo(this.map);
      this.me = L.circleMarker(ll, { radius: 9, weight: 3, color: "#fff", fillColor: "#1d63d8", fillOpacity: 1, interactive: false, pane: "top", renderer: this.topRenderer }).addTo(this.map);
    } else {
      this.me.setLatLng(ll);
      this.meAccuracy.setLatLng(ll).setRadius(accuracy || 10);
    }
  }

  /** Draw the patrol track ([[lon, lat, t], ...]) and check-ins ([{lon, lat}]). */
  showTrack(track, checkins = []) {
    this.trackLayer.clearLayers();
    if (track.length > 1) {
      L.polyline(track.map((p) => this.toMap(p[0], p[1])), {
        color: "#7a00cc", weight: 6, interactive: false, pane: "top", renderer: this.topRenderer,
      }).addTo(this.trackLayer);
    }
    for (const c of checkins) {
      L.circleMarker(this.toMap(c.lon, c.lat), {
        radius: 10, color: "#7a00cc", weight: 4, fillColor: "#fff", fillOpacity: 1, interactive: false,
        pane: "top", renderer: this.topRenderer })
        .addTo(this.trackLayer);
    }
  }

  invalidate() {
    this.map.invalidateSize();
  }
}
