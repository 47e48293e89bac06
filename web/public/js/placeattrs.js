// Kind-specific place attributes (DESIGN §3) and how they are entered and shown. /meta does not
// describe attributes yet, so the list lives here, in one place for the create and edit forms;
// labels are in lang/*.js (attr_<name>), hazard categories come from /meta.
import { app } from "./state.js";
import { term } from "./i18n.js";
import { h, select } from "./ui.js";
import { find } from "./meta.js";

export const PLACE_ATTRS = {
  rental: [["landlord", "text"], ["tenant_count", "int"], ["floating_population", "int"]],
  internet_cafe: [["licence_no", "text"], ["seats", "int"]],
  hazard: [["category", "hazard_category"], ["rectification_deadline", "date"]],
};

export const attrsOf = (kind) => PLACE_ATTRS[kind] || [];

/** The input for one attribute, filled with `value` when given. */
export function attrControl(name, type, value) {
  const v = value == null ? "" : String(value);
  if (type === "int") return h("input", { type: "number", name, min: 0, step: 1, inputmode: "numeric", value: v });
  if (type === "date") return h("input", { type: "date", name, value: v });
  if (type === "hazard_category") return select(name, app.meta.hazardCategories, term, { value: v });
  return h("input", { type: "text", name, maxlength: 200, value: v });
}

/** An attribute value as shown to a person (hazard categories by their label). */
export function attrText(type, value) {
  if (value == null || value === "") return "";
  if (type === "hazard_category") return term(find(app.meta.hazardCategories, value)) || String(value);
  return String(value);
}

/**
 * Read and check the attribute inputs [{n, type, el}]: returns {values, errors: [[el, message]]}.
 * `messages` gives {required, wholeNumber} texts.
 */
export function readAttrs(inputs, messages) {
  const values = {};
  const errors = [];
  for (const a of inputs) {
    const v = a.el.value.trim();
    let err = "";
    if (a.type === "hazard_category" && !v) err = messages.required;
    if (a.type === "int" && v && !(Number.isInteger(+v) && +v >= 0)) err = messages.wholeNumber;
    errors.push([a.el, err]);
    if (v) values[a.n] = a.type === "int" ? +v : v;
  }
  return { values, errors };
}
