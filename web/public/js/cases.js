// "My cases": the officer's records of the kinds that follow the case loop (their /meta rule's
// `case_loop`; incidents and disputes today) with status and deadline colours, the actions
// the case loop allows for their role, and what is overdue. Actions go through the outbox, so they
// work offline; a stale version comes back as a conflict the officer sees (sync.js).
import { app } from "./state.js";
import { api, NetworkError } from "./api.js";
import { t, term, formatTime } from "./i18n.js";
import { h, openSheet, sheetName, toast } from "./ui.js";
import { find, actionsFor, kindRule } from "./meta.js";
import { mediated, openMediation } from "./mediate.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";
import { openRecordEdit } from "./edits.js";

const SOON_MS = 4 * 3600 * 1000; // "due within a few hours" shows amber

let filter = "all";
let loadedOffline = false;

/** Whether a status is still open (from /meta, e.g. `is_open`), so closed cases are never overdue. */
function isOpen(status) {
  const s = find(app.meta.statuses, status);
  return s ? s.is_open !== false : true;
}

/** "overdue" | "soon" | "ok" | "none" for a case's deadline. */
export function urgency(c, now = Date.now()) {
  if (!c.deadline || !isOpen(c.status)) return "none";
  const left = new Date(c.deadline).getTime() - now;
  if (left < 0) return "overdue";
  if (left < SOON_MS) return "soon";
  return "ok";
}

/** Whether a record is a case: its kind follows the case loop and its status is a known one. */
const isCase = (r) => Boolean(kindRule(app.meta, r.kind).case_loop)
  && app.meta.statuses.some((s) => s.code === r.status);

/** Load the officer's cases (cached by the service worker for offline use). */
export async function loadCases() {
  try {
    const list = await api("/records?mine=true");
    app.cases = (Array.isArray(list) ? list : list.items || []).filter(isCase);
    loadedOffline = false;
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
    loadedOffline = true;
  }
  app.map?.showRecords(app.cases, urgency);
  window.dispatchEvent(new CustomEvent("cases-changed", { detail: { overdue: overdueCount() } }));
  return app.cases;
}

export const overdueCount = () => app.cases.filter((c) => urgency(c) === "overdue").length;

async function act(c, action) {
  await queue.enqueue({
    op: "transition", target: c.id,
    body: { action: action.code, version: c.version, note: "" },
    label: `${term(action)} · ${c.description?.slice(0, 20) || c.id.slice(0, 8)}`,
  });
  c._pending = action.code;
  render();
  await syncNow();
}

function caseCard(c, pendingTargets) {
  const meta = app.meta;
  const u = urgency(c);
  const kind = find(meta.recordKinds, c.kind);
  const cat = find(meta.categories[c.kind] || [], c.category);
  const status = find(meta.statuses, c.status);
  const pending = pendingTargets.has(c.id) || c._pending;
  const actions = pending ? [] : actionsFor(meta, c.status, app.me.role);
  return h("li", { class: `case ${u}`, dataset: { id: c.id, status: c.status, urgency: u } },
    h("div", { class: "case-head" },
      h("span", { class: "case-kind" }, `${term(kind)} · ${term(cat) || c.category}`),
      // a resident's report (public page or Open311) waits for the officer to verify it (核实)
      c.source && c.source !== "officer"
        ? h("span", { class: "case-source", dataset: { source: c.source } },
          term(find(app.meta.raw?.cases?.residents?.channels || [], c.source)) || c.source)
        : null,
      h("span", { class: `status status-${c.status}` }, term(status) || c.status)),
    h("p", { class: "case-desc" }, c.description || ""),
    h("div", { class: "case-meta" },
      c.cell_code ? h("span", {}, t("cell_short", { code: c.cell_code })) : null,
      h("span", {}, formatTime(c.occurred_at || c.created_at)),
      c.deadline ? h("span", { class: "deadline" },
        u === "overdue" ? t("overdue_since", { time: formatTime(c.deadline) }) : t("due_at", { time: formatTime(c.deadline) })) : null),
    pending ? h("p", { class: "pending" }, t("action_waiting")) : null,
    h("div", { class: "case-actions" },
      actions.map((a) => h("button", { type: "button", class: "big", dataset: { action: a.code }, onclick: () => act(c, a) }, term(a))),
      h("button", { type: "button", class: "big secondary", dataset: { edit: c.id }, onclick: () => openRecordEdit(c) }, t("edit")),
      mediated(c.kind) ? h("button", { type: "button", class: "big secondary", dataset: { mediate: c.id }, onclick: () => openMediation(c) }, t("med_title")) : null));
}

async function render() {
  if (sheetName() !== "cases") return;
  const body = document.querySelector("#sheet .cases-list");
  if (!body) return;
  const pendingTargets = new Set((await queue.items()).filter((i) => i.op === "transition" && i.state === "waiting").map((i) => i.target));
  const rank = { overdue: 0, soon: 1, ok: 2, none: 3 };
  const shown = app.cases
    .filter((c) => filter === "all" || urgency(c) === "overdue")
    .sort((a, b) => rank[urgency(a)] - rank[urgency(b)] || String(a.deadline || "9").localeCompare(String(b.deadline || "9")));
  body.replaceChildren(...(shown.length ? shown.map((c) => caseCard(c, pendingTargets))
    : [h("li", { class: "empty" }, filter === "all" ? t("no_cases") : t("no_overdue"))]));
  document.querySelectorAll("#sheet .filter button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.filter === filter)));
  const od = document.querySelector("#sheet [data-filter=overdue] .n");
  if (od) od.textContent = String(overdueCount());
}

export async function openCases() {
  const setFilter = (f) => { filter = f; render(); };
  openSheet(t("my_cases"), [
    h("div", { class: "filter", role: "group" },
      h("button", { type: "button", class: "big", dataset: { filter: "all" }, onclick: () => setFilter("all") }, t("all")),
      h("button", { type: "button", class: "big", dataset: { filter: "overdue" }, onclick: () => setFilter("overdue") },
        t("overdue"), " ", h("b", { class: "n" }, String(overdueCount())))),
    h("p", { class: "offline-note", hidden: !loadedOffline }, t("cases_offline")),
    h("ul", { class: "cases-list" }),
  ], { name: "cases" });
  render();
  try {
    await loadCases();
  } catch (e) {
    toast(e.message, "error");
  }
  const note = document.querySelector("#sheet .offline-note");
  if (note) note.hidden = !loadedOffline;
  render();
}

// Keep the list current as actions are sent or come back as conflicts.
window.addEventListener("sync-done", async () => {
  if (sheetName() === "cases" && navigator.onLine) {
    try { await loadCases(); } catch { /* shown on next open */ }
    app.cases.forEach((c) => { delete c._pending; });
    render();
  }
});

// A local edit or a stored answer changed a case: redraw the map markers and the open list.
window.addEventListener("records-edited", () => {
  app.map?.showRecords(app.cases, urgency);
  render();
});
