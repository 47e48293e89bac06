// A record as the analytics views show it: a card with its kind and category, time, cell (and
// vertical cell), photos fetched with the sign-in token, and a link to open it in full. Shared by
// the police view's drill-down, the street view and the stack panel (stacks.js).
import { token } from "../api.js";
import { h } from "../dom.js";
import { formatTime, t, term } from "../i18n.js";

export const kindOf = (state, code) => state.meta.record_kinds.find((k) => k.code === code);
export const catOf = (state, kind, code) => (state.meta.categories[kind] || []).find((c) => c.code === code);

/** A record's photo, fetched with the sign-in token (an <img src> cannot send it). */
function photo(sha) {
  const img = h("img", { class: "rec-photo", alt: t("an_photo"), width: 96, height: 72 });
  fetch(`/api/v1/photos/${sha}`, { headers: { Authorization: `Bearer ${token.get()}` } })
    .then((r) => (r.ok ? r.blob() : null))
    .then((b) => { if (b) img.src = URL.createObjectURL(b); });
  return img;
}

/** A record as a card: kind and category, time, cell (and vertical cell), photos, a link. */
export function recordCard(state, r) {
  const kind = kindOf(state, r.kind);
  const status = (state.meta.statuses || []).find((s) => s.code === r.status);
  return h("article", { class: "rec", dataset: { id: r.id } },
    h("h4", {}, `${term(kind)} · ${term(catOf(state, r.kind, r.category))}`),
    h("p", { class: "rec-meta" }, `${formatTime(r.occurred_at)} · ${t("an_cell")} ${r.cell_code || "—"}`,
      r.vertical_code ? ` · ${t("an_vertical")} ${r.vertical_code}` : "",
      status ? ` · ${term(status)}` : ""),
    r.description ? h("p", {}, r.description) : null,
    r.photos.length ? h("div", { class: "rec-photos" }, r.photos.map(photo)) : null,
    h("a", { href: `#record=${r.id}`, class: "rec-link" }, t("an_open_record")));
}
