// The ticket page: where a resident's report stands, its photos and steps, and the rating once
// it is closed. Shows only what the resident sent and the dates of each step.
import { t, term, formatTime, onLangChange } from "../i18n.js";
import { h } from "../dom.js";
import { ApiError } from "../api.js";
import { call } from "./net.js";

const $ = (id) => document.getElementById(id);

function facts(meta, tk) {
  const cats = meta.cases.residents.categories;
  const status = meta.statuses.find((s) => s.code === tk.status);
  const rows = [
    [t("report_category"), term(cats.find((c) => c.code === tk.category)) || tk.category],
    [t("report_status"), h("span", { class: `state-${tk.state}` }, term(status) || tk.status)],
    [t("report_filed"), formatTime(tk.created_at)],
  ];
  if (tk.closed_at) rows.push([t("report_closed"), formatTime(tk.closed_at)]);
  if (tk.description) rows.push([t("report_description"), tk.description]);
  return rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]);
}

let shown = null; // the ticket on screen, re-rendered when the language changes

function render(meta, tk) {
  shown = tk;
  $("ticket-no").textContent = tk.ticket;
  $("ticket-facts").replaceChildren(...facts(meta, tk));
  $("ticket-photos").replaceChildren(
    ...tk.photos.map((sha) => h("img", {
      src: `/api/v1/public/reports/${encodeURIComponent(tk.ticket)}/photos/${sha}`,
      alt: t("report_photo"),
    })),
  );
  $("ticket-history").replaceChildren(
    h("li", {}, `${formatTime(tk.created_at)} ${t("report_step_filed")}`),
    ...tk.history.map((s) => h("li", {}, `${formatTime(s.at)} ${term(meta.statuses.find((x) => x.code === s.status)) || s.status}`)),
  );
  const ratings = meta.cases.residents.ratings;
  $("rate").hidden = !tk.can_rate;
  $("rate-buttons").replaceChildren(
    ...ratings.map((r) => h("button", {
      type: "button",
      class: "secondary",
      dataset: { rating: r.code },
      onclick: () => rate(meta, tk.ticket, r.code),
    }, term(r))),
  );
  $("rated").hidden = !tk.rating;
  if (tk.rating) $("rated").textContent = t("report_rated", { rating: term(ratings.find((r) => r.code === tk.rating)) });
}

async function rate(meta, ticket, rating) {
  try {
    render(meta, await call(`/public/reports/${encodeURIComponent(ticket)}/rating`, { method: "POST", json: { rating } }));
  } catch (e) {
    showError(e);
  }
}

function showError(e) {
  const el = $("ticket-error");
  el.hidden = false;
  el.textContent = e instanceof ApiError && e.status === 404 ? t("report_no_ticket") : `${t("report_failed")} ${e.message}`;
}

/** Show the ticket view for `ticket`. */
export async function showTicket(meta, ticket) {
  $("ticket-view").hidden = false;
  try {
    render(meta, await call(`/public/reports/${encodeURIComponent(ticket)}`));
    onLangChange(() => render(meta, shown));
  } catch (e) {
    showError(e);
  }
}
