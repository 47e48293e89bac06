// 民情日志: the officer's visits of one day (GET /visits?user=&day=, Shanghai days), with their times,
// purposes, notes and needs; visits still in the outbox are listed too. A need marked "follow
// up" can be turned into a case (op "need-case", sync.js POST /visits/{id}/needs/{n}/case,
// resend-safe), also before the visit itself is sent: it waits behind it in the outbox.
import { app } from "./state.js";
import { api, NetworkError } from "./api.js";
import { t, term, formatClock } from "./i18n.js";
import { h, openSheet, sheetName, field, toast } from "./ui.js";
import { find, visitPurposes } from "./meta.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";

const TZ = "Asia/Shanghai";

/** A day (Date or ISO) as YYYY-MM-DD in Shanghai time. */
export const shanghaiDay = (d = new Date()) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(new Date(d));

let day = null;
let stored = [];
let offline = false;

/** What a visit was to: the building or place by name where loaded, else its kind. */
function targetName(v) {
  if (v.place_id) return app.places.find((f) => (f.properties.id ?? f.id) === v.place_id)?.properties.name || t("place");
  const b = v.building_id != null && app.buildings.find((f) => (f.properties.id ?? f.id) === v.building_id);
  if (b) return b.properties.name || t("building");
  return v.household_id ? t("household") : t("building");
}

/** Whether need `n` of visit `v` is a case already, or one is waiting to be sent. */
function caseState(v, n, pending) {
  const need = v.needs[n];
  if (need.case_id || need.record_id) return "made";
  return pending.has(`${v.id}:${n}`) ? "queued" : "";
}

async function makeCase(v, n) {
  await queue.enqueue({ op: "need-case", target: v.id, body: {}, extra: { need: n },
    label: `${t("need_case")} · ${t("visit")}` });
  toast(t("need_case_queued"), "ok");
  await syncNow();
}

function needLine(v, n, pending) {
  const need = v.needs[n];
  const state = caseState(v, n, pending);
  return h("li", { class: "need", dataset: { n: String(n), follow: String(Boolean(need.follow_up)), case: state } },
    need.text,
    need.follow_up ? h("span", { class: "badge due-due" }, t("need_follow_up")) : null,
    state ? h("span", { class: `badge ${state === "made" ? "sync-sent" : "sync-queued"}` },
      t(state === "made" ? "need_case_made" : "need_case_waiting")) : null,
    need.follow_up && !state
      ? h("button", { type: "button", class: "big", dataset: { makeCase: String(n) }, onclick: () => makeCase(v, n) }, t("need_case"))
      : null);
}

function visitCard(v, queued, pending) {
  const purpose = find(visitPurposes(app.meta), v.purpose);
  const met = (v.person_ids || []).length;
  return h("li", { class: "visit", dataset: { id: v.id, sync: queued ? "queued" : "" } },
    h("div", { class: "case-head" },
      h("b", { class: "visit-time" }, formatClock(v.visited_at).slice(0, 5)),
      h("span", {}, `${targetName(v)} · ${term(purpose) || v.purpose}`),
      queued ? h("span", { class: "badge sync-queued" }, t("sync_queued")) : null),
    met ? h("p", { class: "case-meta" }, t("visit_met_n", { n: met })) : null,
    v.notes ? h("p", { class: "case-desc" }, v.notes) : null,
    (v.needs || []).length ? h("ul", { class: "needs-list" }, v.needs.map((_, n) => needLine(v, n, pending))) : null);
}

async function render() {
  const list = document.querySelector("#sheet .diary-list");
  if (!list) return;
  const items = await queue.items();
  const queued = items.filter((i) => i.op === "visit" && i.state === "waiting" && shanghaiDay(i.body.visited_at) === day)
    .map((i) => i.body);
  const pending = new Set(items.filter((i) => i.op === "need-case").map((i) => `${i.target}:${i.need}`));
  const ids = new Set(stored.map((v) => v.id));
  const all = [...stored, ...queued.filter((v) => !ids.has(v.id))]
    .sort((a, b) => String(a.visited_at).localeCompare(String(b.visited_at)));
  const note = document.querySelector("#sheet .diary-offline");
  if (note) note.hidden = !offline;
  list.replaceChildren(...(all.length ? all.map((v) => visitCard(v, !ids.has(v.id), pending))
    : [h("li", { class: "empty" }, t("diary_empty"))]));
  const count = document.querySelector("#sheet .diary-count");
  if (count) count.textContent = t("diary_count", { n: all.length });
}

async function load() {
  try {
    const got = await api(`/visits?user=${encodeURIComponent(app.me.username)}&day=${day}`);
    stored = Array.isArray(got) ? got : got?.visits || [];
    offline = false;
  } catch (e) {
    stored = [];
    offline = e instanceof NetworkError;
    if (!offline) toast(e.message, "error");
  }
  render();
}

/** The 民情日志 of `forDay` (YYYY-MM-DD, default today in Shanghai). */
export function openDiary(forDay = null) {
  day = forDay || day || shanghaiDay();
  const picker = h("input", { type: "date", name: "day", value: day, max: shanghaiDay() });
  picker.addEventListener("change", () => { if (picker.value) { day = picker.value; load(); } });
  openSheet(t("diary"), [
    field("diary_day", picker),
    h("p", { class: "diary-count", role: "status" }),
    h("p", { class: "offline-note diary-offline", hidden: true }, t("diary_offline")),
    h("ul", { class: "diary-list" }),
  ], { name: "diary", rerender: () => openDiary(day) });
  render();
  load();
}

for (const ev of ["queue-changed", "item-sent"]) {
  window.addEventListener(ev, (e) => {
    if (sheetName() !== "diary") return;
    if (ev === "item-sent" && ["visit", "need-case"].includes(e.detail.item.op)) load();
    else render();
  });
}
