// The outbox: everything the officer saves goes here first (IndexedDB), and sync.js sends it.
// An item is {id, op, target, body, photos: [{key, sha256}], state, error, current, created, label}.
//   op: "record" (POST /records), "place" (POST /places),
//       "transition" (POST /records/{target}/transitions), "patch" (PATCH /records/{target}),
//       "patch-place" (PATCH /places/{target}); edits also keep base/changes/attrChanges (editdiff.js)
//   state: "waiting" | "conflict" (409, shown to the officer) | "rejected" (4xx, with the message)
import * as db from "./db.js";
import { uuid } from "./uuid.js";

function changed() {
  window.dispatchEvent(new CustomEvent("queue-changed"));
}

/**
 * Put an item and its photo Blobs in the outbox in one transaction, so a record is never saved
 * without its photos. `id` defaults to a new UUID (record and place creations pass their own).
 */
export async function enqueue({ id = uuid(), op, target = null, body, photos = [], label = "", extra = {} }) {
  const photoRefs = photos.map((blob) => ({ key: uuid(), sha256: null, type: blob.type }));
  const item = {
    id, op, target, body, label, photos: photoRefs.map(({ key, sha256 }) => ({ key, sha256 })),
    state: "waiting", error: null, current: null, created: new Date().toISOString(), attempts: 0,
    ...extra,
  };
  await db.tx(["outbox", "photos"], "readwrite", (s) => {
    photos.forEach((blob, i) => s.photos.put({ key: photoRefs[i].key, blob }));
    s.outbox.put(item);
  });
  changed();
  return item;
}

/** All items, oldest first (the order they must be sent in). */
export async function items() {
  const list = await db.all("outbox");
  return list.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
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

/** Counts by state: {waiting, conflict, rejected, total}. */
export async function summary() {
  const list = await db.all("outbox");
  const s = { waiting: 0, conflict: 0, rejected: 0, total: list.length };
  list.forEach((i) => { s[i.state] += 1; });
  return s;
}
