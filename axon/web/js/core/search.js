// Message search (docs/search.md): the REST calls, and the query text's filters as the
// filter controls see them. The query text is the one source of truth: a control edits its
// filter in the text (`from:@alice`, `has:file`…), and the controls are set from the text, so a
// filter typed by hand shows in the controls and the URL always holds the whole search.

import { api } from "./engine.js";

export const HAS = ["file", "image", "link", "voice"];
export const PAGE = 20;

export function search(q, { sort = "relevance", cursor = null, record = false } = {}) {
  return api.get("/search", { q, sort, cursor, limit: PAGE, record: record ? "true" : null });
}

export function suggest(q) {
  return api.get("/search/suggest", { q });
}

export async function recentSearches() {
  const data = await api.get("/search/recent");
  return (Array.isArray(data) ? data : (data && data.items) || []).map((r) => (typeof r === "string" ? r : r.query));
}

export function clearRecent() {
  return api.del("/search/recent");
}

/**
 * The query split into tokens as the server reads them: quoted phrases stay whole (straight or
 * “curly” quotes), the full-width colon counts as a colon. Each token: {text, key, value}, where
 * key is the filter name ("from", "in", "has", "after", "before", "on", "is", "mentions") or null.
 */
export function tokens(q) {
  const out = [];
  const re = /[^\s"“”]*["“][^"”]*["”]?|\S+/gu;
  for (const [text] of String(q || "").matchAll(re)) {
    const m = /^(from|in|has|after|before|on|is|mentions)[:：](.+)$/iu.exec(text);
    out.push(m ? { text, key: m[1].toLowerCase(), value: m[2] } : { text, key: null, value: null });
  }
  return out;
}

/** The filters of a query as the controls show them. */
export function filtersOf(q) {
  const f = { in: "", from: "", has: new Set(), after: "", before: "", thread: false, mentions: false };
  for (const tok of tokens(q)) {
    const value = (tok.value || "").replace(/^["“]|["”]$/gu, "");
    if (tok.key === "in") f.in = value;
    else if (tok.key === "from") f.from = value.replace(/^@/u, "");
    else if (tok.key === "has" && HAS.includes(value.toLowerCase())) f.has.add(value.toLowerCase());
    else if (tok.key === "after") f.after = value;
    else if (tok.key === "before") f.before = value;
    else if (tok.key === "is" && value.toLowerCase() === "thread") f.thread = true;
    else if (tok.key === "mentions" && value.toLowerCase() === "me") f.mentions = true;
  }
  return f;
}

/**
 * The query with one filter set (or removed when `value` is empty). For "has", `value` is one kind
 * and `on` says whether it is wanted; other kinds stay. The filter goes at the end of the text.
 */
export function withFilter(q, key, value, on = true) {
  const keep = tokens(q).filter((tok) => {
    if (tok.key !== key) return true;
    if (key === "has") return tok.value.toLowerCase() !== String(value).toLowerCase();
    if (key === "is") return tok.value.toLowerCase() !== "thread";
    if (key === "mentions") return tok.value.toLowerCase() !== "me";
    return false;
  }).map((tok) => tok.text);
  if (value && on) keep.push(`${key}:${key === "from" ? `@${value}` : value}`);
  return keep.join(" ");
}

/** The words of the query without its filters (what suggestions match). */
export function freeText(q) {
  return tokens(q).filter((tok) => !tok.key).map((tok) => tok.text).join(" ");
}
