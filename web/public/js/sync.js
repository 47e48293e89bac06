// Sends the outbox once each, in order: photos first (POST /photos, idempotent by hash), then the
// record that references their sha256. Records carry client UUIDs, so a resend after a lost
// answer is stored once by the server. A 409 becomes a visible conflict, never an overwrite.
// Only the signed-in user's items are sent (queue.items), with their own token.
import { api, ApiError, NetworkError } from "./api.js";
import * as queue from "./queue.js";
import { alreadyApplied, versionOf } from "./editdiff.js";

let running = null;

function emit(name, detail) {
  window.dispatchEvent(new CustomEvent(name, { detail }));
}

async function uploadPhotos(item) {
  for (const p of item.photos) {
    if (p.sha256) continue;
    const blob = await queue.photoBlob(p.key);
    if (!blob) throw new ApiError(0, { detail: "photo missing from local storage" });
    const form = new FormData();
    form.append("file", blob, `${p.key}.${(blob.type.split("/")[1] || "jpg").replace("jpeg", "jpg")}`);
    const res = await api("/photos", { method: "POST", form, timeout: 60000 });
    p.sha256 = res.sha256;
    await queue.update(item); // remember the hash so a retry does not upload again
  }
}

/** The request body with photo hashes filled in (records: `photos`; places: `attrs.photos`). */
function bodyOf(item) {
  const shas = item.photos.map((p) => p.sha256);
  if (item.op === "record") return { ...item.body, photos: shas };
  if (item.op === "place") {
    return shas.length ? { ...item.body, attrs: { ...item.body.attrs, photos: shas } } : item.body;
  }
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
    default: throw new Error(`unknown outbox op ${item.op}`);
  }
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
    await queue.update(later);
  }
}

async function drain() {
  let sent = 0;
  const list = await queue.items();
  for (const item of list) {
    if (item.state !== "waiting") continue;
    try {
      await uploadPhotos(item);
      const stored = await send(item);
      await queue.remove(item);
      await chainVersions(list, item, stored);
      sent += 1;
      emit("item-sent", { item, stored });
    } catch (e) {
      // An edit whose answer was lost comes back as a 409 showing our own change: it is stored.
      if (e instanceof ApiError && e.status === 409 && item.changes && alreadyApplied(item, e.body?.current)) {
        await queue.remove(item);
        await chainVersions(list, item, e.body.current);
        sent += 1;
        emit("item-sent", { item, stored: e.body.current });
        continue;
      }
      if (e instanceof NetworkError) break; // still offline: keep everything, try again later
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 401) { emit("auth-required"); break; }
      if (e.status >= 500 || e.status === 408 || e.status === 429) {
        item.attempts += 1;
        await queue.update(item);
        break; // the server is struggling; keep order and retry later
      }
      item.state = e.status === 409 ? "conflict" : "rejected";
      item.error = e.message;
      item.current = e.body?.current ?? null;
      await queue.update(item);
      emit("item-failed", { item });
    }
  }
  return sent;
}

/**
 * Send what is waiting. Only one sync runs at a time in this tab, and across tabs when the
 * Web Locks API is available (the server's idempotency covers the rest).
 */
export function syncNow() {
  if (running) return running;
  const work = navigator.locks
    ? navigator.locks.request("wangge-sync", drain)
    : drain();
  running = work.finally(() => {
    running = null;
    emit("sync-done");
  });
  return running;
}

/** Sync at start, whenever the browser says it is online again, and every `everyMs`. */
export function startAutoSync(everyMs = 30000) {
  window.addEventListener("online", () => syncNow());
  setInterval(() => { if (navigator.onLine) syncNow(); }, everyMs);
  syncNow();
}
