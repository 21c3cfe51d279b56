// Sidebar preferences kept on the server (docs/api.md, Preferences): favourites in order,
// collapsed sections, the unread filter and mutes, the same on every device of the user.
// A change is sent with the version it was based on; when another device changed them
// first the server answers version_conflict with the current ones, and the change is
// applied to those and sent again. Every device adopts preferences.updated user events.

import { api } from "./engine.js";
import { prefs } from "./prefs.js";
import { emit, state } from "./store.js";

const EMPTY = Object.freeze({ version: 0, favourites: [], collapsed: [], unread_only: false, muted: [], smart_replies: true });
const ATTEMPTS = 4;
let queue = Promise.resolve();

export function preferences() {
  return state.preferences || EMPTY;
}

/** Take preferences from the server (GET or a user event) unless ours are newer. */
export function adoptPreferences(next) {
  if (!next || (state.preferences && next.version < state.preferences.version)) return;
  state.preferences = { ...EMPTY, ...next };
  emit("preferences");
  emit("conversations");
}

export async function loadPreferences() {
  adoptPreferences(await api.get("/me/preferences"));
  await adoptLocalMutes();
}

/**
 * Change preferences: `change(current)` returns the fields to send (or null for no change).
 * It is a function so that after a conflict it is applied again to what the other device did.
 * Changes run one after another; each shows at once and is undone if the server refuses it.
 */
export function changePreferences(change) {
  const run = queue.then(() => send(change));
  queue = run.catch(() => {});
  return run;
}

async function send(change) {
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const base = preferences();
    const fields = change(base);
    if (!fields) return;
    state.preferences = { ...base, ...fields };
    emit("preferences");
    emit("conversations");
    try {
      const next = await api.patch("/me/preferences", { base_version: base.version, ...fields });
      state.preferences = base; // so that the answer (same or newer version) is adopted
      adoptPreferences(next);
      return;
    } catch (err) {
      state.preferences = base;
      if (err.code === "version_conflict" && err.details && err.details.preferences) {
        adoptPreferences(err.details.preferences);
        continue;
      }
      adoptPreferences(base);
      throw err;
    }
  }
}

export const isFavourite = (convId) => preferences().favourites.includes(convId);
export const isMuted = (convId) => preferences().muted.includes(convId);
export const isCollapsed = (section) => preferences().collapsed.includes(section);

export function setFavourite(convId, on) {
  return changePreferences((p) => (p.favourites.includes(convId) === on ? null
    : { favourites: on ? [...p.favourites, convId] : p.favourites.filter((id) => id !== convId) }));
}

export function setMutedPref(convId, on) {
  return changePreferences((p) => (p.muted.includes(convId) === on ? null
    : { muted: on ? [...p.muted, convId] : p.muted.filter((id) => id !== convId) }));
}

export function setCollapsed(section, on) {
  return changePreferences((p) => (p.collapsed.includes(section) === on ? null
    : { collapsed: on ? [...p.collapsed, section] : p.collapsed.filter((s) => s !== section) }));
}

export function setUnreadOnly(on) {
  return changePreferences((p) => (p.unread_only === on ? null : { unread_only: on }));
}

/** Put `convId` just before `beforeId` (null: at the end) among the favourites. */
export function moveFavourite(convId, beforeId) {
  return changePreferences((p) => {
    if (!p.favourites.includes(convId) || convId === beforeId) return null;
    const rest = p.favourites.filter((id) => id !== convId);
    const at = beforeId && rest.includes(beforeId) ? rest.indexOf(beforeId) : rest.length;
    const order = [...rest.slice(0, at), convId, ...rest.slice(at)];
    return order.join() === p.favourites.join() ? null : { favourites: order };
  });
}

/** Move a favourite one place up (-1) or down (+1): the keyboard alternative to dragging. */
export function stepFavourite(convId, step) {
  return changePreferences((p) => {
    const order = [...p.favourites];
    const at = order.indexOf(convId);
    const to = at + step;
    if (at < 0 || to < 0 || to >= order.length) return null;
    [order[at], order[to]] = [order[to], order[at]];
    return { favourites: order };
  });
}

/** Mutes used to be kept in this browser only: carry them over to the server once. */
async function adoptLocalMutes() {
  const userId = state.session && state.session.user.id;
  const local = userId ? [...prefs.muted(userId)] : [];
  if (!local.length) return;
  prefs.setMuted(userId, new Set());
  await changePreferences((p) => {
    const add = local.filter((id) => state.conversations.has(id) && !p.muted.includes(id));
    return add.length ? { muted: [...p.muted, ...add] } : null;
  });
}
