// The HTTP client for /api/v1 (docs/CONTRACTS.md): bearer token, JSON, and one error shape.
const BASE = "/api/v1";
const TOKEN_KEY = "wangge.token";

/**
 * The server answered with an error status; `detail` is the contract's error body and
 * `retryAfter` the Retry-After header as sent (429/503), or null.
 */
export class ApiError extends Error {
  constructor(status, body, retryAfter = null) {
    super(errorMessage(body) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

/** The request never reached the server (offline, DNS, connection reset). */
export class NetworkError extends Error {}

/** Human-readable text of a `{detail: [...] | "..."}` error body. */
export function errorMessage(body) {
  const d = body?.detail;
  if (!d) return "";
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((e) => e.msg || JSON.stringify(e)).join("; ");
  return d.msg || JSON.stringify(d);
}

/** The GET paths read so far (so the service worker can be given a copy, see app.js). */
export const readPaths = new Set();

/**
 * Read `paths` again through the service worker so it keeps a copy for offline starts. Used once,
 * on the first visit, when the data was loaded before the worker took control of the page.
 */
export async function rereadThroughWorker(paths) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${token.get()}` };
  await Promise.all([...paths].map((p) => fetch(BASE + p, { headers }).catch(() => null)));
}

export const token = {
  get: () => localStorage.getItem(TOKEN_KEY),
  set: (v) => localStorage.setItem(TOKEN_KEY, v),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

/**
 * Call the API. `json` sends a JSON body, `form` a FormData/URLSearchParams body.
 * Resolves with the parsed JSON (or null for an empty body); throws ApiError or NetworkError.
 */
export async function api(path, { method = "GET", json, form, timeout = 15000 } = {}) {
  const headers = { Accept: "application/json" };
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) body = form;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  let res;
  try {
    res = await fetch(BASE + path, { method, headers, body, signal: ctrl.signal });
  } catch (e) {
    throw new NetworkError(e.message);
  } finally {
    clearTimeout(timer);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text }; }
  }
  if (!res.ok) throw new ApiError(res.status, data, res.headers.get("Retry-After"));
  if (method === "GET") readPaths.add(path);
  return data;
}

/** Log in with the OAuth2 password form; stores the token and returns the response. */
export async function login(username, password) {
  const form = new URLSearchParams({ username, password });
  const data = await api("/auth/token", { method: "POST", form });
  token.set(data.access_token);
  return data;
}
