// Mentions travel as `@username` (docs/protocol.md: the server parses them and stores the
// mentioned user ids); people read and write them as `@Display Name`. This module converts
// between the two: the composer shows names and keeps a name → username map for sending,
// and rendered messages show names for the users a message mentions.

import { state } from "../core/store.js";
import { ensureUsers } from "../core/history.js";

// The server's rule (axon/domain/content.py): not after a letter, digit, "_", "@" or ".".
export const MENTION = /(?<![A-Za-z0-9_@.])@([A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?)/g;
export const EVERYONE = new Set(["all", "channel", "everyone", "here"]);
// After a name, nothing the server would read as more of a username.
const NAME_END = "(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])";

export function mentionLabel(user) {
  return user.display_name || user.username;
}

function byUsername(username) {
  const wanted = username.toLowerCase();
  for (const user of state.users.values()) if (user.username && user.username.toLowerCase() === wanted) return user;
  return null;
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Names shown in a draft → the names on the wire. `names` maps a shown label to the username
 * it stands for; a label the person edited no longer matches and stays plain text.
 */
export function toWire(text, names) {
  const labels = [...names.keys()].sort((a, b) => b.length - a.length);
  if (!labels.length || !text.includes("@")) return text;
  const pattern = new RegExp(`(?<![A-Za-z0-9_@.])@(${labels.map(escapeRegExp).join("|")})${NAME_END}`, "g");
  return text.replace(pattern, (whole, label) => `@${names.get(label)}`);
}

/**
 * The wire form of a draft or a message → what the composer shows, filling `names`. Users
 * not known yet keep their @username, which still mentions them when sent.
 */
export function toDisplay(text, names = new Map()) {
  const shown = text.replace(MENTION, (whole, username) => {
    if (EVERYONE.has(username.toLowerCase())) return whole;
    const user = byUsername(username);
    const label = user && mentionLabel(user);
    if (!label || !claimLabel(names, label, user.username)) return whole;
    return `@${label}`;
  });
  return { text: shown, names };
}

/** Reserve a label for a username; false when another person already uses it in this text. */
export function claimLabel(names, label, username) {
  const taken = names.get(label);
  if (taken && taken !== username) return false;
  names.set(label, username);
  return true;
}

/**
 * How to show `@username` in a rendered message: the names of the users it mentions (its
 * `mentions` ids), else anyone in the directory with that username (an unsent message has no
 * `mentions` yet). Returns username (lower case) → label, or undefined to keep the token.
 */
export function mentionNames(message) {
  const names = new Map();
  const missing = [];
  for (const id of message.mentions || []) {
    const user = state.users.get(id);
    if (user) names.set(user.username.toLowerCase(), mentionLabel(user));
    else missing.push(id);
  }
  if (missing.length) ensureUsers(missing);
  return (username) => {
    const lower = username.toLowerCase();
    if (names.has(lower)) return names.get(lower);
    const user = byUsername(lower);
    return user ? mentionLabel(user) : undefined;
  };
}

/** What the mentions of a message look like now, for the timeline's keyed update. */
export function mentionSignature(text, resolve) {
  if (!text || !text.includes("@")) return "";
  return [...text.matchAll(MENTION)].map((m) => resolve(m[1]) || "").join("\u0000");
}

/** Plain text with mentions shown by name (for notifications; never parsed as HTML). */
export function withNames(text, resolve) {
  return text.replace(MENTION, (whole, username) => {
    const label = EVERYONE.has(username.toLowerCase()) ? undefined : resolve(username);
    return label ? `@${label}` : whole;
  });
}
