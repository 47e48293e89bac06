// Service worker (scope /): keeps the app shell and the officer's area data for offline use.
//   shell  (same-origin static files): served from cache at once and refreshed in the background;
//          the list to precache is vendor/shell.json, written by `npm run build`.
//   data   (GET /api/v1 meta, me, cells, buildings, places, records, visits): network first, falling back
//          to the last good copy when offline or the network hangs.
// Writes (POST/PATCH) are never handled here: the app's outbox (IndexedDB) owns them.
const SHELL = "wangge-shell";
const DATA = "wangge-data"; // app.js deletes it on logout
const PHOTOS = "wangge-photos";
const NETWORK_TIMEOUT_MS = 6000;
const DATA_PATHS = /^\/api\/v1\/(me|meta|cells|buildings|places|records|visits)(\/|$|\?)/;

async function precache() {
  const res = await fetch("/vendor/shell.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`shell.json: HTTP ${res.status}`);
  const { files } = await res.json();
  const cache = await caches.open(SHELL);
  await cache.addAll(files.map((f) => new Request(f, { cache: "no-cache" })));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "refresh-shell") event.waitUntil(precache().catch(() => {}));
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("network timeout")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

async function networkFirst(request) {
  const cache = await caches.open(DATA);
  try {
    const res = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (res.ok) await cache.put(request, res.clone());
    return res;
  } catch (e) {
    const hit = await cache.match(request);
    if (hit) return hit;
    throw e;
  }
}

// Pages that are the app itself: one cached copy whatever the query. Other pages (analytics.html)
// are cached under their own path, so opening them never shows (or overwrites) the app's page.
const APP_PAGES = new Set(["/", "/index.html"]);

async function staleWhileRevalidate(request, event) {
  const cache = await caches.open(SHELL);
  const nav = request.mode === "navigate";
  const path = new URL(request.url).pathname;
  const key = nav ? (APP_PAGES.has(path) ? "/" : path) : request;
  const hit = await cache.match(key, { ignoreSearch: nav });
  const refresh = fetch(request).then((res) => {
    if (res.ok && res.type === "basic") cache.put(key, res.clone());
    return res;
  });
  if (hit) {
    event.waitUntil(refresh.catch(() => {}));
    return hit;
  }
  return refresh;
}

async function cacheFirst(request) {
  const cache = await caches.open(PHOTOS);
  const hit = await cache.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok) await cache.put(request, res.clone());
  return res;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return; // basemap tiles go straight to the network
  if (url.pathname.startsWith("/api/v1/photos/")) return event.respondWith(cacheFirst(request));
  if (DATA_PATHS.test(url.pathname)) return event.respondWith(networkFirst(request));
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/docs") || url.pathname === "/openapi.json") return;
  event.respondWith(staleWhileRevalidate(request, event));
});
