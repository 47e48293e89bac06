// A patrol: the track from watchPosition, check-ins at places and buildings, and a summary at the
// end; sent as one record of the kind whose /meta rule carries a track (meta.js patrolKind;
// CONTRACTS: track, checkins, started_at, ended_at).
// The patrol in progress is kept in IndexedDB, so a reload or a closed tab does not lose it.
import { app, cellAt } from "./state.js";
import * as db from "./db.js";
import { t, term, formatDuration, formatTime } from "./i18n.js";
import { h, openSheet, closeSheet, field, select, setError, toast } from "./ui.js";
import { trackLength, haversine } from "./geo.js";
import { uuid } from "./uuid.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";
import { patrolKind } from "./meta.js";

// Kept per user (tablets are shared): another officer signing in neither resumes nor sends it.
const LEGACY_KEY = "patrol"; // before patrols were kept per user
const key = () => `patrol:${app.me.username}`;
const MIN_STEP_M = 5;        // ignore jitter smaller than this
const MAX_ACCURACY_M = 100;  // ignore fixes worse than this (indoors, stairwells)

let current = null;  // {id, started_at, track: [[lon, lat, iso]], checkins: [...]}
let watchId = null;
const listeners = new Set();

export const active = () => Boolean(current);
export const onChange = (fn) => listeners.add(fn);
function changed() {
  app.map?.showTrack(current?.track || [], current?.checkins || []);
  listeners.forEach((fn) => fn(current));
}

const persist = () => db.put("state", current, key());

function watch() {
  if (!navigator.geolocation || watchId !== null) return;
  watchId = navigator.geolocation.watchPosition((pos) => {
    if (!current) return;
    const { longitude, latitude, accuracy } = pos.coords;
    app.map.setMyPosition([longitude, latitude], accuracy);
    if (accuracy > MAX_ACCURACY_M) return;
    const last = current.track[current.track.length - 1];
    if (last && haversine(last, [longitude, latitude]) < MIN_STEP_M) return;
    current.track.push([+longitude.toFixed(7), +latitude.toFixed(7), new Date(pos.timestamp).toISOString()]);
    persist();
    changed();
  }, () => {}, { enableHighAccuracy: true, maximumAge: 5000 });
}

/** Resume a patrol left running before a reload. */
export async function restore() {
  const legacy = await db.get("state", LEGACY_KEY);
  if (legacy && !(await db.get("state", key()))) await db.put("state", legacy, key()); // the token outlived the update
  if (legacy) await db.del("state", LEGACY_KEY);
  current = (await db.get("state", key())) || null;
  if (current) watch();
  changed();
}

export async function start() {
  current = { id: uuid(), started_at: new Date().toISOString(), track: [], checkins: [] };
  await persist();
  watch();
  changed();
  toast(t("patrol_started"), "ok");
}

export async function checkIn(feature, isPlace, lonlat) {
  if (!current) return;
  const at = new Date().toISOString();
  const c = { at, lon: +lonlat[0].toFixed(7), lat: +lonlat[1].toFixed(7), name: targetName(feature, isPlace) };
  if (isPlace) c.place_id = feature.properties.id; else c.building_id = feature.properties.id;
  current.checkins.push(c);
  await persist();
  changed();
  toast(t("checked_in", { name: c.name }), "ok");
}

/**
 * What a check-in target is called for the officer: its name, else (a building with none) its
 * households and cell, never a database id.
 */
export function targetName(feature, isPlace) {
  const p = feature.properties || {};
  if (p.name) return p.name;
  if (isPlace) return t("place");
  const cell = p.cell_code ? String(p.cell_code).slice(-3) : "";
  return p.households != null ? t("building_unnamed", { n: Math.round(p.households), cell }) : t("building");
}

/** The name shown for a kept check-in (older ones saved only ids: look the target up again). */
function checkinName(c) {
  if (c.name) return c.name;
  const place = c.place_id && app.places.find((f) => (f.properties.id ?? f.id) === c.place_id);
  const building = c.building_id != null && app.buildings.find((f) => (f.properties.id ?? f.id) === c.building_id);
  return place ? targetName(place, true) : building ? targetName(building, false) : t(c.place_id ? "place" : "building");
}

/**
 * The track as it may be sent: kept when it has the points the kind's rule asks for (/meta
 * `min_track_points`), else left out, so a patrol that barely moved is not refused by the server.
 */
export function sendableTrack(track, kind) {
  const least = kind?.min_track_points ?? 2;
  return track.length >= least ? track : null;
}

export function stats(p = current, end = Date.now()) {
  return {
    duration: end - new Date(p.started_at).getTime(),
    distance: trackLength(p.track),
    checkins: p.checkins.length,
  };
}

/** The end-of-patrol summary: duration, distance, check-ins, category and a note; then send. */
export function openSummary() {
  if (!current) return;
  const endedAt = new Date();
  const s = stats(current, endedAt.getTime());
  const kind = patrolKind(app.meta);
  const categories = app.meta.categories[kind?.code] || [];
  const category = select("category", categories, term, { value: categories[0]?.code });
  const note = h("textarea", { name: "description", rows: 2, maxlength: 2000 });
  const shortTrack = !sendableTrack(current.track, kind);
  const form = h("form", { class: "patrol-form", novalidate: true },
    h("dl", { class: "summary" },
      h("dt", {}, t("started")), h("dd", {}, formatTime(current.started_at)),
      h("dt", {}, t("duration")), h("dd", { id: "patrol-duration" }, formatDuration(s.duration)),
      h("dt", {}, t("distance")), h("dd", { id: "patrol-distance" }, t("metres_n", { n: Math.round(s.distance) })),
      h("dt", {}, t("checkins")), h("dd", { id: "patrol-checkins" }, String(s.checkins))),
    current.checkins.length ? h("ul", { class: "checkin-list" },
      current.checkins.map((c) => h("li", {}, `${formatTime(c.at)} ${checkinName(c)}`))) : null,
    shortTrack ? h("p", { class: "warn-text", id: "patrol-short", role: "status" },
      t("patrol_short_track", { n: current.track.length, min: kind?.min_track_points ?? 2 })) : null,
    field("category", category, { required: true }),
    field("description", note),
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "big secondary", onclick: closeSheet }, t("continue_patrol")),
      h("button", { type: "submit", class: "big primary" }, t(shortTrack ? "send_without_route" : "end_and_send"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setError(category, category.value ? "" : t("required"));
    if (!category.value) return category.focus();
    // The record's point is the first fix inside the officer's own cells (the server refuses others).
    const points = [...current.track, ...current.checkins].map((p) => (Array.isArray(p) ? p : [p.lon, p.lat]));
    if (!points.length) { toast(t("patrol_no_location"), "error", 6000); return; }
    const [lon, lat] = points.find((p) => cellAt(p[0], p[1]).own) || [];
    if (lon == null) { toast(t("patrol_outside_cells"), "error", 6000); return; }
    const body = {
      id: current.id, kind: kind?.code, category: category.value,
      description: note.value.trim(), occurred_at: current.started_at,
      lon, lat, photos: [],
      ...(shortTrack ? {} : { track: current.track }), started_at: current.started_at, ended_at: endedAt.toISOString(),
      checkins: current.checkins.map(({ name, ...c }) => c),
    };
    const label = `${term(kind)} · ${formatDuration(s.duration)}`;
    await queue.enqueue({ id: current.id, op: "record", body, label });
    await stop();
    closeSheet();
    toast(t("patrol_saved"), "ok");
    syncNow();
  });
  openSheet(t("patrol_summary"), form, { name: "patrol-summary", rerender: openSummary });
}

async function stop() {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  watchId = null;
  current = null;
  await db.del("state", key());
  changed();
}
