// The emoji catalogue (vendor/emoji/emoji.json, trimmed from emojibase-data by
// tools/vendor-emoji.mjs): fetched the first time something needs it, never at page load,
// and searched by English and Chinese names, keywords and shortcodes whatever the language.
// Recently used emoji and the chosen skin tone are remembered per user (prefs.js).

import { prefs } from "../core/prefs.js";
import { state } from "../core/store.js";

const DATA_URL = new URL("../../vendor/emoji/emoji.json", import.meta.url);
const MAX_RECENT = 24;
export const SKIN_TONES = ["", "🏻", "🏼", "🏽", "🏾", "🏿"];

let loading = null;

/** The catalogue: {groups: [[number, key]], emoji: [Entry]}, loaded once. */
export function loadEmoji() {
  if (!loading) {
    loading = fetch(DATA_URL).then((r) => {
      if (!r.ok) throw new Error(`emoji data: HTTP ${r.status}`);
      return r.json();
    }).then(index).catch((err) => {
      loading = null; // a later opening tries again
      throw err;
    });
  }
  return loading;
}

function index(data) {
  const emoji = data.emoji.map(([char, group, en, enTags, zh, zhTags, shortcodes, skins]) => ({
    char, group, en, zh, shortcodes, skins: skins || null,
    words: `${en} ${enTags} ${zh} ${zhTags} ${shortcodes.join(" ")}`.toLowerCase(),
  }));
  const byChar = new Map(emoji.map((e) => [e.char, e]));
  return { groups: data.groups, emoji, byChar };
}

/**
 * Emoji matching `query` (any language), best first: a shortcode equal to it, then shortcodes
 * starting with it, then names and keywords containing it; in catalogue order within each.
 */
export function searchEmoji(catalogue, query, limit = 200) {
  const q = query.trim().toLowerCase().replace(/^:|:$/g, "");
  if (!q) return [];
  const ranked = [[], [], []];
  for (const e of catalogue.emoji) {
    if (e.shortcodes.includes(q)) ranked[0].push(e);
    else if (e.shortcodes.some((s) => s.startsWith(q))) ranked[1].push(e);
    else if (e.words.includes(q)) ranked[2].push(e);
  }
  return ranked.flat().slice(0, limit);
}

/** The shortcode to show for an emoji: the one that starts with the query, else its first. */
export function shortcodeFor(e, query = "") {
  const q = query.toLowerCase();
  return e.shortcodes.find((s) => q && s.startsWith(q)) || e.shortcodes[0] || "";
}

export function withSkin(e, tone) {
  const i = SKIN_TONES.indexOf(tone);
  return i > 0 && e.skins ? e.skins[i - 1] : e.char;
}

export function nameOf(e, lang) {
  return lang === "zh-CN" && e.zh ? e.zh : e.en;
}

function userId() {
  return state.session ? state.session.user.id : "anon";
}

export function recentEmoji() {
  return prefs.recentEmoji(userId());
}

export function rememberEmoji(char) {
  const list = [char, ...recentEmoji().filter((c) => c !== char)].slice(0, MAX_RECENT);
  prefs.setRecentEmoji(userId(), list);
}

export function skinTone() {
  return prefs.emojiSkin(userId());
}

export function setSkinTone(tone) {
  prefs.setEmojiSkin(userId(), tone);
}
