// Sends the outbox, in order: photos first (POST /photos, idempotent by hash), then the
// record that references their sha256. Records carry client UUIDs, so a resend after a lost
// answer is stored once by the server. A 409 becomes a visible conflict, never an overwrite.
// Only the signed-in user's items are sent (queue.items), with their own token.
// One failing item never holds up the others: a 5xx, a 408/429 or no answer backs that item off
// (exponentially, with jitter, honouring Retry-After) and the round goes on; a refusal (other 4xx)
// is kept for the officer with the server's message. Only an item's own predecessors hold it back:
// an edit or transition of a record waits behind that record's creation and earlier edits.
import { api, ApiError, NetworkError } from "./api.js";
import * as queue from "./queue.js";
import { alreadyApplied, versionOf } from "./editdiff.js";

const BACKOFF_FIRST_MS = 5000;
const BACKOFF_CAP_MS = 5 * 60000;
const RETRY_AFTER_CAP_MS = 60 * 60000;
// Two items in a row without an answer while the browser says it is online: the connection (not
// one request) is down, so the round stops instead of marking every item as failed.
const NETWORK_FAILURES_TO_STOP = 2;

let running = null;
let wakeTimer = null;
let halted = null; // why the last round stopped for every item: "offline", "auth" or null
// Items the officer asked to retry now: sent in the next round whatever their backoff, even when
// the request came while a round was already trying (and failing) them.
const wanted = new Set();
// When the browser last came online (or this page started): an item that got no answer before
// then is sent again at once rather than when its backoff ends.
let onlineSince = Date.now();

function emit(name, detail) {
  window.dispatchEvent(new CustomEvent(name, { detail }));
}

async function uploadPhotos(item) {
  for (const p of item.photos) {
    if (p.sha256) continue;
    const blob = await queue.photoBlob(p.key);
    if (!blob) {
      const detail = [{ loc: ["body", "photos"], msg: "photo missing from local storage", type: "photo_missing" }];
      throw new ApiError(0, { detail });
    }
    const form = new FormData();
    form.append("file", blob, `${p.key}.${(blob.type.split("/")[1] || "jpg").replace("jpeg", "jpg")}`);
    const res = await api("/photos", { method: "POST", form, timeout: 60000 });
    p.sha256 = res.sha256;
    await queue.patch(item.id, { photos: item.photos }); // a retry does not upload it again
  }
}

/** The request body with photo hashes filled in (records: `photos`; places: `attrs.photos`). */
function bodyOf(item) {
  const shas = item.photos.map((p) => p.sha256);
  if (item.op === "record" || item.op === "visit") return { ...item.body, photos: shas };
  if (item.op === "place") {
    return shas.length ? { ...item.body, attrs: { ...item.body.attrs, photos: shas } } : item.body;
  }
  if (item.op === "rect-step" && shas.length) return { ...item.body, photos: shas };
  return item.body;
}

function send(item) {
  const body = bodyOf(item);
  const id = encodeURIComponent(item.target || "");
  switch (item.op) {
    case "record": return api("/records", { method: "POST", json: body });
    case "place": return api("/places", { method: "POST", json: body });
    case "transition": return api(`/records/${id}/transitions`, { method: "POST", json: body });
    case "patch": return api(`/records/${id}`, { method: "PATCH", json: body });
    case "patch-place": return api(`/places/${id}`, { method: "PATCH", json: body });
    case "household": return api("/households", { method: "POST", json: body });
    case "person": return api("/persons", { method: "POST", json: body });
    case "patch-household": return api(`/households/${id}`, { method: "PATCH", json: body });
    case "rect-open": return api(`/places/${id}/rectifications`, { method: "POST", json: body });
    case "rect-step": return api(`/rectifications/${id}/steps`, { method: "POST", json: body });
    case "mediation": return api(`/records/${id}/mediation`, { method: "PUT", json: body });
    case "med-session": return api(`/records/${id}/mediation/sessions`, { method: "POST", json: body });
    case "patch-person": return api(`/persons/${id}`, { method: "PATCH", json: body });
    case "visit": return api("/visits", { method: "POST", json: body });
    case "need-case": return api(`/visits/${id}/needs/${Number(item.need)}/case`, { method: "POST", json: body });
    default: throw new Error(`unknown outbox op ${item.op}`);
  }
}

/**
 * The ids an item needs stored before it can be sent: the record or place it changes, and the
 * places a patrol checks in at (a place created offline is queued before the patrol).
 */
export function needs(item) {
  const ids = item.target ? [item.target] : [];
  for (const c of item.body?.checkins || []) if (c.place_id) ids.push(c.place_id);
  if (item.body?.household_id) ids.push(item.body.household_id); // a resident of a new household
  return ids;
}

/** The earlier item still queued that `item` waits behind, or null (see needs). */
export function heldBehind(item, list) {
  const ids = new Set(needs(item));
  if (!ids.size) return null;
  for (const before of list) {
    if (before === item || before.id === item.id) return null;
    if (ids.has(before.id) || (before.target && ids.has(before.target))) return before;
  }
  return null;
}

/**
 * After `done` changed its target, later items on the same target that were made at the same
 * version (the officer's own next steps, queued offline) move to the version the server gave.
 */
async function chainVersions(list, done, stored) {
  const seen = done.body?.version;
  const next = versionOf(stored);
  if (!done.target || seen == null || next == null) return;
  for (const later of list) {
    if (later === done || later.state !== "waiting" || later.target !== done.target) continue;
    if (later.body?.version !== seen) continue;
    later.body = { ...later.body, version: next };
    if (later.base) later.base = { ...later.base, version: next };
    await queue.patch(later.id, later.base ? { body: later.body, base: later.base } : { body: later.body });
  }
}

/** Milliseconds until the retry after `attempts` failures: 5 s doubling to 5 min, ±25 % jitter. */
export function backoffMs(attempts, random = Math.random) {
  const plain = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempts - 1));
  return Math.min(BACKOFF_CAP_MS, Math.round(plain * (0.75 + 0.5 * random())));
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds from now, or null. */
export function retryAfterMs(value, now = Date.now()) {
  if (value == null || value === "") return null;
  const ms = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(RETRY_AFTER_CAP_MS, Math.max(0, ms)) : null;
}

/** Count a failed send of `item` (no answer, 5xx, 408, 429) and set when it is tried again. */
async function backOff(item, { status, error, detail = null, retryAfter = null }) {
  const attempts = (item.attempts || 0) + 1;
  const serverDelay = retryAfterMs(retryAfter);
  const updated = await queue.patch(item.id, {
    attempts, status, error, detail, serverDelay: serverDelay != null, failedAt: Date.now(),
    nextAt: Date.now() + (serverDelay ?? backoffMs(attempts)),
  });
  if (updated && attempts === queue.STUCK_AFTER) emit("item-stuck", { item: updated });
}

/** Keep a refusal (409 conflict, other 4xx) for the officer: not sent again until they act. */
async function refuse(item, e) {
  const updated = await queue.patch(item.id, {
    state: e.status === 409 ? "conflict" : "rejected", status: e.status, error: e.message,
    detail: e.body?.detail ?? null, current: e.body?.current ?? null, nextAt: 0, serverDelay: false,
  });
  if (updated) emit("item-failed", { item: updated });
}

/** Stored: drop it from the outbox and move its successors to the new version. */
async function stored(list, item, answer) {
  await queue.remove(item);
  await chainVersions(list, item, answer);
  emit("item-sent", { item, stored: answer });
}

/**
 * Whether a 409 to a rectification step shows that step already taken from the version the
 * item saw (its answer was lost): then it is stored, not a conflict.
 */
function stepTaken(item, current) {
  if (item.op !== "rect-step" || !current) return false;
  const last = (current.steps || []).at(-1);
  return current.version === item.body.version + 1 && last?.action === item.body.action;
}

/** Send one item; "sent", "failed" (kept, backed off or refused), "offline" or "auth". */
async function attempt(list, item) {
  try {
    await uploadPhotos(item);
    await stored(list, item, await send(item));
    return "sent";
  } catch (e) {
    // An edit whose answer was lost comes back as a 409 showing our own change: it is stored.
    if (e instanceof ApiError && e.status === 409 && stepTaken(item, e.body?.current)) {
      await stored(list, item, e.body.current);
      return "sent";
    }
    if (e instanceof ApiError && e.status === 409 && item.changes && alreadyApplied(item, e.body?.current)) {
      await stored(list, item, e.body.current);
      return "sent";
    }
    if (e instanceof NetworkError) {
      if (!navigator.onLine) return "offline"; // nothing can go: keep everything as it is
      await backOff(item, { status: 0, error: e.message });
      return "no-answer";
    }
    if (!(e instanceof ApiError)) {
      console.error("outbox:", item.op, item.id, e); // a fault here must not stop the outbox
      await backOff(item, { status: -1, error: String(e?.message || e) });
      return "failed";
    }
    if (e.status === 401) { emit("auth-required"); return "auth"; }
    if (e.status >= 500 || e.status === 408 || e.status === 429) {
      await backOff(item, { status: e.status, error: e.message, detail: e.body?.detail ?? null, retryAfter: e.retryAfter });
      return "failed";
    }
    await refuse(item, e);
    return "failed";
  }
}

/**
 * Whether `item` is to be sent in this round: waiting, not held behind an earlier item, and due
 * (`force`: the officer asked to send now, except where the server set a Retry-After; an item
 * that got no answer before the network came back goes at once).
 */
function due(item, list, now, force) {
  if (item.state !== "waiting" || heldBehind(item, list)) return false;
  if (item.nextAt <= now || wanted.has(item.id)) return true;
  return (force && !item.serverDelay) || (item.status === 0 && item.failedAt < onlineSince);
}

/**
 * One round over the outbox; returns how many items were stored. Sets `halted` when it stopped
 * for the whole outbox (offline, signed out) rather than for one item.
 */
async function drain(force) {
  let sent = 0;
  let noAnswer = 0;
  halted = null;
  const list = await queue.items();
  const now = Date.now();
  for (const item of [...list]) {
    if (!due(item, list, now, force)) continue;
    wanted.delete(item.id);
    const outcome = await attempt(list, item);
    if (outcome === "sent") {
      sent += 1;
      list.splice(list.indexOf(item), 1); // what waited behind it may go in this same round
    }
    if (outcome === "offline" || outcome === "auth") { halted = outcome; break; }
    noAnswer = outcome === "no-answer" ? noAnswer + 1 : 0;
    if (noAnswer >= NETWORK_FAILURES_TO_STOP) break;
  }
  return sent;
}

/**
 * Wake up when the next waiting item is due: a backed-off one when its time comes, one the round
 * did not reach at once. Not while offline or signed out (the online event and the next login
 * start a round); the 30 s interval is only a fallback.
 */
async function scheduleWake() {
  clearTimeout(wakeTimer);
  if (halted || !navigator.onLine) return;
  const list = await queue.items();
  const next = list.filter((i) => i.state === "waiting" && !heldBehind(i, list))
    .reduce((m, i) => Math.min(m, i.nextAt), Infinity);
  if (Number.isFinite(next)) wakeTimer = setTimeout(() => syncNow(), Math.max(1000, next - Date.now()));
}

/**
 * Send what is waiting. Only one sync runs at a time in this tab, and across tabs when the
 * Web Locks API is available (the server's idempotency covers the rest). `force` also sends the
 * items that are backing off (the officer pressed "send now"); `force` and `again` run another
 * round after one already running instead of joining it.
 */
export function syncNow({ force = false, again = false } = {}) {
  if (running) return force || again ? running.catch(() => {}).then(() => syncNow({ force })) : running;
  const work = navigator.locks
    ? navigator.locks.request("wangge-sync", () => drain(force))
    : drain(force);
  running = work.finally(async () => {
    running = null;
    await scheduleWake().catch(() => {});
    emit("sync-done");
  });
  return running;
}

/** Send this one item now, backing off or not (the officer pressed "retry now" on it). */
export function retryNow(item) {
  wanted.add(item.id);
  return syncNow({ again: true });
}

/** Sync at start, whenever the browser says it is online again, and every `everyMs`. */
export function startAutoSync(everyMs = 30000) {
  window.addEventListener("online", () => {
    onlineSince = Date.now();
    syncNow({ again: true });
  });
  setInterval(() => { if (navigator.onLine) syncNow(); }, everyMs);
  syncNow();
}
