// Calls of the residents' page: the public endpoints only, never with an officer's token.
import { ApiError, NetworkError } from "../api.js";

const BASE = "/api/v1";

/** Call a public endpoint with a JSON or FormData body; the parsed answer, or ApiError. */
export async function call(path, { method = "GET", json, form } = {}) {
  const headers = { Accept: "application/json" };
  let body = form;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  let res;
  try {
    res = await fetch(BASE + path, { method, headers, body });
  } catch (e) {
    throw new NetworkError(e.message);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text }; }
  }
  if (!res.ok) throw new ApiError(res.status, data, res.headers.get("Retry-After"));
  return data;
}

const MINE = "wangge.tickets";

/** The tickets this phone has filed, newest first (kept only on the phone). */
export function myTickets() {
  try { return JSON.parse(localStorage.getItem(MINE) || "[]"); } catch { return []; }
}

/** Remember a ticket on this phone. */
export function remember(ticket) {
  const list = [ticket, ...myTickets().filter((x) => x !== ticket)].slice(0, 20);
  localStorage.setItem(MINE, JSON.stringify(list));
}
