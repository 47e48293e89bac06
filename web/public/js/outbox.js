// The waiting-items indicator and panel: how many records wait to be sent, which are being
// retried after a failure (with the server's message and when the next try is), which were refused
// (with the reason, translated where it is known) and what came back as a conflict (someone else
// changed the case first). Nothing leaves the outbox unless it was stored or the officer discarded it.
import { t, term, formatTime, formatClock } from "./i18n.js";
import { h, openSheet, sheetName, toast, field, select, setError } from "./ui.js";
import { app } from "./state.js";
import { find } from "./meta.js";
import * as queue from "./queue.js";
import { syncNow, retryNow, heldBehind } from "./sync.js";
import { conflictView, reapply, discard, isEdit } from "./edits.js";
import { patchBody, RECORD_FIELDS, PLACE_FIELDS } from "./editdiff.js";
import { uuid } from "./uuid.js";
import { FIELD_LABELS, fieldOf, knownText, entriesOf, refusalLines } from "./refusals.js";

export { refusalLines };

export async function refreshIndicator() {
  const s = await queue.summary();
  const btn = document.getElementById("sync-btn");
  document.getElementById("queue-count").textContent = String(s.total);
  btn.dataset.state = s.conflict || s.rejected || s.stuck ? "problem"
    : s.retrying ? "retrying" : s.waiting ? "waiting" : "clear";
  btn.dataset.online = String(navigator.onLine);
  const counts = countsText(s);
  btn.title = counts ? `${t("outbox")}: ${counts}` : t("outbox");
  const net = navigator.onLine ? t("online") : t("offline");
  document.getElementById("net-state").textContent = net;
  // The accessible name starts with what the button shows, then says what waits.
  btn.setAttribute("aria-label", `${net} ${t("waiting_label")} ${s.total}${counts ? ` (${counts})` : ""}`);
  if (sheetName() === "outbox") renderPanel();
}

/** "2 waiting · 1 retrying · 1 need your action" (only the parts that are not zero). */
function countsText(s) {
  const problem = s.conflict + s.rejected + s.stuck;
  return [
    s.waiting - s.retrying ? t("count_waiting", { n: s.waiting - s.retrying }) : "",
    s.retrying - s.stuck ? t("count_retrying", { n: s.retrying - s.stuck }) : "",
    problem ? t("count_problem", { n: problem }) : "",
  ].filter(Boolean).join(" · ");
}

/** The headline of a failed send that is being retried (no answer, server error, busy). */
function failureHeadline(item) {
  if (item.status === 0) return t("failed_no_answer");
  if (item.status === 429 || item.status === 503) return t("failed_busy", { status: item.status });
  if (item.status > 0) return t("failed_server", { status: item.status });
  return t("failed_local");
}

/**
 * The server's own words (for support staff), when they say more than what is shown. With no
 * answer (status 0) there are none: the browser's "Failed to fetch" would only mislead.
 */
function serverSaid(item, shown) {
  if (item.status === 0) return null;
  const raw = entriesOf(item).map((e) => e.msg).filter(Boolean).join("; ");
  if (!raw || shown.includes(raw)) return null;
  return h("p", { class: "server-said" }, item.status > 0 ? t("server_said", { msg: raw }) : raw);
}

// ---- One item of the panel ----

/** The badge of an item: its state, or how its sending goes. */
function health(item, list) {
  if (item.state !== "waiting") return item.state;
  if (queue.stuck(item)) return "stuck";
  if (queue.retrying(item)) return "retrying";
  return heldBehind(item, list) ? "held" : "waiting";
}

/** Changes to the register (a household, a resident) rather than to a case. */
const registerEdit = (item) => item.op === "patch-person" || item.op === "patch-household";

function conflictText(item) {
  const cur = item.current;
  if (!cur) return item.error || "";
  if (registerEdit(item)) return t("conflict_version", { version: cur.version ?? "?" });
  const status = find(app.meta.statuses, cur.status);
  return t("conflict_now", { status: term(status) || cur.status || "?", version: cur.version ?? "?" });
}

/** What the officer reads about an item that is not simply waiting. */
function explanation(item, state, list) {
  if (state === "held") {
    return h("p", { class: "hint held-text" }, t("held_behind", { label: heldBehind(item, list).label || "" }));
  }
  if (state === "retrying" || state === "stuck") {
    const headline = failureHeadline(item);
    const when = formatClock(item.nextAt || Date.now());
    const next = state === "stuck" ? t("stuck_explain", { n: item.attempts, time: when })
      : item.serverDelay ? t("retry_at_server", { time: when }) : t("retry_at", { n: item.attempts, time: when });
    return [h("p", { class: "error-text", role: state === "stuck" ? "alert" : null }, headline),
      h("p", { class: "retry-text" }, next), serverSaid(item, headline)];
  }
  if (state === "rejected") {
    const lines = refusalLines(item);
    return [h("p", { class: "error-text", role: "alert" }, t("rejected_explain")),
      h("ul", { class: "refusal" }, lines.map((l) => h("li", {}, l))), serverSaid(item, lines.join("\n"))];
  }
  if (state !== "conflict") return null;
  if (isEdit(item)) {
    return [h("p", { class: "conflict-text", role: "alert" }, t("conflict_edit_explain")), conflictView(item)];
  }
  const why = registerEdit(item) ? t("conflict_register_explain") : t("conflict_explain");
  return h("p", { class: "conflict-text", role: "alert" }, why, " ", conflictText(item));
}

const button = (label, act, cls = "big", onclick) =>
  h("button", { type: "button", class: cls, dataset: { do: act }, onclick }, label);

/** Send a kept item again as it is now (the officer chose so): a fresh start, no backoff. */
async function resend(item, fields = {}) {
  await queue.patch(item.id, { state: "waiting", error: null, detail: null, status: null, current: null,
    attempts: 0, nextAt: 0, serverDelay: false, ...fields });
  return syncNow({ again: true });
}

/** Whether an item makes a new record or place (rather than changing one that exists). */
const creates = (item) => item.op === "record" || item.op === "place" || item.op === "visit";

/** Keep a conflicting new record or place as a new one: a fresh id, queued like a new save. */
async function saveAsNew(item) {
  const id = uuid();
  await queue.rekey(item.id, id, { state: "waiting", error: null, detail: null, status: null, current: null,
    attempts: 0, nextAt: 0, body: { ...item.body, id } });
  return syncNow({ again: true });
}

function discardButton(item) {
  // Discarding a case action or an edit drops the officer's change, never the case itself: say so.
  const made = creates(item);
  return button(made ? t("discard_item") : t("discard_mine"), "discard", "big secondary", async () => {
    if (!confirm(made ? t("discard_confirm") : t("discard_change_confirm"))) return;
    if (isEdit(item)) await discard(item); else await queue.remove(item);
  });
}

/** Whether the refusal is about the item's patrol track (a route too short or out of order). */
const trackRefused = (item) => Boolean(item.body?.track) && entriesOf(item).some((e) => fieldOf(e.loc) === "track");

/**
 * The buttons for a refused item. The same body is only worth sending again when the refusal may
 * go otherwise next time (a permission, a missing place: 403/404); a 422 says what to change, so a
 * new record is corrected (or its route dropped), never "resent as is".
 */
function rejectedActions(item) {
  return [
    trackRefused(item) ? button(t("send_without_route"), "drop-track", "big primary", () => {
      const { track, ...body } = item.body;
      return resend(item, { body });
    }) : null,
    editableFields(item).length ? button(t("edit_resend"), "edit", trackRefused(item) ? "big" : "big primary", () => openItemEdit(item)) : null,
    item.status !== 422 ? button(t("resend_as_is"), "retry", "big", () => resend(item)) : null,
    discardButton(item)];
}

/** The buttons that make sense for an item in its state. */
function actionsOf(item, state) {
  if (state === "retrying" || state === "stuck") {
    return [button(t("retry_now"), "retry-now", state === "stuck" ? "big primary" : "big", () => retryNow(item))];
  }
  if (state === "rejected") return rejectedActions(item);
  if (state !== "conflict") return [];
  if (creates(item)) {
    // The same id holds other content on the server: sending again is refused again, so the
    // officer keeps what they wrote as a new record, or drops it.
    return [button(t("save_as_new"), "save-as-new", "big primary", () => saveAsNew(item)), discardButton(item)];
  }
  if (isEdit(item) && item.current) {
    return [button(t("apply_mine_on_current"), "reapply", "big primary", () => reapply(item)), discardButton(item)];
  }
  if (item.current?.version != null && "version" in item.body) {
    return [button(t("apply_on_current"), "reapply", "big", () =>
      resend(item, { body: { ...item.body, version: item.current.version } })), discardButton(item)];
  }
  return [button(t("retry"), "retry", "big", () => resend(item)), discardButton(item)];
}

/** What the officer wrote (a record's description, a place's name): items alike by label differ here. */
function whatText(item) {
  const b = item.body || {};
  const text = item.op === "place" ? [b.name, b.address].filter(Boolean).join(" · ")
    : item.op === "record" ? b.description : item.op === "transition" ? b.note : item.op === "visit" ? b.notes : "";
  return text && text.length > 60 ? `${text.slice(0, 60)}…` : text || "";
}

function itemRow(item, list) {
  const state = health(item, list);
  const actions = actionsOf(item, state).filter(Boolean);
  return h("li", { class: `outbox-item ${item.state} ${state}`, dataset: { id: item.id, state: item.state, health: state } },
    h("div", { class: "case-head" },
      h("span", {}, item.label || item.op),
      h("span", { class: `badge ${state}` }, t(`state_${state}`))),
    whatText(item) && whatText(item) !== item.label ? h("p", { class: "case-desc" }, whatText(item)) : null,
    h("div", { class: "case-meta" },
      h("span", {}, formatTime(item.created)),
      item.photos.length ? h("span", {}, t("photos_n", { n: item.photos.length })) : null),
    explanation(item, state, list),
    actions.length ? h("div", { class: "case-actions" }, actions) : null);
}

// ---- Edit and resend a refused item ----

const EDITABLE = { record: ["category", "priority", "occurred_at", "description"], place: ["name", "address", "risk_level"],
  patch: RECORD_FIELDS, "patch-place": PLACE_FIELDS, transition: ["note"] };

/** The record kind an item is about (for its categories): its body, or the case it changes. */
const kindOf = (item) => item.body?.kind || app.cases?.find((c) => c.id === item.target)?.kind || null;

/** The values the form starts from: the body, or for an edit what it changes on what was seen. */
const valuesOf = (item) => (isEdit(item) ? { ...(item.base || {}), ...(item.changes || {}) } : item.body || {});

/** The fields of a refused item the officer can correct here (edits: only the ones they changed). */
function editableFields(item) {
  const vals = valuesOf(item);
  return (EDITABLE[item.op] || []).filter((f) => {
    if (isEdit(item)) return f in (item.changes || {});
    if (f === "priority") return vals.priority != null; // kinds without a priority rule have none
    if (f === "category") return (app.meta?.categories[kindOf(item)] || []).length > 0;
    return item.op !== "transition" || f in vals;
  });
}

const localInput = (iso) => {
  const d = new Date(iso);
  return Number.isNaN(+d) ? "" : new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};

function controlFor(item, f, value) {
  const { meta } = app;
  if (f === "category") return select("category", meta.categories[kindOf(item)] || [], term, { value });
  if (f === "priority") return select("priority", meta.priorities, term, { value });
  if (f === "risk_level") return select("risk_level", meta.riskLevels, term, { value });
  if (f === "occurred_at") return h("input", { type: "datetime-local", name: f, value: localInput(value) });
  if (f === "description" || f === "note") {
    const el = h("textarea", { name: f, rows: 4, maxlength: 5000 });
    el.value = value ?? "";
    return el;
  }
  return h("input", { type: "text", name: f, maxlength: f === "name" ? 200 : 300, value: value ?? "" });
}

/**
 * Whether the forms that made the item require field `f` (a patrol's note and any address are
 * optional; a case's description needs two characters, see forms.js and edits.js).
 */
function isRequired(item, f) {
  if (f === "address" || f === "note") return false;
  return f !== "description" || item.op === "patch" || item.body?.priority != null;
}

/** The form's values, checked like the forms that made them; null (errors shown) when not valid. */
function readEdits(item, controls) {
  const out = {};
  for (const [f, el] of controls) {
    const v = el.value.trim();
    const when = f === "occurred_at" ? new Date(v) : null;
    const short = f === "description" && isRequired(item, f) && v.length < 2;
    setError(el, isRequired(item, f) && !v && !short ? t("required") : when && Number.isNaN(+when) ? t("refusal_bad_time")
      : short ? t("describe_briefly") : "");
    out[f] = when ? when.toISOString() : v;
  }
  const bad = controls.map(([, el]) => el).find((el) => el.getAttribute("aria-invalid") === "true");
  if (bad) { bad.focus(); return null; }
  return out;
}

/** A sheet with the refused item's fields, the server's reasons next to them, and "resend". */
export function openItemEdit(item) {
  const vals = valuesOf(item);
  const controls = editableFields(item).map((f) => [f, controlFor(item, f, vals[f])]);
  const atField = (e) => controls.find(([f]) => f === fieldOf(e.loc))?.[1];
  // Reasons about a field on this form are shown at that field; the others above the form.
  const general = { ...item, detail: entriesOf(item).filter((e) => !atField(e)) };
  const form = h("form", { class: "edit-form outbox-edit", novalidate: true, dataset: { id: item.id } },
    h("p", { class: "edit-what" }, item.label || item.op),
    general.detail.length ? h("ul", { class: "refusal" }, refusalLines(general).map((l) => h("li", {}, l))) : null,
    controls.map(([f, el]) => field(FIELD_LABELS[f] || f, el, { required: isRequired(item, f) })),
    h("div", { class: "form-actions" },
      button(t("cancel"), "cancel", "big secondary", openOutbox),
      h("button", { type: "submit", class: "big primary" }, t("resend"))));
  for (const e of entriesOf(item)) if (atField(e)) setError(atField(e), knownText(e) || e.msg);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const edited = readEdits(item, controls);
    if (!edited) return;
    let fields = { body: { ...item.body, ...edited } };
    if (isEdit(item)) {
      const changes = { ...item.changes, ...edited };
      fields = { changes, body: patchBody({ ...item, changes }, item.base || { version: item.body.version }) };
    }
    openOutbox();
    await resend(item, fields);
  });
  openSheet(t("edit_queued"), form, { name: "outbox-edit", rerender: () => openItemEdit(item) });
}

// ---- The panel ----

async function renderPanel() {
  const list = document.querySelector("#sheet .outbox-list");
  if (!list) return;
  const items = await queue.items();
  const counts = document.querySelector("#sheet .outbox-counts");
  if (counts) counts.textContent = countsText(await queue.summary());
  list.replaceChildren(...(items.length ? items.map((i) => itemRow(i, items)) : [h("li", { class: "empty" }, t("nothing_waiting"))]));
}

export function openOutbox() {
  openSheet(t("outbox"), [
    h("p", { class: "hint" }, navigator.onLine ? t("outbox_online") : t("outbox_offline")),
    h("p", { class: "outbox-counts", role: "status" }),
    h("button", { type: "button", class: "big primary send-now", onclick: async () => {
      await syncNow({ force: true });
      const s = await queue.summary();
      const left = s.total === s.waiting - s.retrying ? t("still_waiting", { n: s.total }) : countsText(s);
      toast(s.total ? left : t("all_sent"), s.total ? "info" : "ok");
    } }, t("send_now")),
    h("ul", { class: "outbox-list" }),
  ], { name: "outbox" });
  renderPanel();
}

for (const ev of ["queue-changed", "online", "offline", "sync-done"]) {
  window.addEventListener(ev, () => refreshIndicator());
}
window.addEventListener("item-failed", (e) => {
  const { item } = e.detail;
  toast(item.state === "conflict" ? t("conflict_toast") : t("rejected_toast", { msg: refusalLines(item).join("; ") }), "error", 8000);
});
window.addEventListener("item-stuck", (e) => {
  toast(t("stuck_toast", { label: e.detail.item.label || e.detail.item.op }), "error", 8000);
});
