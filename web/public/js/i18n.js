// UI language: zh-CN by default, English switchable; one dictionary per language (lang/*.js).
// Domain labels (kinds, categories, statuses) come from /meta as {zh, en} pairs, see `term`.
import zh from "./lang/zh.js";
import en from "./lang/en.js";

const DICTS = { zh, en };
const KEY = "wangge.lang";
let lang = DICTS[localStorage.getItem(KEY)] ? localStorage.getItem(KEY) : "zh";
const listeners = new Set();

export const getLang = () => lang;

export function setLang(next) {
  if (!DICTS[next] || next === lang) return;
  lang = next;
  localStorage.setItem(KEY, next);
  applyDom(document);
  listeners.forEach((fn) => fn(lang));
}

/** Call `fn(lang)` whenever the language changes (to re-render dynamic content). */
export const onLangChange = (fn) => listeners.add(fn);

/** The UI string `key` with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const s = DICTS[lang][key] ?? DICTS.zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? `{${k}}`));
}

/** The label of a /meta term ({code, zh, en}) in the current language. */
export function term(x) {
  if (!x) return "";
  return (lang === "en" ? x.en : x.zh) || x.zh || x.en || x.code || "";
}

/** Fill elements marked data-i18n (text), data-i18n-placeholder and data-i18n-label (aria-label). */
export function applyDom(root) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  root.querySelectorAll("[data-i18n-label]").forEach((el) => {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    el.title = t(el.dataset.i18nLabel);
  });
}

const TZ = "Asia/Shanghai";

/** A date-time shown in Asia/Shanghai (CONTRACTS: the UI shows Shanghai time). */
export function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", {
    timeZone: TZ, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).format(d);
}

/** A time of day (ms since epoch or ISO) as HH:MM:SS in Asia/Shanghai, e.g. when a retry is due. */
export function formatClock(when) {
  return new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", {
    timeZone: TZ, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  }).format(new Date(when));
}

/** A duration in ms as "1 h 05 min" / "1小时05分". */
export function formatDuration(ms) {
  const min = Math.max(0, Math.round(ms / 60000));
  const h = Math.floor(min / 60);
  const m = min % 60;
  return h ? t("duration_hm", { h, m: String(m).padStart(2, "0") }) : t("duration_m", { m });
}
