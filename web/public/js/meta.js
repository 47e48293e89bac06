// The vocabulary from GET /api/v1/meta (grid/domain/catalog.py, grid/domain/caseflow.py), read into one shape.
// Nothing here lists kinds, categories or statuses: they all come from the server.
import { api } from "./api.js";

/** A term {code, zh, en, ...rest} from a server item ({code, zh, en} or {code, labels: {zh, en}}). */
function toTerm(item, code) {
  if (typeof item === "string") return { code: code ?? item, zh: item, en: item };
  const labels = item.labels || item.label || {};
  return {
    ...item,
    code: item.code ?? item.value ?? item.action ?? code,
    zh: item.zh ?? item.label_zh ?? labels.zh ?? (typeof item.label === "string" ? item.label : undefined),
    en: item.en ?? item.label_en ?? labels.en,
  };
}

/** A list of terms from an array of items or a {code: item} mapping. */
export function terms(x) {
  if (!x) return [];
  if (Array.isArray(x)) return x.map((i) => toTerm(i));
  return Object.entries(x).map(([code, v]) => toTerm(v, code));
}

/** Normalise the /meta body into {recordKinds, placeKinds, categories, ...}. */
export function readMeta(m) {
  const categories = {};
  for (const [kind, list] of Object.entries(m.categories || {})) categories[kind] = terms(list);
  const priorities = terms(m.priorities).map((p) => ({
    ...p, hours: p.hours ?? p.deadline_hours ?? m.deadline_hours?.[p.code],
  }));
  const transitions = terms(m.transitions).map((tr) => ({
    ...tr,
    action: tr.action ?? tr.code,
    source: tr.source ?? tr.from,
    target: tr.target ?? tr.to,
    roles: tr.roles || [],
  }));
  const attrField = (f) => ({ ...toTerm(f), options: terms(f.options) });
  const placeAttrs = {};
  for (const [kind, list] of Object.entries(m.place_attrs || {})) placeAttrs[kind] = list.map(attrField);
  return {
    recordKinds: terms(m.record_kinds),
    placeKinds: terms(m.place_kinds),
    categories,
    hazardCategories: terms(m.hazard_categories),
    placeAttrs,
    commonAttrs: (m.common_attrs || []).map(attrField),
    riskLevels: terms(m.risk_levels),
    priorities,
    statuses: terms(m.statuses),
    transitions,
    tiles: m.tiles || { url: "" },
    // each cell's duty roster (issue 12): its roles and the departments a case may go to
    roster: { roles: terms(m.roster?.roles), departments: terms(m.roster?.departments) },
    raw: m,
  };
}

export async function loadMeta() {
  return readMeta(await api("/meta"));
}

export const find = (list, code) => list.find((x) => x.code === code);

// Record kinds carry their rule from /meta (grid/domain/catalog.py RECORD_KIND_RULES): case_loop,
// priority, track, checkins, parties. The app asks these instead of naming kinds.

/** The rule of record kind `code` (its /meta term with the flags); an empty rule when unknown. */
export const kindRule = (meta, code) => find(meta.recordKinds, code) || {};

/** The kind a patrol is sent as: the one whose rule carries a track (null when there is none). */
export const patrolKind = (meta) => meta.recordKinds.find((k) => k.track) || null;

/** The kinds recorded with the point form at a tapped place: those that carry no track. */
export const pointKinds = (meta) => meta.recordKinds.filter((k) => !k.track);

/** Actions a user with `role` may take on a case in `status` (from the case-loop table). */
export const actionsFor = (meta, status, role) =>
  meta.transitions.filter((tr) => tr.source === status && tr.roles.includes(role));

// Visits and key groups (issue 12): the purposes of a visit (/meta `visits`) and the key groups
// with their visit rule (/meta `register.key_groups`), read in whichever shape the server gives.

/** The visit purposes ({code, zh, en, ...}) from /meta `visits` (a list, or {purposes: [...]}). */
export function visitPurposes(meta) {
  const v = meta.raw.visits;
  return terms(Array.isArray(v) ? v : v?.purposes);
}

/**
 * Codes of the purposes whose visit to a household closes the due items of every tagged member
 * living there, whoever was met (/meta `household_closes`; grid/register/visits.py).
 */
export const householdClosing = (meta) => new Set(visitPurposes(meta).filter((p) => p.household_closes).map((p) => p.code));

/** The purpose a visit opened from a due item starts with: the first that closes a household's. */
export function keyGroupPurpose(meta) {
  const list = visitPurposes(meta);
  return (list.find((p) => p.household_closes) || list[0] || {}).code || "";
}

/** The key groups of the register ({code, zh, en, visit_every_days, ...}). */
export const keyGroups = (meta) => terms(meta.raw.register?.key_groups || meta.raw.key_groups);
