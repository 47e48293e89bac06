// Kind-specific place attributes, built from /meta `place_attrs` (grid/domain/catalog.py PLACE_ATTRS):
// each field has a code, zh/en labels, a type (text, int, number, date, enum, bool, persons,
// photos), enum options, limits and whether it is required. Nothing about attributes is listed
// here: the create and edit forms make their inputs from those descriptions.
import { app } from "./state.js";
import { t, term } from "./i18n.js";
import { h, select } from "./ui.js";
import { find } from "./meta.js";

// Types the officer does not type in: photos come from the photo picker.
const NOT_ON_FORM = new Set(["photos"]);
const BOOL_OPTIONS = () => [{ code: "true", zh: t("yes"), en: t("yes") }, { code: "false", zh: t("no"), en: t("no") }];
const ID_NUMBER = /^[0-9]{15}([0-9]{2}[0-9Xx])?$/;

/** The attribute fields of a place kind shown on its forms (the common note and photos apart). */
export const attrsOf = (kind) => (app.meta?.placeAttrs?.[kind] || []).filter((f) => !NOT_ON_FORM.has(f.type));

/** A common attribute (note, photos) by code. */
export const commonAttr = (code) => find(app.meta?.commonAttrs || [], code);

/** Tenants as typed: one person a line, "name phone id-number" (phone and ID number optional). */
function personsText(list) {
  return (list || []).map((p) => [p.name, p.phone, p.id_number].filter(Boolean).join(" ")).join("\n");
}

function parsePersons(text) {
  return text.split("\n").map((s) => s.trim()).filter(Boolean).map((line) => {
    const [name, ...rest] = line.split(/\s+/);
    const p = { name };
    for (const tok of rest) {
      if (ID_NUMBER.test(tok) && !p.id_number) p.id_number = tok.toUpperCase();
      else if (!p.phone) p.phone = tok;
    }
    return p;
  });
}

/** The input for attribute field `f` (from /meta), filled with `value` when given. */
export function attrControl(f, value) {
  const name = f.code;
  const v = value == null ? "" : String(value);
  if (f.type === "int" || f.type === "number") {
    return h("input", { type: "number", name, min: f.min ?? undefined, max: f.max ?? undefined,
      step: f.type === "int" ? 1 : "any", inputmode: f.type === "int" ? "numeric" : "decimal", value: v });
  }
  if (f.type === "date") return h("input", { type: "date", name, value: v });
  if (f.type === "enum") return select(name, f.options, term, { value: v });
  if (f.type === "bool") return select(name, BOOL_OPTIONS(), term, { value: v });
  if (f.type === "persons") {
    const el = h("textarea", { name, rows: 3, placeholder: t("persons_hint") });
    el.value = personsText(value);
    return el;
  }
  return h("input", { type: "text", name, maxlength: f.max_length || 200, value: v });
}

/** An attribute value as shown to a person (enum options and yes/no by their labels). */
export function attrText(f, value) {
  if (value == null || value === "") return "";
  if (f?.type === "enum") return term(find(f.options, value)) || String(value);
  if (f?.type === "bool") return value ? t("yes") : t("no");
  if (f?.type === "persons") return (value || []).map((p) => p.name).join("、");
  return String(value);
}

/** The value of one input as the API takes it, or an error message. */
function readOne(f, raw) {
  if (f.type === "int" || f.type === "number") {
    const n = Number(raw);
    if (!Number.isFinite(n) || (f.type === "int" && !Number.isInteger(n))) {
      return { err: t(f.type === "int" ? "whole_number" : "a_number") };
    }
    if ((f.min != null && n < f.min) || (f.max != null && n > f.max)) {
      return { err: t("number_range", { min: f.min ?? "", max: f.max ?? "" }) };
    }
    return { value: n };
  }
  if (f.type === "bool") return { value: raw === "true" };
  if (f.type === "persons") return { value: parsePersons(raw) };
  return { value: raw };
}

/** Read and check the attribute inputs [{f, el}]: returns {values, errors: [[el, message]]}. */
export function readAttrs(inputs) {
  const values = {};
  const errors = [];
  for (const { f, el } of inputs) {
    const raw = el.value.trim();
    let err = "";
    if (!raw) {
      if (f.required) err = t("required");
    } else {
      const r = readOne(f, raw);
      if (r.err) err = r.err;
      else values[f.code] = r.value;
    }
    errors.push([el, err]);
  }
  return { values, errors };
}
