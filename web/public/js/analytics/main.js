// The analytics page: sign-in (shared token with the app), the three views and their filters.
// Strings and the language choice are the app's (../i18n.js, lang/*.js keys an_*).
import { api, login, token } from "../api.js";
import { applyDom, getLang, onLangChange, setLang, t, term } from "../i18n.js";
import { showPolice, showRecord } from "./police.js";
import { showStreet } from "./street.js";
import { showPlanner, runSiting, startAdding } from "./planner.js";
import { $, clearLayers, errorText, state, status } from "./shared.js";

function fill(select, options) {
  select.replaceChildren(...options.map(([v, label]) => new Option(label, v)));
}

function fillSelects() {
  const kinds = state.meta.record_kinds;
  fill($("f-kind"), [["", t("an_any")], ...kinds.map((k) => [k.code, term(k)])]);
  const cats = () => {
    const k = $("f-kind").value;
    const list = k ? state.meta.categories[k] : [];
    fill($("f-category"), [["", t("an_any")], ...list.map((c) => [c.code, term(c)])]);
  };
  $("f-kind").onchange = cats;
  cats();
  const by = $("f-by").value;
  fill($("f-by"), ["cell", "leader", "community", "vertical"].map((b) => [b, t(`an_${b}`)]));
  if (by) $("f-by").value = by;
  const mode = $("f-mode").value;
  fill($("f-mode"), ["straight", "walking"].map((m) => [m, t(`an_${m}`)]));
  if (mode) $("f-mode").value = mode;
  for (const id of ["f-hour-from", "f-hour-to"]) {
    const was = $(id).value;
    fill($(id), [["", t(id === "f-hour-from" ? "an_hour_any_from" : "an_hour_any_to")],
      ...[...Array(24).keys()].map((hr) => [String(hr), `${String(hr).padStart(2, "0")}:00`])]);
    $(id).value = was;
  }
  const names = t("an_weekday_names").split(",");
  const ticked = new Set([...document.querySelectorAll("#f-weekdays input:checked")].map((i) => i.value));
  $("f-weekdays").replaceChildren(...names.map((n, i) => {
    const box = Object.assign(document.createElement("input"), { type: "checkbox", value: String(i), checked: ticked.has(String(i)) });
    const label = document.createElement("label");
    label.className = "chip";
    label.append(box, n);
    return label;
  }));
}

let runs = 0;

async function show() {
  const mine = ++runs; // a newer request (filters, zoom) supersedes this one
  document.body.dataset.view = state.view;
  document.querySelectorAll("nav [data-view]").forEach((b) => b.setAttribute("aria-pressed", b.dataset.view === state.view));
  document.body.dataset.ready = "false";
  clearLayers();
  $("panel").replaceChildren();
  $("legend").replaceChildren();
  status(t("an_loading"));
  try {
    if (state.view === "police") await showPolice(state, () => mine === runs);
    else if (state.view === "street") await showStreet(state, () => mine === runs);
    else await showPlanner(state);
  } catch (e) {
    status(errorText(e));
  }
  if (mine === runs) document.body.dataset.ready = "true";
}
state.refresh = show;

/** Label the language button with the language it switches to. */
function labelLang() { $("a-lang").textContent = getLang() === "en" ? "中文" : "EN"; }

/** Translate the page's static text (data-i18n*) and the language button. */
function translate() { applyDom(document); labelLang(); }

async function start() {
  translate();
  [state.meta, state.me] = await Promise.all([api("/meta"), api("/me")]);
  fillSelects();
  const today = new Date();
  // Local days (the periods are local days): UTC's date would end the default period at the
  // start of today in China between midnight and 08:00, leaving today's records out.
  const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  $("f-to").value ||= iso(new Date(today.getTime() + 86400000));
  $("f-from").value ||= iso(new Date(today.getTime() - 29 * 86400000));
  state.map = L.map("a-map", { maxZoom: 19, minZoom: 3 }).setView([39.12, 117.2], 14);
  state.map.on("zoomend", () => { if (state.view === "police") show(); });
  document.querySelectorAll("nav [data-view]").forEach((b) => { b.onclick = () => { state.view = b.dataset.view; show(); }; });
  $("apply").onclick = show;
  $("f-hotspots").onchange = show;
  $("f-compare").onchange = show;
  $("run-siting").onclick = () => runSiting(state);
  $("add-centre-btn").onclick = () => startAdding(state);
  $("f-mode").onchange = show;
  $("f-by").onchange = show;
  window.addEventListener("hashchange", openRecord);
  onLangChange(() => { fillSelects(); show(); });
  const view = new URLSearchParams(location.search).get("view");
  if (["police", "street", "planner"].includes(view)) state.view = view;
  await show();
  openRecord();
}

/** Open the record named in the address (#record=<id>), the link each drill-down card carries. */
function openRecord() {
  const id = new URLSearchParams(location.hash.slice(1)).get("record");
  if (id) showRecord(state, id);
}

$("a-login").onsubmit = async (ev) => {
  ev.preventDefault();
  try {
    await login($("a-user").value, $("a-pass").value);
    $("a-login").hidden = true;
    await start();
  } catch (e) {
    $("a-login-error").textContent = e.message;
  }
};

$("a-lang").onclick = () => setLang(getLang() === "en" ? "zh" : "en");
onLangChange(labelLang);
translate();
if (token.get()) start().catch(() => { token.clear(); $("a-login").hidden = false; });
else $("a-login").hidden = false;
