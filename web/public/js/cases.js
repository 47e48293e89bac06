// "My cases": the officer's records of the kinds that follow the case loop (their /meta rule's
// `case_loop`; incidents and disputes today) with status and deadline colours, the actions
// the case loop allows for their role, and what is overdue. Actions go through the outbox, so they
// work offline; a stale version comes back as a conflict the officer sees (sync.js).
import { app } from "./state.js";
import { api, NetworkError } from "./api.js";
import { t, term, formatTime } from "./i18n.js";
import { h, openSheet, sheetName, toast, field, select, setError } from "./ui.js";
import { find, actionsFor, kindRule } from "./meta.js";
import { mediated, openMediation } from "./mediate.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";
import { openRecordEdit } from "./edits.js";

const SOON_MS = 4 * 3600 * 1000; // "due within a few hours" shows amber

let filter = "all";
let loadedOffline = false;
// Records stored since this tab started: shown with "sent ✓" until the list is reloaded.
const sentIds = new Set();

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
  && (r.status === undefined || app.meta.statuses.some((s) => s.code === r.status));

/** Load the officer's cases (cached by the service worker for offline use). */
export async function loadCases() {
  try {
    const [list, assigned] = await Promise.all([api("/records?mine=true"), api("/records?assigned=me")]);
    app.cases = (Array.isArray(list) ? list : list.items || []).filter(isCase);
    app.assigned = (Array.isArray(assigned) ? assigned : []).filter(isCase);
    loadedOffline = false;
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
    loadedOffline = true;
  }
  await redraw();
  window.dispatchEvent(new CustomEvent("cases-changed", { detail: { overdue: overdueCount() } }));
  return app.cases;
}

/**
 * The officer's records still in the outbox, shaped like stored ones so they show at once on the
 * map and in the list: `_sync` is "queued" (waiting to be sent) or "refused" (needs the officer).
 */
export async function queuedRecords() {
  const stored = new Set(app.cases.map((c) => c.id));
  return (await queue.items())
    .filter((i) => i.op === "record" && !stored.has(i.id))
    .map((i) => ({ ...i.body, status: isCase(i.body) ? app.meta.raw.initial_status : null, version: 0,
      _sync: i.state === "waiting" ? "queued" : "refused" }));
}

/** How a record stands in sending: "queued", "refused", "sent" (stored in this session) or "". */
export const syncState = (r) => r._sync || (sentIds.has(r.id) ? "sent" : "");

/** Draw the stored cases and the queued records on the map. */
async function redraw() {
  if (!app.map || !app.meta) return;
  app.map.showRecords([...app.cases, ...(await queuedRecords())], urgency, syncState);
}

export const overdueCount = () => app.cases.filter((c) => urgency(c) === "overdue").length;

/** Queue a case action (with the reason or receiver asked for) and show it as waiting. */
async function send(c, action, { note = "", receiver = null } = {}) {
  await queue.enqueue({
    op: "transition", target: c.id,
    body: { action: action.code, version: c.version, note, ...(receiver ? { receiver } : {}) },
    label: `${term(action)} · ${c.description?.slice(0, 20) || c.id.slice(0, 8)}`,
  });
  c._pending = action.code;
  await syncNow();
}

/** An action: at once when the case loop asks nothing, else through its short form first. */
async function act(c, action) {
  if (action.asks) return openAsk(c, action);
  await send(c, action);
  render();
}

/**
 * The leaders a case may be dispatched to today: those of the current cells of its community
 * (from the cells' `leader`), the leader of the case's own cell first.
 */
export function receiversFor(c) {
  const own = app.cells.find((f) => f.properties.code === c.cell_code);
  const community = c.community_code || own?.properties.community_code;
  const byName = new Map();
  for (const f of [own, ...app.cells].filter(Boolean)) {
    const leader = f.properties.leader;
    if (leader?.username && f.properties.community_code === community && !byName.has(leader.username)) {
      byName.set(leader.username, { ...leader, cells: [] });
    }
    if (leader?.username && byName.has(leader.username)) byName.get(leader.username).cells.push(String(f.properties.code).slice(-3));
  }
  return [...byName.values()].map((l) => ({ ...l, cells: [...new Set(l.cells)] }));
}

/**
 * Everyone on the roster of the case's cell a case may go to besides its leaders (the mediator,
 * police liaison, building leaders...: `roster:<id>`), then the street office's departments
 * (`dept:<code>`), from /meta. Offline, only the departments: the roster needs the server.
 */
export async function rosterReceivers(c) {
  const meta = app.meta;
  const out = [];
  try {
    const r = c.cell_code ? await api(`/cells/${encodeURIComponent(c.cell_code)}/roster`) : null;
    for (const m of r?.members || []) {
      if (m.role === "leader") continue; // offered above, by username
      const role = term(find(meta.roster?.roles || [], m.role)) || m.role;
      const name = m.user?.display_name || m.user?.username || m.contact_name || "";
      out.push({ code: `roster:${m.id}`, label: `${role} · ${name}` });
    }
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
  }
  for (const d of meta.roster?.departments || []) out.push({ code: `dept:${d.code}`, label: `${t("department")} · ${term(d)}` });
  return out;
}

/** The short form of an action that asks for a reason (cancel, send back) or a receiver (dispatch). */
async function openAsk(c, action) {
  const needsReason = action.asks === "reason";
  const caseCell = String(c.cell_code || "").slice(-3);
  const leaders = (needsReason ? [] : receiversFor(c)).map((r) => ({ code: r.username,
    label: [r.display_name || r.username, r.cells.includes(caseCell) ? t("case_cell_leader") : null,
      t("cells_n", { n: r.cells.length })].filter(Boolean).join(" · ") }));
  const receivers = needsReason ? [] : [...leaders, ...await rosterReceivers(c)];
  const who = select("receiver", receivers, (r) => r.label, { value: receivers[0]?.code });
  const note = h("textarea", { name: "note", rows: 3, maxlength: 2000 });
  const form = h("form", { class: "ask-form", novalidate: true, dataset: { action: action.code } },
    h("p", { class: "edit-what" }, `${term(find(app.meta.recordKinds, c.kind))} · ${c.description || ""}`),
    needsReason ? null : receivers.length ? field("receiver", who, { required: true })
      : h("p", { class: "error-text", role: "alert" }, t("no_receivers")),
    field(needsReason ? "reason" : "note_optional", note, { required: needsReason }),
    h("div", { class: "form-actions" },
      h("button", { type: "button", class: "big secondary", onclick: () => openCases() }, t("back")),
      h("button", { type: "submit", class: "big primary", disabled: !needsReason && !receivers.length }, term(action))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = note.value.trim();
    if (needsReason) setError(note, text ? "" : t("reason_needed")); // the server's rule: not blank
    else setError(who, who.value ? "" : t("receiver_needed"));
    const bad = form.querySelector("[aria-invalid=true]");
    if (bad) return bad.focus();
    openCases();
    await send(c, action, { note: text, receiver: needsReason ? null : who.value });
    render();
    toast(t("action_queued", { action: term(action) }), "ok");
  });
  openSheet(needsReason ? t("ask_reason_title", { action: term(action) }) : t("ask_receiver_title", { action: term(action) }),
    form, { name: `ask-${action.code}`, rerender: () => openAsk(c, action) });
}

/** How a case's assignee reads: a department's name, else the roster role and person. */
function assigneeName(a) {
  if (a.kind === "department") return term(find(app.meta.roster?.departments || [], a.department)) || a.name;
  const role = a.role ? term(find(app.meta.roster?.roles || [], a.role)) : "";
  return [role, a.name].filter(Boolean).join(" ");
}

/** Whether a case lies in the user's cells (or the user's reach has no cell limit). */
const inMyCells = (c) => !Array.isArray(app.me?.cells) || !c.cell_code || app.me.cells.includes(c.cell_code);

function caseCard(c, pendingTargets) {
  const meta = app.meta;
  const u = urgency(c);
  const kind = find(meta.recordKinds, c.kind);
  const cat = find(meta.categories[c.kind] || [], c.category);
  const status = find(meta.statuses, c.status);
  const sync = syncState(c);
  const pending = pendingTargets.has(c.id) || c._pending;
  const actions = pending || c._sync ? [] : actionsFor(meta, c.status, app.me.role);
  return h("li", { class: `case ${u}`, dataset: { id: c.id, status: c.status, urgency: u, sync } },
    h("div", { class: "case-head" },
      h("span", { class: "case-kind" }, `${term(kind)} · ${term(cat) || c.category}`),
      sync ? h("span", { class: `badge sync-${sync}` }, t(`sync_${sync}`)) : null,
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
      c.assignee ? h("span", { class: "assignee" }, t("assigned_to", { name: assigneeName(c.assignee) })) : null,
    c.deadline ? h("span", { class: "deadline" },
        u === "overdue" ? t("overdue_since", { time: formatTime(c.deadline) }) : t("due_at", { time: formatTime(c.deadline) })) : null),
    pending ? h("p", { class: "pending" }, t("action_waiting")) : null,
    c._sync === "refused" ? h("p", { class: "error-text" }, t("refused_see_outbox")) : null,
    c._sync ? null : h("div", { class: "case-actions" },
      actions.map((a) => h("button", { type: "button", class: "big", dataset: { action: a.code }, onclick: () => act(c, a) }, term(a))),
      // a case dispatched to me from outside my cells is mine to work, not to edit
      inMyCells(c) ? h("button", { type: "button", class: "big secondary", dataset: { edit: c.id }, onclick: () => openRecordEdit(c) }, t("edit")) : null,
      mediated(c.kind) ? h("button", { type: "button", class: "big secondary", dataset: { mediate: c.id }, onclick: () => openMediation(c) }, t("med_title")) : null));
}

async function render() {
  if (sheetName() !== "cases") return;
  const body = document.querySelector("#sheet .cases-list");
  if (!body) return;
  const pendingTargets = new Set((await queue.items()).filter((i) => i.op === "transition" && i.state === "waiting").map((i) => i.target));
  const rank = { overdue: 0, soon: 1, ok: 2, none: 3 };
  const queued = (await queuedRecords()).filter((r) => isCase(r) && filter === "all");
  const shown = (filter === "assigned" ? app.assigned || [] : app.cases)
    .filter((c) => filter !== "overdue" || urgency(c) === "overdue")
    .sort((a, b) => rank[urgency(a)] - rank[urgency(b)] || String(a.deadline || "9").localeCompare(String(b.deadline || "9")));
  shown.unshift(...queued);
  body.replaceChildren(...(shown.length ? shown.map((c) => caseCard(c, pendingTargets))
    : [h("li", { class: "empty" }, t({ all: "no_cases", overdue: "no_overdue", assigned: "no_assigned" }[filter]))]));
  document.querySelectorAll("#sheet .filter button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.filter === filter)));
  const od = document.querySelector("#sheet [data-filter=overdue] .n");
  if (od) od.textContent = String(overdueCount());
  const as = document.querySelector("#sheet [data-filter=assigned] .n");
  if (as) as.textContent = String((app.assigned || []).length);
}

export async function openCases() {
  const setFilter = (f) => { filter = f; render(); };
  openSheet(t("my_cases"), [
    h("div", { class: "filter", role: "group" },
      h("button", { type: "button", class: "big", dataset: { filter: "all" }, onclick: () => setFilter("all") }, t("all")),
      h("button", { type: "button", class: "big", dataset: { filter: "overdue" }, onclick: () => setFilter("overdue") },
        t("overdue"), " ", h("b", { class: "n" }, String(overdueCount()))),
      h("button", { type: "button", class: "big", dataset: { filter: "assigned" }, onclick: () => setFilter("assigned") },
        t("assigned_to_me"), " ", h("b", { class: "n" }, String((app.assigned || []).length)))),
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
    [...app.cases, ...app.assigned].forEach((c) => { delete c._pending; });
    render();
  }
});

// A local edit or a stored answer changed a case: redraw the map markers and the open list.
window.addEventListener("records-edited", () => {
  redraw();
  render();
});

// A record saved or refused shows at once; once stored it joins the cases with "sent ✓".
window.addEventListener("queue-changed", () => { redraw(); render(); });
window.addEventListener("item-sent", (e) => {
  const { item, stored } = e.detail;
  if (item.op !== "record" || !stored?.id) return;
  sentIds.add(stored.id);
  if (isCase(stored) && !app.cases.some((c) => c.id === stored.id)) app.cases.unshift(stored);
  redraw();
  render();
});
