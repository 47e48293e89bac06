// Visit figures in the analytics views (issue 12): the street office's KPI table gains visit
// coverage, the on-time visit rate, 帮教率 and 重新犯罪率 per cell, officer or community (GET
// /stats/visits, with the policy targets it serves), and the police view shows the due and
// overdue visits per cell (GET /visits/due: counts only where the access rule hides identities).
import { api } from "../api.js";
import { h } from "../dom.js";
import { getLang as lang, t } from "../i18n.js";
import { $ } from "./shared.js";

// The street table's grouping -> the grouping of /stats/visits (a leader is the cell's officer).
const BY = { cell: "cell", leader: "officer", community: "community" };
// The columns added to the table: [column of /stats/visits, UI string key].
export const VISIT_COLUMNS = [
  ["visit_coverage", "an_visit_coverage"],
  ["on_time_rate", "an_on_time_visits"],
  ["helped_rate", "an_helped_rate"],
  ["reoffence_rate", "an_reoffence_rate"],
];

/** A target as the header says it: "≥ 100%" / "≤ 4%". */
const targetText = (g) => (g.least != null ? `≥ ${Math.round(g.least * 100)}%` : g.most != null ? `≤ ${Math.round(g.most * 100)}%` : "");

/** Whether `v` misses target `g` ({least?, most?}); false when there is no value or target. */
export function misses(g, v) {
  if (!g || v === null || v === undefined) return false;
  return (g.least != null && v < g.least) || (g.most != null && v > g.most);
}

/** The targets of the answer keyed by the column they are on ({code, least, most} or a map). */
function targetsOf(stats) {
  const list = Array.isArray(stats.targets) ? stats.targets
    : Object.entries(stats.targets || {}).map(([code, v]) => ({ code, ...v }));
  return Object.fromEntries(list.map((g) => [g.code, g]));
}

/** The visit figures of the street table's period and grouping (GET /stats/visits), or the error. */
export async function visitStats({ by, from, to }) {
  const p = new URLSearchParams({ by: BY[by] || "cell" });
  if (from) p.set("from", from);
  if (to) p.set("to", to);
  try {
    return await api(`/stats/visits?${p}`);
  } catch (e) {
    return { error: e };
  }
}

/**
 * The KPI table `data` (/analytics/table) with the visit columns of `stats` (visitStats) added to
 * each row and their targets in `data.targets`; the table unchanged (and the error in
 * `data.visitsError`) when the visit figures could not be read.
 */
export function withVisits(data, stats) {
  if (stats.error) return { ...data, visitsError: stats.error };
  const rows = Array.isArray(stats) ? stats : stats.rows || [];
  const byKey = new Map(rows.map((r) => [String(r.key), r]));
  const targets = targetsOf(stats);
  const key = data.columns[0];
  const labels = { ...data.labels };
  for (const [col, labelKey] of VISIT_COLUMNS) {
    const goal = targets[col] ? t("an_target_fmt", { target: targetText(targets[col]) }) : "";
    labels[col] = { zh: "", en: "", [lang()]: `${t(labelKey)}${goal}` };
  }
  return {
    ...data,
    columns: [...data.columns, ...VISIT_COLUMNS.map(([c]) => c)],
    labels,
    targets,
    rows: data.rows.map((r) => {
      const s = byKey.get(String(r[key])) || {};
      return { ...r, ...Object.fromEntries(VISIT_COLUMNS.map(([c]) => [c, s[c] ?? null])) };
    }),
  };
}

/** Due and overdue visits per cell with any, from the due list (the per-cell counts the server
 * gives, else its items), most overdue first. */
export function dueByCell(body) {
  const out = new Map();
  const add = (cell, state, n = 1) => {
    if (!out.has(cell)) out.set(cell, { overdue: 0, due: 0 });
    if (state in out.get(cell)) out.get(cell)[state] += n;
  };
  const perCell = body.cells || body.by_cell || body.counts?.cells;
  if (Array.isArray(perCell)) perCell.forEach((c) => { add(c.cell_code, "overdue", c.overdue || 0); add(c.cell_code, "due", c.due || 0); });
  else (body.items || []).forEach((i) => add(i.cell_code || "—", i.state));
  return [...out.entries()].filter(([, c]) => c.overdue + c.due > 0).sort((a, b) => b[1].overdue - a[1].overdue || String(a[0]).localeCompare(String(b[0])));
}

/** The police panel's table of due and overdue visits per cell (best effort: a note on failure). */
export async function duePanel(current = () => true) {
  const box = h("section", { id: "due-cells", class: "due-cells" }, h("h3", {}, t("an_due_title")));
  try {
    const rows = dueByCell(await api("/visits/due?within_days=6"));
    box.append(rows.length ? h("table", { class: "due-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("an_cell")), h("th", { scope: "col" }, t("an_due_overdue")),
        h("th", { scope: "col" }, t("an_due_week")))),
      h("tbody", {}, rows.map(([cell, c]) => h("tr", { dataset: { cell } },
        h("th", { scope: "row" }, cell), h("td", { class: c.overdue ? "miss" : null }, String(c.overdue)), h("td", {}, String(c.due))))))
      : h("p", {}, t("an_due_none")));
  } catch {
    box.append(h("p", { class: "err" }, t("an_due_unavailable")));
  }
  if (current()) $("panel").prepend(box); // above the charts: what the police act on first
}
