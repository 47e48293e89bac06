// The outbox: everything the officer saves goes here first (IndexedDB), and sync.js sends it.
// An item is {id, op, target, body, photos: [{key, sha256}], state, error, current, created, label,
// owner, ...}. `owner` is the username that made it: tablets are shared, so an item is only
// listed, counted and sent while its owner is signed in (another officer's token must never
// carry it).
//   op: "record" (POST /records), "place" (POST /places),
//       "transition" (POST /records/{target}/transitions), "patch" (PATCH /records/{target}),
//       "patch-place" (PATCH /places/{target}); edits also keep base/changes/attrChanges (editdiff.js);
//       "household" (POST /households), "person" (POST /persons), "patch-household"
//       (PATCH /households/{target}: a move-out) from the building register;
//       "visit" (POST /visits, visitform.js) and "need-case" (POST /visits/{target}/needs/{need}/case,
//       diary.js: a need raised on a visit made a case)
//   state: "waiting" | "conflict" (409, shown to the officer) | "rejected" (4xx, with the message)
// The last failure of an item: `attempts` (failed sends since it was queued or edited), `status`
// (HTTP status, 0 for no answer), `error` (the server's text), `detail` (its error list),
// `failedAt` and `nextAt` (ms since epoch; a waiting item is not sent again before nextAt, 0 =
// at once) and `serverDelay` (true when nextAt is the server's Retry-After). Items queued before
// these fields existed read as never tried (see normal), so no IndexedDB migration is needed.
import * as db from "./db.js";
import { uuid } from "./uuid.js";
import { app } from "./state.js";

/** The signed-in user, whose items this tab shows and sends. */
const signedIn = () => app.me?.username ?? null;
const own = (list) => list.filter((i) => i.owner === signedIn());

function changed() {
  window.dispatchEvent(new CustomEvent("queue-changed"));
}

/**
 * Put an item and its photo Blobs in the outbox in one transaction, so a record is never saved
 * without its photos. `id` defaults to a new UUID (record and place creations pass their own).
 */
export async function enqueue({ id = uuid(), op, target = null, body, photos = [], label = "", extra = {} }) {
  const owner = signedIn();
  if (!owner) throw new Error("outbox: nobody is signed in");
  const photoRefs = photos.map((blob) => ({ key: uuid(), sha256: null, type: blob.type }));
  const item = normal({
    id, op, target, body, label, photos: photoRefs.map(({ key, sha256 }) => ({ key, sha256 })),
    state: "waiting", error: null, current: null, created: new Date().toISOString(), attempts: 0,
    ...extra, owner,
  });
  await db.tx(["outbox", "photos"], "readwrite", (s) => {
    photos.forEach((blob, i) => s.photos.put({ key: photoRefs[i].key, blob }));
    s.outbox.put(item);
  });
  changed();
  return item;
}

/** After this many failed sends (5xx, no answer) an item is flagged to the officer as stuck. */
export const STUCK_AFTER = 5;

/** A waiting item that failed at least once and is tried again later (backing off). */
export const retrying = (item) => item.state === "waiting" && item.attempts > 0;

/** A waiting item that failed STUCK_AFTER times or more: shown with its message and "retry now". */
export const stuck = (item) => item.state === "waiting" && item.attempts >= STUCK_AFTER;

/** An item with the failure fields filled in (items queued by older versions lack them). */
function normal(item) {
  return { attempts: 0, status: null, detail: null, nextAt: 0, serverDelay: false, error: null, ...item };
}

/** The signed-in user's items, oldest first (the order they must be sent in). */
export async function items() {
  const list = own(await db.all("outbox")).map(normal);
  return list.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
}

/**
 * Merge `fields` into the stored item `id` in one transaction and return it, or null when it is
 * gone (sent or discarded meanwhile): a late answer must never bring back a discarded item.
 */
export async function patch(id, fields) {
  const merged = await db.tx("outbox", "readwrite", (s) => new Promise((resolve, reject) => {
    const req = s.outbox.get(id);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      if (!req.result) return resolve(null);
      const next = { ...normal(req.result), ...fields };
      s.outbox.put(next);
      resolve(next);
    };
  }));
  if (merged) changed();
  return merged;
}

/**
 * Give item `oldId` a new id with `fields` merged in (a conflicting new record kept as a new one),
 * in one transaction; the officer's later items on it (actions, edits) follow it to the new id.
 */
export async function rekey(oldId, newId, fields = {}) {
  await db.tx("outbox", "readwrite", (s) => new Promise((resolve, reject) => {
    const req = s.outbox.getAll();
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      for (const it of req.result) {
        if (it.id === oldId) {
          s.outbox.delete(oldId);
          s.outbox.put({ ...normal(it), ...fields, id: newId });
        } else if (it.target === oldId) s.outbox.put({ ...it, target: newId });
      }
      resolve();
    };
  }));
  changed();
}

export async function update(item) {
  await db.put("outbox", item);
  changed();
}

/** Drop an item and its photos (after it was stored, or when the officer discards it). */
export async function remove(item) {
  await db.tx(["outbox", "photos"], "readwrite", (s) => {
    item.photos.forEach((p) => s.photos.delete(p.key));
    s.outbox.delete(item.id);
  });
  changed();
}

export async function photoBlob(key) {
  return (await db.get("photos", key))?.blob;
}

/**
 * Items saved before items carried an owner were made by whoever was signed in then, and the
 * token survives the update: they become the signed-in user's at the first start after it.
 */
export async function claimUnowned() {
  const owner = signedIn();
  if (!owner) return;
  const orphans = (await db.all("outbox")).filter((i) => !i.owner);
  for (const item of orphans) await db.put("outbox", { ...item, owner });
  if (orphans.length) changed();
}

/**
 * The signed-in user's counts: by state {waiting, conflict, rejected}, and among the waiting ones
 * those backing off after a failure (`retrying`) and those flagged as stuck; `total` is all.
 */
export async function summary() {
  const list = own(await db.all("outbox")).map(normal);
  const s = { waiting: 0, conflict: 0, rejected: 0, retrying: 0, stuck: 0, total: list.length };
  list.forEach((i) => {
    s[i.state] = (s[i.state] || 0) + 1;
    if (retrying(i)) s.retrying += 1;
    if (stuck(i)) s.stuck += 1;
  });
  return s;
}
