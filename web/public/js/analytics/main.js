// The analytics page: sign-in (shared token with the app), the three views and their filters.
// Strings and the language choice are the app's (../i18n.js, lang/*.js keys an_*).
import { api, login, token } from "../api.js";
import { applyDom, getLang, onLangChange, setLang, t, term } from "../i18n.js";
import { showPolice } from "./police.js";
import { showStreet } from "./street.js";
import { showPlanner, runSiting } from "./planner.js";
import { $, clearLayers, state, status } from "./shared.js";

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
  fill($("f-by"), ["cell", "leader", "community"].map((b) => [b, t(`an_${b}`)]));
  fill($("f-mode"), ["straight", "walking"].map((m) => [m, t(`an_${m}`)]));
}

let runs = 0;

async function show() {
  const mine = ++runs; // a newer request (filters, zoom) supersedes this one
  document.body.dataset.view = state.view;
  document.querySelectorAll("[data-view]").forEach((b) => b.setAttribute("aria-pressed", b.dataset.view === state.view));
  document.body.dataset.ready = "false";
  clearLayers();
  $("panel").replaceChildren();
  $("legend").replaceChildren();
  status(t("an_loading"));
  try {
    if (state.view === "police") await showPolice(state, () => mine === runs);
    else if (state.view === "street") await showStreet(state);
    else await showPlanner(state);
  } catch (e) {
    status(e.message);
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
  state.meta = await api("/meta");
  state.me = await api("/me");
  fillSelects();
  const today = new Date();
  const iso = (d) => d.toISOString().slice(0, 10);
  $("f-to").value ||= iso(new Date(today.getTime() + 86400000));
  $("f-from").value ||= iso(new Date(today.getTime() - 29 * 86400000));
  state.map = L.map("a-map", { maxZoom: 19, minZoom: 3 }).setView([39.12, 117.2], 14);
  state.map.on("zoomend", () => { if (state.view === "police") show(); });
  document.querySelectorAll("[data-view]").forEach((b) => { b.onclick = () => { state.view = b.dataset.view; show(); }; });
  $("apply").onclick = show;
  $("f-hotspots").onchange = show;
  $("f-compare").onchange = show;
  $("run-siting").onclick = () => runSiting(state);
  onLangChange(() => { fillSelects(); show(); });
  const view = new URLSearchParams(location.search).get("view");
  if (["police", "street", "planner"].includes(view)) state.view = view;
  await show();
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
