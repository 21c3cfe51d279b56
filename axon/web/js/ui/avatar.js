// Avatars: the uploaded picture when the user has one, else an initial on a colour derived
// from the user id; presence is a dot. Pictures need the bearer token (GET /users/{id}/avatar),
// which an <img> cannot send, so they are fetched once per version and shown through blob: URLs
// (the CSP allows img-src blob:). A new version (user.avatar) updates every avatar on screen.

import { api } from "../core/engine.js";
import { t } from "../core/i18n.js";
import { on, state } from "../core/store.js";
import { h } from "./dom.js";
import { userName } from "./names.js";
import { presenceOf } from "./presence.js";

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

/** Show the user's current picture (or initial) in `el`, loading the picture if needed. */
function fill(el, userId) {
  const version = (state.users.get(userId) || {}).avatar || null;
  el.dataset.avatar = version || "";
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
      const version = (state.users.get(el.dataset.avatarUser) || {}).avatar || "";
      if (version !== el.dataset.avatar) fill(el, el.dataset.avatarUser);
    }
  });
}

export function presenceDot(userId) {
  const s = presenceOf(userId);
  return h("span", {
    class: `presence presence-${s}`, title: t(`presence.${s}`), "data-presence": s, "data-user-id": userId,
  });
}

export function avatarWithPresence(userId, size = "md") {
  return h("span", { class: "avatar-wrap" }, avatar(userId, size), presenceDot(userId));
}
