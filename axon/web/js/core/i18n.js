// Strings and dates in the user's language (English and Simplified Chinese).
// t(key, params) looks up `key`, or `key.<plural category>` when params.n is given;
// a missing key is reported once on the console (the browser tests watch for it).

import en from "../i18n/en.js";
import zhCN from "../i18n/zh-CN.js";
import { prefs } from "./prefs.js";

export const LANGUAGES = { en: "English", "zh-CN": "简体中文" };
const DICTS = { en, "zh-CN": zhCN };
const reported = new Set();
let current = "en";

export function detectLanguage() {
  const saved = prefs.language();
  if (saved && DICTS[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    if (tag.toLowerCase().startsWith("zh")) return "zh-CN";
    if (tag.toLowerCase().startsWith("en")) return "en";
  }
  return "en";
}

export function setLanguage(lang, remember = false) {
  current = DICTS[lang] ? lang : "en";
  document.documentElement.lang = current;
  if (remember) prefs.setLanguage(current);
}

export function language() {
  return current;
}

export function t(key, params = {}) {
  const dict = DICTS[current];
  let text;
  if (params.n !== undefined) {
    const category = new Intl.PluralRules(current).select(params.n);
    text = dict[`${key}.${category}`] ?? dict[`${key}.other`];
  }
  text = text ?? dict[key];
  if (text === undefined) {
    if (!reported.has(`${current}:${key}`)) {
      reported.add(`${current}:${key}`);
      console.error(`i18n: missing "${key}" for ${current}`);
    }
    text = en[key] ?? en[`${key}.other`] ?? key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? `{${name}}`));
}

export function has(key) {
  return DICTS[current][key] !== undefined;
}

/** A user-facing sentence for an ApiError or a WebSocket error body. */
export function errorText(err) {
  const code = (err && err.code) || "internal_error";
  return has(`error.${code}`) ? t(`error.${code}`) : (err && err.message) || code;
}

// ----- dates -----------------------------------------------------------------

const formats = new Map();

function format(options) {
  const key = `${current}|${JSON.stringify(options)}`;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(current, options));
  return formats.get(key);
}

export function formatTime(iso) {
  return iso ? format({ hour: "numeric", minute: "2-digit" }).format(new Date(iso)) : "";
}

export function formatDateTime(iso) {
  return iso ? format({ dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)) : "";
}

export function dayKey(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function formatDay(iso) {
  const d = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(iso) === dayKey(today.toISOString())) return t("day.today");
  if (dayKey(iso) === dayKey(yesterday.toISOString())) return t("day.yesterday");
  const sameYear = d.getFullYear() === today.getFullYear();
  return format(sameYear
    ? { weekday: "long", month: "long", day: "numeric" }
    : { year: "numeric", month: "long", day: "numeric" }).format(d);
}

export function formatRelative(iso) {
  if (!iso) return "";
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(current, { numeric: "auto" });
  const steps = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.35, "week"], [12, "month"]];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return rtf.format(Math.round(value), unit);
    value /= size;
  }
  return rtf.format(Math.round(value), "year");
}

export function formatList(items) {
  return new Intl.ListFormat(current, { style: "long", type: "conjunction" }).format(items);
}
