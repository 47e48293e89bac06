// Edits as changes: an outbox edit item keeps what the officer saw (`base`), what they changed
// (`changes`, and `attrChanges` for place attributes, null = cleared) and the PATCH body built
// from them at the version they saw. On a 409 the same changes can be put on the current version.
//   op "patch"       PATCH /records/{target}   current = the record JSON
//   op "patch-place" PATCH /places/{target}    current = the place Feature

export const RECORD_FIELDS = ["category", "priority", "description"];
export const PLACE_FIELDS = ["name", "address", "risk_level"];

const same = (a, b) => (a ?? "") === (b ?? "") || JSON.stringify(a) === JSON.stringify(b);

/** The editable values of a record or a place (Feature or its properties). */
export function valuesOf(op, obj) {
  if (!obj) return null;
  if (op === "patch-place") {
    const p = obj.properties || obj;
    return { name: p.name, address: p.address, risk_level: p.risk_level, attrs: { ...(p.attrs || {}) }, version: p.version };
  }
  return { category: obj.category, priority: obj.priority, description: obj.description, version: obj.version };
}

/**
 * {changes, attrChanges} between what was seen and what the form holds (`edited.attrKeys` names
 * the attributes on the form); empty objects when nothing changed.
 */
export function diff(op, seen, edited) {
  const fields = op === "patch-place" ? PLACE_FIELDS : RECORD_FIELDS;
  const changes = {};
  for (const f of fields) if (f in edited && !same(seen[f], edited[f])) changes[f] = edited[f];
  const attrChanges = {};
  if (op === "patch-place") {
    const before = seen.attrs || {};
    const after = edited.attrs || {};
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (!edited.attrKeys?.includes(k)) continue; // not on the form (photos, note): kept as is
      if (!same(before[k], after[k])) attrChanges[k] = after[k] ?? null;
    }
  }
  return { changes, attrChanges };
}

/** The attributes with `attrChanges` applied (null removes one). */
export function mergeAttrs(attrs, attrChanges) {
  const out = { ...(attrs || {}) };
  for (const [k, v] of Object.entries(attrChanges || {})) {
    if (v === null || v === "") delete out[k]; else out[k] = v;
  }
  return out;
}

/** The PATCH body putting the item's changes on `on` (the values it is based on, with version). */
export function patchBody(item, on) {
  const body = { version: on.version, ...item.changes };
  if (item.op === "patch-place" && Object.keys(item.attrChanges || {}).length) {
    body.attrs = mergeAttrs(on.attrs, item.attrChanges);
  }
  return body;
}

/** Whether `current` already holds every change of the item (e.g. our own PATCH whose answer was lost). */
export function alreadyApplied(item, current) {
  const now = valuesOf(item.op, current);
  if (!now) return false;
  const plain = Object.entries(item.changes || {}).every(([k, v]) => same(now[k], v));
  const attrs = Object.entries(item.attrChanges || {}).every(([k, v]) => same(now.attrs?.[k] ?? null, v));
  return plain && attrs;
}

/** The version number of a stored record (JSON) or place (Feature). */
export const versionOf = (stored) => stored?.version ?? stored?.properties?.version ?? null;
