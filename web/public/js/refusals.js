// A server refusal in the officer's language: each error entry `{loc, msg, type}` of the contract
// (api/errors.py) is matched by its text, else by its type, and named by the field it is about.
// Used by the outbox panel and its edit form (outbox.js).
import { t } from "./i18n.js";

// Messages of the API (api/errors.py and its callers) recognised by their text: [pattern, key].
const KNOWN_MESSAGES = [
  [/outside your cells/i, "refusal_cell_not_yours"],
  [/is read-only/i, "refusal_read_only"],
  [/^no such (place|building)/i, "refusal_no_such_target"],
  [/^no record /i, "refusal_record_gone"],
  [/^no place /i, "refusal_place_gone"],
  [/is in the future/i, "refusal_future"],
  [/is before 2000/i, "refusal_too_old"],
  [/^unknown \w+ category/i, "refusal_unknown_category"],
  [/^photo larger than/i, "refusal_photo_too_large"],
  [/^not a JPEG/i, "refusal_photo_type"],
  [/^empty file/i, "refusal_photo_empty"],
  [/surrogate|nested deeper than/i, "refusal_bad_text"],
  [/\bNUL\b/, "refusal_bad_text"],
  [/characters as JSON/i, "refusal_too_large"],
  [/^a track needs at least/i, "refusal_track_short"],
  [/^track times must not go backwards/i, "refusal_track_order"],
  [/^only .* carry a track/i, "refusal_track_kind"],
  [/takes no receiver|leads no cell of community|not on a roster of community|unknown department/i, "refusal_receiver"],
  [/needs a reason in the note/i, "reason_needed"],
  [/^cannot '.*' a case that is/i, "refusal_transition"],
  [/may not '.*' a case/i, "refusal_forbidden"],
  [/^stale version|has changed since/i, "refusal_stale"],
  [/^give exactly one of household_id/i, "refusal_one_target"],
  [/^unknown purpose/i, "refusal_unknown_purpose"],
  [/^no such (household|person)$|lies in no cell/i, "refusal_visit_target"],
  [/listed twice/i, "refusal_listed_twice"],
  [/^only a need marked follow_up/i, "refusal_need_not_follow_up"],
  [/^no (visit|need) /i, "refusal_visit_gone"],
];
// Error types (our `type`, then pydantic's) when the text itself is not known.
const KNOWN_TYPES = {
  forbidden: "refusal_forbidden", not_found: "refusal_not_found", outside_cells: "refusal_outside_cells",
  too_large: "refusal_too_large", unsupported_media: "refusal_photo_type", transition: "refusal_transition",
  photo_missing: "refusal_photo_missing", missing: "required", string_too_long: "refusal_too_long",
  string_too_short: "refusal_too_short", enum: "refusal_bad_choice", literal_error: "refusal_bad_choice",
  greater_than: "refusal_out_of_range", greater_than_equal: "refusal_out_of_range",
  less_than: "refusal_out_of_range", less_than_equal: "refusal_out_of_range",
  finite_number: "refusal_bad_number", float_parsing: "refusal_bad_number", float_type: "refusal_bad_number",
  int_parsing: "refusal_bad_number", int_type: "refusal_bad_number",
  datetime_parsing: "refusal_bad_time", datetime_type: "refusal_bad_time", datetime_from_date_parsing: "refusal_bad_time",
  timezone_aware: "refusal_bad_time", too_long: "refusal_too_long",
};
// The request fields the officer knows by a label (UI string keys).
export const FIELD_LABELS = { category: "category", priority: "priority", description: "description",
  occurred_at: "occurred_at", name: "place_name", address: "address", risk_level: "risk_level",
  parties: "parties", photos: "photos", file: "photos", lon: "position", lat: "position",
  note: "action_note", checkins: "checkins", track: "route", receiver: "receiver",
  purpose: "visit_purpose", visited_at: "visited_at", notes: "visit_notes", needs: "needs_raised",
  person_ids: "visit_met", household_id: "household", building_id: "building", place_id: "place" };

/** The request field an error entry is about (the first labelled name in its `loc`), or null. */
export const fieldOf = (loc) => (Array.isArray(loc) ? loc.find((p) => typeof p === "string" && FIELD_LABELS[p]) : null) || null;

/** One error entry `{loc, msg, type}` as the officer reads it, or null when it is not known. */
export function knownText(entry) {
  const msg = String(entry?.msg ?? "");
  for (const [re, key] of KNOWN_MESSAGES) {
    const m = msg.match(re);
    if (m) return t(key, { cell: (msg.match(/cell (\d+)/) || [])[1] || "?" });
  }
  const key = KNOWN_TYPES[entry?.type];
  return key ? t(key) : null;
}

/** The entries of an item's stored error body (a list, or one string). */
export function entriesOf(item) {
  const d = item.detail;
  if (Array.isArray(d)) return d.filter((e) => e && typeof e === "object");
  if (typeof d === "string" && d) return [{ loc: [], msg: d, type: "" }];
  return item.error ? [{ loc: [], msg: item.error, type: "" }] : [];
}

/** The reasons of a refusal, one line per error entry, each "field: reason" where known. */
export function refusalLines(item) {
  const lines = entriesOf(item).map((e) => {
    const text = knownText(e) || e.msg || "";
    const f = fieldOf(e.loc);
    return f ? t("field_msg", { field: t(FIELD_LABELS[f]), msg: text }) : text;
  }).filter(Boolean);
  return lines.length ? lines : [t("refusal_other", { status: item.status ?? "?" })];
}

