// The floor picker of the record form in a building cut into vertical cells (楼栋网格): the
// cell's stack (GET /cells/{code}/stack) as one button per vertical cell, with its units, floors
// and records; a tap fills the floor and unit fields with the cell's first floor and unit, and
// the cell holding what is typed is shown pressed. The server still decides the vertical cell
// from the floor and unit sent (grid.partition.vertical.holding); offline the fields alone stay.
import { t } from "./i18n.js";
import { h } from "./ui.js";
import { api } from "./api.js";

const range = (key, a, b) => (a == null ? "" : a === b ? t(`${key}_one`, { a }) : t(key, { a, b }));

/** A vertical cell's units and floors in words. */
export function spanText(v) {
  return [range("units_range", v.unit_from, v.unit_to), range("floors_range", v.floor_from, v.floor_to)]
    .filter(Boolean).join(" ") || t("stack_whole");
}

/** Whether vertical cell ``v`` holds ``unit`` and ``floor`` (an unknown bound holds any). */
const holds = (v, unit, floor) => [[unit, v.unit_from, v.unit_to], [floor, v.floor_from, v.floor_to]]
  .every(([x, lo, hi]) => x == null || ((lo == null || x >= lo) && (hi == null || x <= hi)));

/** The picker for ``cell`` over the form's ``floor`` and ``unit`` inputs: hidden until the cell
 * turns out to have a stack. */
export function stackPicker(cell, floor, unit) {
  const box = h("div", { class: "stack-pick", id: "stack-pick", hidden: true });
  const code = cell.own?.properties.code;
  if (!code) return box;
  const num = (input) => (input.value === "" ? null : Number(input.value));
  let buttons = [];
  const mark = () => buttons.forEach(([b, v]) => b.setAttribute("aria-pressed",
    String((num(floor) != null || num(unit) != null) && holds(v, num(unit), num(floor)))));
  api(`/cells/${code}/stack`).then((rows) => {
    if (!Array.isArray(rows) || !rows.length) return;
    buttons = rows.map((v) => [h("button", { type: "button", class: "big alt stack-cell", dataset: { vertical: v.code },
      "aria-pressed": "false",
      onclick: () => {
        if (v.floor_from != null) floor.value = String(v.floor_from);
        if (v.unit_from != null) unit.value = String(v.unit_from);
        mark();
      } }, t("stack_cell", { code: `-${v.code.slice(-2)}`, span: spanText(v), n: v.records })), v]);
    box.replaceChildren(h("p", { class: "hint" }, t("stack_line", { n: rows.length }), t("stack_pick")),
      h("div", { class: "stack-cells" }, buttons.map(([b]) => b)));
    box.hidden = false;
    mark();
  }).catch(() => {}); // offline or refused: the floor and unit fields still go with the record
  floor.addEventListener("input", mark);
  unit.addEventListener("input", mark);
  return box;
}

/** A register's unit or floor as the record's whole number, or null when it is not one
 * (the register keeps them as text: "B1", "3A"). */
export const wholeNumber = (text) => (/^-?\d+$/.test(String(text ?? "").trim()) ? Number(text) : null);
