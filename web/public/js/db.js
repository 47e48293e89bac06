// A small promise wrapper over IndexedDB. Stores:
//   outbox  - records, places and case edits waiting to be sent (survive tab close and restart)
//   photos  - photo Blobs waiting to be uploaded, keyed by a client id
//   state   - small key/value items: the patrol in progress, last successful sync
const DB_NAME = "wangge";
const DB_VERSION = 1;

let opening = null;

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("outbox")) {
          db.createObjectStore("outbox", { keyPath: "id" }).createIndex("created", "created");
        }
        if (!db.objectStoreNames.contains("photos")) db.createObjectStore("photos", { keyPath: "key" });
        if (!db.objectStoreNames.contains("state")) db.createObjectStore("state");
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return opening;
}

function done(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Run `fn(stores)` in one transaction over `names`; resolves with fn's result once committed. */
export async function tx(names, mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const t = db.transaction(names, mode);
    const stores = Object.fromEntries([].concat(names).map((n) => [n, t.objectStore(n)]));
    let result;
    Promise.resolve(fn(stores)).then((r) => { result = r; }, reject);
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error("transaction aborted"));
  });
}

export const get = (store, key) => tx(store, "readonly", (s) => done(s[store].get(key)));
export const put = (store, value, key) =>
  tx(store, "readwrite", (s) => done(key === undefined ? s[store].put(value) : s[store].put(value, key)));
export const del = (store, key) => tx(store, "readwrite", (s) => done(s[store].delete(key)));
export const all = (store) => tx(store, "readonly", (s) => done(s[store].getAll()));
export const count = (store) => tx(store, "readonly", (s) => done(s[store].count()));
