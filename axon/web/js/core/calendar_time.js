// Pure date rules of the calendar view, in the browser's time zone (local Date arithmetic, so
// days are calendar days even across a daylight-saving change), and Intl formatting in the UI
// language. No DOM, no state.

import { language } from "./i18n.js";

export const MINUTE = 60 * 1000;
export const HOUR = 60 * MINUTE;

/** Midnight (local) of the day of `date`. */
export function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

export function addDays(date, n) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + n, date.getHours(), date.getMinutes());
}

/** The first day of the week in the UI language (1 = Monday … 7 = Sunday), Monday when unknown. */
export function firstDayOfWeek(lang = language()) {
  try {
    const locale = new Intl.Locale(lang === "en" ? "en-US" : lang);
    const info = locale.getWeekInfo ? locale.getWeekInfo() : locale.weekInfo;
    return (info && info.firstDay) || 1;
  } catch {
    return 1;
  }
}

/** Midnight of the first day of the week that holds `date`. */
export function startOfWeek(date, firstDay = firstDayOfWeek()) {
  const day = startOfDay(date);
  const weekday = day.getDay() === 0 ? 7 : day.getDay(); // 1..7, Monday first
  return addDays(day, -((weekday - firstDay + 7) % 7));
}

/** The days shown: 7 from the week's start, or the one day. */
export function visibleDays(date, view) {
  if (view === "day") return [startOfDay(date)];
  const first = startOfWeek(date);
  return Array.from({ length: 7 }, (_, i) => addDays(first, i));
}

/** "2026-12-08" of a local date (the route's and the date input's format). */
export function isoDate(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "15:30" of a local date (a time input's value). */
export function isoTime(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A local date from "2026-12-08" (and "15:30"); null when malformed. */
export function parseLocal(day, time = "00:00") {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
  const t = /^(\d{2}):(\d{2})$/.exec(time || "");
  if (!d || !t) return null;
  return new Date(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
}

/** The wire's timestamp format: ISO-8601 UTC with milliseconds and Z. */
export function wire(date) {
  return date.toISOString();
}

/**
 * Place one day's events side by side where they overlap. `items` are {id, start, end} in ms,
 * already clipped to the day. Overlapping events (transitively: a cluster) share the width; each
 * takes the leftmost column free at its start. Returns Map id -> {col, cols}.
 */
export function layoutDay(items) {
  const sorted = [...items].sort((a, b) => a.start - b.start || b.end - a.end || String(a.id).localeCompare(String(b.id)));
  const placed = new Map();
  let cluster = [];
  let columns = []; // end time of the last event in each column of the current cluster
  let clusterEnd = -Infinity;
  const close = () => {
    for (const id of cluster) placed.get(id).cols = columns.length;
    cluster = [];
    columns = [];
  };
  for (const item of sorted) {
    if (item.start >= clusterEnd) close();
    let col = columns.findIndex((end) => end <= item.start);
    if (col < 0) {
      col = columns.length;
      columns.push(item.end);
    } else {
      columns[col] = item.end;
    }
    placed.set(item.id, { col, cols: 1 });
    cluster.push(item.id);
    clusterEnd = Math.max(clusterEnd, item.end);
  }
  close();
  return placed;
}

/** The part of [start, end) that falls on `day` (ms), or null when none does. */
export function clipToDay(start, end, day) {
  const from = day.getTime();
  const to = addDays(day, 1).getTime();
  if (end <= from || start >= to) return null;
  return { start: Math.max(start, from), end: Math.min(end, to), from, to };
}

// ----- formatting (UI language, browser time zone) ---------------------------

const formats = new Map();

export function fmt(options) {
  const key = `${language()}|${JSON.stringify(options)}`;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(language(), options));
  return formats.get(key);
}

/** "Tue, Dec 8, 3:00 – 4:00 PM GMT+8" (a range on one day) or a range across days. */
export function formatRange(startIso, endIso, { zone = true } = {}) {
  const start = new Date(startIso);
  const end = new Date(endIso);
  const options = { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
  if (zone) options.timeZoneName = "short";
  return fmt(options).formatRange(start, end);
}

export function formatHour(hour) {
  return fmt({ hour: "numeric" }).format(new Date(2000, 0, 1, hour));
}

export function formatClock(date) {
  return fmt({ hour: "numeric", minute: "2-digit" }).format(date);
}
