// The residents' report page (随手拍): no account; a category, a photo, a place (GPS or a tap),
// a description and an optional phone. The answer is a ticket to follow (ticket.js).
import { t, term, applyDom, setLang, getLang, onLangChange } from "../i18n.js";
import { h } from "../dom.js";
import { ApiError } from "../api.js";
import { wgs84ToGcj02 } from "../geo.js";
import { call, myTickets, remember } from "./net.js";
import { showTicket } from "./ticket.js";

const $ = (id) => document.getElementById(id);
const DEFAULT_VIEW = [39.117, 117.205]; // 天津市和平区, until a cell or a GPS fix says where
const state = { loc: null, marker: null, map: null, gcj: false };

function setPlace(latlng, lon, lat, crs) {
  state.loc = { lon, lat, crs };
  if (state.marker) state.marker.setLatLng(latlng);
  else state.marker = L.marker(latlng, { keyboard: false }).addTo(state.map);
  $("where").textContent = t("report_place_set");
}

async function initMap(meta, cell) {
  const map = L.map("map", { zoomControl: true }).setView(DEFAULT_VIEW, 15);
  state.map = map;
  const tiles = meta.tiles || {};
  state.gcj = tiles.crs === "gcj02";
  if (tiles.url) {
    L.tileLayer(tiles.url, { attribution: tiles.attribution || "", subdomains: tiles.subdomains || "abc",
      maxNativeZoom: tiles.max_zoom || 18, maxZoom: 20 }).addTo(map);
  }
  if (cell) {
    try {
      const c = await call(`/public/cells/${encodeURIComponent(cell)}`);
      const [x0, y0, x1, y1] = c.bbox;
      const conv = (x, y) => (state.gcj ? wgs84ToGcj02(x, y) : [x, y]);
      const sw = conv(x0, y0), ne = conv(x1, y1);
      const bounds = L.latLngBounds([sw[1], sw[0]], [ne[1], ne[0]]);
      L.rectangle(bounds, { color: "#c41d1d", weight: 2, fill: false, interactive: false }).addTo(map);
      map.fitBounds(bounds);
    } catch { /* an unknown cell: the map stays on the district */ }
  }
  // a tap is in the basemap's datum; the server converts it (crs)
  map.on("click", (e) => setPlace(e.latlng, e.latlng.lng, e.latlng.lat, state.gcj ? "gcj02" : "wgs84"));
}

function useGps() {
  if (!navigator.geolocation) { $("where").textContent = t("report_gps_failed"); return; }
  $("where").textContent = t("report_gps_wait");
  navigator.geolocation.getCurrentPosition((pos) => {
    const { longitude: lon, latitude: lat } = pos.coords;
    const [x, y] = state.gcj ? wgs84ToGcj02(lon, lat) : [lon, lat];
    setPlace(L.latLng(y, x), lon, lat, "wgs84");
    state.map.setView([y, x], 17);
  }, () => { $("where").textContent = t("report_gps_failed"); }, { enableHighAccuracy: true, timeout: 15000 });
}

function fillCategories(meta) {
  const sel = $("category");
  const chosen = sel.value;
  sel.replaceChildren(h("option", { value: "" }, t("report_choose")),
    ...meta.cases.residents.categories.map((c) => h("option", { value: c.code }, term(c))));
  sel.value = chosen;
}

function fail(msg) {
  const el = $("error");
  el.hidden = !msg;
  el.textContent = msg || "";
}

async function submit(e) {
  e.preventDefault();
  fail("");
  const category = $("category").value;
  if (!category) return fail(t("report_need_category"));
  if (!state.loc) return fail(t("report_need_place"));
  const button = $("submit");
  button.disabled = true;
  try {
    const photos = [];
    const file = $("photo").files[0];
    if (file) {
      const form = new FormData();
      form.append("file", file);
      photos.push((await call("/public/photos", { method: "POST", form })).token);
    }
    const body = { category, ...state.loc, description: $("description").value.trim(), photos };
    const phone = $("phone").value.trim();
    if (phone) body.phone = phone;
    const tk = await call("/public/reports", { method: "POST", json: body });
    remember(tk.ticket);
    location.assign(`/report.html?ticket=${encodeURIComponent(tk.ticket)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 429) fail(t("report_too_many"));
    else if (err instanceof ApiError && err.status === 413) fail(t("report_photo_too_big"));
    else if (err instanceof ApiError && err.status === 415) fail(t("report_photo_type"));
    else fail(`${t("report_failed")} ${err.message}`);
  } finally {
    button.disabled = false;
  }
}

function listMine() {
  const mine = myTickets();
  $("mine").hidden = mine.length === 0;
  $("mine-list").replaceChildren(...mine.map((tk) =>
    h("li", {}, h("a", { href: `/report.html?ticket=${encodeURIComponent(tk)}` }, tk))));
}

async function start() {
  applyDom(document);
  $("lang").addEventListener("click", () => setLang(getLang() === "zh" ? "en" : "zh"));
  const params = new URLSearchParams(location.search);
  const meta = await call("/meta");
  const ticket = params.get("ticket");
  if (ticket) return showTicket(meta, ticket);
  $("form-view").hidden = false;
  fillCategories(meta);
  onLangChange(() => fillCategories(meta));
  $("photo").addEventListener("change", () => {
    const f = $("photo").files[0];
    $("preview").hidden = !f;
    if (f) $("preview").src = URL.createObjectURL(f);
  });
  $("gps").addEventListener("click", useGps);
  $("report-form").addEventListener("submit", submit);
  listMine();
  await initMap(meta, params.get("cell"));
}

start();
