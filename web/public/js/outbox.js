// The waiting-items indicator and panel: how many records wait to be sent, and what came back as
// a conflict (someone else changed the case first) or was refused, so nothing is lost silently.
import { t, term, formatTime } from "./i18n.js";
import { h, openSheet, sheetName, toast } from "./ui.js";
import { app } from "./state.js";
import { find } from "./meta.js";
import * as queue from "./queue.js";
import { syncNow } from "./sync.js";
import { conflictView, reapply, discard, isEdit } from "./edits.js";

export async function refreshIndicator() {
  const s = await queue.summary();
  const btn = document.getElementById("sync-btn");
  document.getElementById("queue-count").textContent = String(s.total);
  btn.dataset.state = s.conflict || s.rejected ? "problem" : s.waiting ? "waiting" : "clear";
  btn.dataset.online = String(navigator.onLine);
  document.getElementById("net-state").textContent = navigator.onLine ? t("online") : t("offline");
  if (sheetName() === "outbox") renderPanel();
}

function conflictText(item) {
  const cur = item.current;
  if (!cur) return item.error || "";
  const status = find(app.meta.statuses, cur.status);
  return t("conflict_now", { status: term(status) || cur.status || "?", version: cur.version ?? "?" });
}

function itemRow(item) {
  const actions = [];
  if (item.state !== "waiting") {
    if (item.state === "conflict" && isEdit(item) && item.current) {
      actions.push(h("button", { type: "button", class: "big primary", dataset: { do: "reapply" },
        onclick: () => reapply(item) }, t("apply_mine_on_current")));
    } else if (item.state === "conflict" && item.current?.version != null && "version" in item.body) {
      actions.push(h("button", { type: "button", class: "big", dataset: { do: "reapply" }, onclick: async () => {
        item.body = { ...item.body, version: item.current.version };
        Object.assign(item, { state: "waiting", error: null, current: null });
        await queue.update(item);
        syncNow();
      } }, t("apply_on_current")));
    } else {
      actions.push(h("button", { type: "button", class: "big", dataset: { do: "retry" }, onclick: async () => {
        Object.assign(item, { state: "waiting", error: null });
        await queue.update(item);
        syncNow();
      } }, t("retry")));
    }
    actions.push(h("button", { type: "button", class: "big secondary", dataset: { do: "discard" }, onclick: async () => {
      if (!confirm(t("discard_confirm"))) return;
      if (isEdit(item)) await discard(item); else await queue.remove(item);
    } }, t("discard_mine")));
  }
  return h("li", { class: `outbox-item ${item.state}`, dataset: { id: item.id, state: item.state } },
    h("div", { class: "case-head" },
      h("span", {}, item.label || item.op),
      h("span", { class: `badge ${item.state}` }, t(`state_${item.state}`))),
    h("div", { class: "case-meta" },
      h("span", {}, formatTime(item.created)),
      item.photos.length ? h("span", {}, t("photos_n", { n: item.photos.length })) : null),
    item.state === "conflict" && isEdit(item) ? h("p", { class: "conflict-text", role: "alert" }, t("conflict_edit_explain")) : null,
    item.state === "conflict" && isEdit(item) ? conflictView(item) : null,
    item.state === "conflict" && !isEdit(item) ? h("p", { class: "conflict-text", role: "alert" }, t("conflict_explain"), " ", conflictText(item)) : null,
    item.state === "rejected" ? h("p", { class: "error-text", role: "alert" }, item.error) : null,
    actions.length ? h("div", { class: "case-actions" }, actions) : null);
}

async function renderPanel() {
  const list = document.querySelector("#sheet .outbox-list");
  if (!list) return;
  const items = await queue.items();
  list.replaceChildren(...(items.length ? items.map(itemRow) : [h("li", { class: "empty" }, t("nothing_waiting"))]));
}

export function openOutbox() {
  openSheet(t("outbox"), [
    h("p", { class: "hint" }, navigator.onLine ? t("outbox_online") : t("outbox_offline")),
    h("button", { type: "button", class: "big primary", onclick: async () => {
      await syncNow();
      const s = await queue.summary();
      toast(s.waiting ? t("still_waiting", { n: s.waiting }) : t("all_sent"), s.waiting ? "info" : "ok");
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
  toast(item.state === "conflict" ? t("conflict_toast") : t("rejected_toast", { msg: item.error }), "error", 8000);
});
