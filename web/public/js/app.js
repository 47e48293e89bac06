// Start-up: service worker, login, the officer's data (cells, buildings, places), the map and the
// toolbar. The data requests go through the service worker, which keeps the last good copy for
// offline starts; records wait in the outbox (queue.js) until sync.js can send them.
import { api, login, token, ApiError, NetworkError, readPaths, rereadThroughWorker } from "./api.js";
import { t, applyDom, setLang, getLang, onLangChange } from "./i18n.js";
import { loadMeta, patrolKind } from "./meta.js";
import { app } from "./state.js";
import { PolygonIndex, extent } from "./geo.js";
import { GridMap } from "./map.js";
import { toast, closeSheet, sheetName, rerenderSheet } from "./ui.js";
import { openTapSheet } from "./forms.js";
import * as patrol from "./patrol.js";
import { openCases, loadCases, overdueCount } from "./cases.js";
import { openOutbox, refreshIndicator } from "./outbox.js";
import { claimUnowned, summary as outboxSummary } from "./queue.js";
import { startAutoSync } from "./sync.js";
import { openDue, loadDue, redraw as redrawDue } from "./visits.js";

const $ = (id) => document.getElementById(id);
// A handle on the running app (map, loaded data) for support staff and the browser tests.
window.wangge = app;
const DATA_CACHE = "wangge-data"; // must match sw.js
// The analytics view (/analytics.html?view=...) each role (grid/domain/caseflow.py Role) opens from the
// top bar; the analytics API limits each to its scope (officers: their own cells).
// /meta lists the roles but not their analytics view, so this map stays here.
const ANALYTICS_VIEW = { police: "police", street: "street", admin: "planner", officer: "street" };

/**
 * Register the service worker without waiting for it: the first start must not pay for its install.
 * When it takes control later (first visit only), the data read so far is read again through it,
 * so the next start works offline.
 */
function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const controlled = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((e) => console.warn("service worker:", e));
  if (!controlled) {
    navigator.serviceWorker.addEventListener("controllerchange", async () => {
      await appReady;
      if (token.get()) await rereadThroughWorker(readPaths);
      document.body.dataset.offlineReady = "true";
    }, { once: true });
  } else {
    document.body.dataset.offlineReady = "true";
  }
}

let markReady;
const appReady = new Promise((r) => { markReady = r; });

function showLogin(message = "") {
  document.body.dataset.view = "login";
  $("login-error").textContent = message;
  $("username").focus();
}

/** The features of a GeoJSON response (FeatureCollection or plain list). */
const features = (fc) => (Array.isArray(fc) ? fc : fc?.features || []);

async function loadArea(me) {
  const communities = me.communities?.length ? me.communities : [null];
  const cellLists = await Promise.all(communities.map((c) =>
    api(c ? `/cells?community=${encodeURIComponent(c)}` : "/cells")));
  const seen = new Set();
  app.cells = cellLists.flatMap(features).filter((f) => !seen.has(f.properties.code) && seen.add(f.properties.code));
  app.ownCodes = me.cells || [];
  const own = app.cells.filter((f) => app.ownCodes.includes(f.properties.code));
  app.ownIndex = new PolygonIndex(own);
  app.allIndex = new PolygonIndex(app.cells);
  const b = extent(own.length ? own : app.cells);
  const bboxQ = b ? `?bbox=${b.map((v) => v.toFixed(6)).join(",")}` : "";
  const [buildings, places] = await Promise.all([api(`/buildings${bboxQ}`), api(`/places${bboxQ}`)]);
  app.buildings = features(buildings);
  app.places = features(places);
  return own;
}

function locate({ recordHere = false, quiet = false } = {}) {
  if (!navigator.geolocation) { if (!quiet) toast(t("no_geolocation"), "error"); return; }
  navigator.geolocation.getCurrentPosition((pos) => {
    const { longitude, latitude, accuracy } = pos.coords;
    app.map.setMyPosition([longitude, latitude], accuracy);
    const inOwn = app.ownIndex.lookup(longitude, latitude);
    // A fix arriving after the officer has started using the map must not pull it away
    // from under their finger; an explicit "record here" always follows the fix.
    if (recordHere || (inOwn && !app.map.touched)) app.map.centreOn(longitude, latitude, { animate: !quiet });
    if (recordHere) openTapSheet([longitude, latitude]);
    document.body.dataset.located = "true";
  }, (err) => {
    if (!quiet) toast(t("location_failed", { msg: err.message }), "error");
    document.body.dataset.located = "failed";
  }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
}

function renderUser() {
  $("user-name").textContent = app.me.display_name || app.me.username;
  $("patrol-btn-label").textContent = patrol.active() ? t("end_patrol") : t("start_patrol");
  $("patrol-btn").setAttribute("aria-pressed", String(patrol.active()));
  $("patrol-btn").hidden = Boolean(app.meta) && !patrolKind(app.meta) && !patrol.active(); // no kind has a track
  $("lang-btn").textContent = getLang() === "zh" ? "EN" : "中文";
  const view = ANALYTICS_VIEW[app.me.role];
  $("analytics-link").hidden = !view;
  if (view) $("analytics-link").href = `/analytics.html?view=${view}`;
  const n = app.meta ? overdueCount() : 0;
  $("overdue-count").textContent = n ? String(n) : "";
  $("overdue-count").hidden = !n;
}

async function startSession() {
  document.body.dataset.view = "loading";
  let me;
  try {
    [me, app.meta] = await Promise.all([api("/me"), loadMeta()]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { token.clear(); return showLogin(t("session_expired")); }
    if (e instanceof NetworkError) return showLogin(t("offline_no_data"));
    throw e;
  }
  app.me = me;
  const own = await loadArea(me);
  document.body.dataset.view = "main";
  if (!app.map) {
    app.map = new GridMap($("map"), app.meta.tiles);
    app.map.onTap((lonlat) => openTapSheet(lonlat));
  }
  app.map.householdsUnit = t("hh_unit");
  app.map.fitFeatures(own.length ? own : app.cells);
  app.map.showCells(app.cells, app.ownCodes);
  app.map.showBuildings(app.buildings);
  app.map.showPlaces(app.places);
  document.body.dataset.ready = "true";
  performance.mark("wangge-ready");
  window.dispatchEvent(new CustomEvent("app-ready", { detail: {
    cells: app.cells.length, buildings: app.buildings.length, places: app.places.length } }));
  await claimUnowned();
  await patrol.restore();
  renderUser();
  refreshIndicator();
  locate({ quiet: true });
  startAutoSync();
  loadCases().then(renderUser).catch(() => {}).finally(markReady);
  loadDue().catch(() => {}); // the due visits: list, badge and map markers
  // Refresh the precached shell in the background so the next offline start has this version.
  if (navigator.onLine) setTimeout(() => navigator.serviceWorker?.controller?.postMessage({ type: "refresh-shell" }), 5000);
}

async function onLogin(e) {
  e.preventDefault();
  const btn = e.submitter || $("login-submit");
  btn.disabled = true;
  $("login-error").textContent = "";
  try {
    await login($("username").value.trim(), $("password").value);
    $("password").value = "";
    await startSession();
  } catch (err) {
    const msg = err instanceof NetworkError ? t("login_offline")
      : err instanceof ApiError && (err.status === 401 || err.status === 400) ? t("login_failed") : err.message;
    showLogin(msg);
  } finally {
    btn.disabled = false;
  }
}

async function logout() {
  if (patrol.active() && !confirm(t("logout_patrol_confirm"))) return;
  // The tablet is shared: unsent items stay queued for their owner (sync.js sends only the
  // signed-in user's), so logging out loses nothing, but the officer should know they wait.
  const waiting = (await outboxSummary()).total;
  if (waiting && !confirm(t("logout_outbox_confirm", { n: waiting }))) return;
  token.clear();
  if (globalThis.caches) await caches.delete(DATA_CACHE); // another officer may use this tablet
  location.reload();
}

function wire() {
  $("login-form").addEventListener("submit", onLogin);
  $("lang-btn").addEventListener("click", () => setLang(getLang() === "zh" ? "en" : "zh"));
  $("login-lang").addEventListener("click", () => setLang(getLang() === "zh" ? "en" : "zh"));
  $("logout-btn").addEventListener("click", logout);
  $("sync-btn").addEventListener("click", openOutbox);
  $("here-btn").addEventListener("click", () => locate({ recordHere: true }));
  $("cases-btn").addEventListener("click", () => openCases());
  $("due-btn").addEventListener("click", () => openDue());
  $("patrol-btn").addEventListener("click", async () => {
    if (patrol.active()) patrol.openSummary();
    else { await patrol.start(); locate({ quiet: true }); }
  });
  patrol.onChange(() => { if (app.me) renderUser(); document.body.classList.toggle("patrolling", patrol.active()); });
  window.addEventListener("cases-changed", () => app.me && renderUser());
  window.addEventListener("auth-required", () => toast(t("session_expired"), "error", 8000));
  window.addEventListener("resize", () => app.map?.invalidate());
  // The sheet grows when its content arrives (a register read after it opened): the map's box
  // shrinks without a window resize, and Leaflet must know, or taps land off their point.
  if (globalThis.ResizeObserver) new ResizeObserver(() => app.map?.invalidate()).observe($("map"));
  window.addEventListener("keydown", (e) => { if (e.key === "Escape" && sheetName()) closeSheet(); });
  onLangChange(() => {
    $("login-lang").textContent = getLang() === "zh" ? "English" : "中文";
    if (!app.me) return;
    renderUser();
    refreshIndicator();
    app.map.householdsUnit = t("hh_unit");
    app.map.showCells(app.cells, app.ownCodes);
    redrawDue(); // the due markers' labels in the new language
    // Lists are rebuilt in the new language; an open form is rebuilt keeping what was typed.
    if (sheetName() === "cases") openCases();
    else if (sheetName() === "outbox") openOutbox();
    else rerenderSheet();
  });
}

async function boot() {
  applyDom(document);
  $("login-lang").textContent = getLang() === "zh" ? "English" : "中文";
  wire();
  registerWorker();
  if (!token.get()) return showLogin();
  try {
    await startSession();
  } catch (e) {
    console.error(e);
    showLogin(e.message);
  }
}

boot();
