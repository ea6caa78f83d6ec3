// Translations: ui/i18n/<lang>.json, delivered by the backend (`get_translations`), because the CSP's
// connect-src does not allow fetching files. `t(key, params)` fills `{name}` placeholders; placeholders
// without a parameter stay as written (mapping templates show `{teams_status_message}` literally).
import { api } from "./ipc.js";

export const LANGS = ["en", "de"];
let lang = "en";
let strings = {};
let fallback = {};
const listeners = new Set();

/** The OS/browser language reduced to a supported one. */
export function systemLang() {
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
  return nav.toLowerCase().startsWith("de") ? "de" : "en";
}

/** Resolves the settings value `auto | en | de`. */
export function resolveLang(setting) {
  return LANGS.includes(setting) ? setting : systemLang();
}

export async function setLang(next) {
  const wanted = LANGS.includes(next) ? next : "en";
  if (!Object.keys(fallback).length) fallback = await api.getTranslations("en");
  strings = wanted === "en" ? fallback : await api.getTranslations(wanted);
  lang = wanted;
  document.documentElement.lang = lang;
  applyStatic(document);
  for (const fn of listeners) fn(lang);
}

export function currentLang() {
  return lang;
}

export function onLangChange(fn) {
  listeners.add(fn);
}

export function t(key, params) {
  let s = strings[key] ?? fallback[key];
  if (s === undefined) {
    console.warn("missing translation", key);
    return key;
  }
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  }
  return s;
}

/** Whether a key exists (for open vocabularies such as Graph activity values). */
export function has(key) {
  return key in strings || key in fallback;
}

/** Fills elements marked with data-i18n (text) and data-i18n-aria (aria-label) / data-i18n-title. */
export function applyStatic(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.setAttribute("title", t(el.dataset.i18nTitle));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
}

// ---- Dates and times, in the chosen locale ----
const locale = () => (lang === "de" ? "de-DE" : "en-GB");

// Building an Intl formatter has ICU set up the locale's patterns, and a list render formats a
// value per row: each formatter is built once per kind, options and language.
const formatters = new Map();
function formatter(Kind, options = {}) {
  const key = `${Kind.name} ${locale()} ${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Kind(locale(), options)));
  return f;
}

export function formatNumber(n, options) {
  return formatter(Intl.NumberFormat, options).format(n);
}

export function formatTime(ms) {
  return formatter(Intl.DateTimeFormat, { hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
}

export function formatDateTime(ms) {
  const d = new Date(ms);
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  const opts = sameDay
    ? { hour: "2-digit", minute: "2-digit" }
    : { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  return formatter(Intl.DateTimeFormat, opts).format(d);
}

export function formatJournalTime(ms) {
  return formatter(Intl.DateTimeFormat, { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(new Date(ms));
}

/** "5 min. ago" / "vor 5 Min." */
export function formatAge(ms, now = Date.now()) {
  const secs = Math.round((ms - now) / 1000);
  const abs = Math.abs(secs);
  if (abs < 45) return t("time.just_now");
  const rtf = formatter(Intl.RelativeTimeFormat, { numeric: "auto", style: "short" });
  if (abs < 3600) return rtf.format(Math.round(secs / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(secs / 3600), "hour");
  return rtf.format(Math.round(secs / 86400), "day");
}

/** Short weekday names Monday..Sunday in the current locale. */
export function weekdayNames(style = "short") {
  const f = formatter(Intl.DateTimeFormat, { weekday: style });
  // 2024-01-01 was a Monday.
  return [0, 1, 2, 3, 4, 5, 6].map((i) => f.format(new Date(2024, 0, 1 + i)));
}
