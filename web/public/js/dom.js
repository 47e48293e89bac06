// Building DOM from data without HTML parsing: every string becomes a text node, so a name,
// description or code from the server (typed by any user) is shown literally and never run.
// innerHTML, insertAdjacentHTML and Leaflet string tooltips/popups/divIcons are not used with data;
// Leaflet takes the elements made here instead.

/** h("button", {class: "big", onclick}, "text", child) -> element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    // a null or undefined data value is left out (assigned, it would read as the text "null")
    else if (k === "dataset") for (const [d, x] of Object.entries(v)) { if (x != null) el.dataset[d] = x; }
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Plain text as an element, for Leaflet's bindTooltip/bindPopup (a string there is HTML). */
export const textTip = (text) => h("span", {}, text);
