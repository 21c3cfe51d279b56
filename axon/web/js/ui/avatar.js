// Avatars: the uploaded picture when the user has one, else an initial on a colour derived
// from the user id (the @axon assistant: its sparkle mark); presence is a dot (none for the assistant). Pictures need the bearer token (GET /users/{id}/avatar),
// which an <img> cannot send, so they are fetched once per version and shown through blob: URLs
// (the CSP allows img-src blob:). A new version (user.avatar) updates every avatar on screen.

import { api } from "../core/engine.js";
import { t } from "../core/i18n.js";
import { on, state } from "../core/store.js";
import { h } from "./dom.js";
import { userName } from "./names.js";
import { presenceOf } from "./presence.js";
import { icon } from "./icons.js";
import { isAssistant } from "../core/assistant.js";

const pictures = new Map(); // user id -> {version, url (once loaded), loading}
let watching = false;

function hue(id) {
  let hash = 0;
  for (const ch of String(id)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 360;
}

export function avatar(userId, size = "md") {
  const el = h("span", {
    class: `avatar avatar-${size}`, style: `--avatar-hue:${hue(userId)}`, "aria-hidden": "true", "data-avatar-user": userId,
  });
  fill(el, userId);
  watch();
  return el;
}

function initial(userId) {
  return ([...userName(userId).trim()][0] || "?").toUpperCase();
}

/** What an avatar shows of the user: the assistant's mark, a picture's version, or "" (the initial). */
function look(userId) {
  return isAssistant(userId) ? "assistant" : (state.users.get(userId) || {}).avatar || "";
}

/** Show the user's current picture (or initial) in `el`, loading the picture if needed. */
function fill(el, userId) {
  el.dataset.avatar = look(userId);
  // The @axon assistant has no picture and no initial: its mark says it is not a person.
  el.classList.toggle("avatar-assistant", el.dataset.avatar === "assistant");
  if (el.dataset.avatar === "assistant") {
    el.classList.remove("has-picture");
    el.replaceChildren(icon("sparkle"));
    return;
  }
  const version = el.dataset.avatar || null;
  const picture = pictures.get(userId);
  if (version && picture && picture.version === version && picture.url) {
    el.classList.add("has-picture");
    el.replaceChildren(h("img", { src: picture.url, alt: "", draggable: "false" }));
    return;
  }
  el.classList.remove("has-picture");
  el.replaceChildren(initial(userId));
  if (version) load(userId, version);
}

function load(userId, version) {
  const known = pictures.get(userId);
  if (known && known.version === version) return;
  const entry = { version, url: null };
  pictures.set(userId, entry);
  api.blob(`/users/${encodeURIComponent(userId)}/avatar`).then((blob) => {
    if (pictures.get(userId) !== entry) return;
    if (known && known.url) URL.revokeObjectURL(known.url);
    entry.url = URL.createObjectURL(blob);
    refresh(userId);
  }).catch(() => {
    if (pictures.get(userId) === entry) pictures.delete(userId); // initials stay; a later render retries
  });
}

/** Update every avatar of `userId` on screen (rows keyed by signature are not rebuilt for it). */
function refresh(userId) {
  for (const el of document.querySelectorAll(`[data-avatar-user="${CSS.escape(userId)}"]`)) fill(el, userId);
}

function watch() {
  if (watching) return;
  watching = true;
  on("users", () => {
    for (const el of document.querySelectorAll("[data-avatar-user]")) {
      if (look(el.dataset.avatarUser) !== el.dataset.avatar) fill(el, el.dataset.avatarUser);
    }
  });
}

/** The user's presence dot; none for the assistant, which is never online or away. */
export function presenceDot(userId) {
  if (isAssistant(userId)) return null;
  const s = presenceOf(userId);
  return h("span", {
    class: `presence presence-${s}`, title: t(`presence.${s}`), "data-presence": s, "data-user-id": userId,
  });
}

export function avatarWithPresence(userId, size = "md") {
  return h("span", { class: "avatar-wrap" }, avatar(userId, size), presenceDot(userId));
}
