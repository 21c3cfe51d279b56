// Avatars are an initial on a colour derived from the user id; presence is a dot.

import { t } from "../core/i18n.js";
import { h } from "./dom.js";
import { userName } from "./names.js";
import { presenceOf } from "./presence.js";

function hue(id) {
  let hash = 0;
  for (const ch of String(id)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 360;
}

export function avatar(userId, size = "md") {
  const name = userName(userId);
  const initial = [...name.trim()][0] || "?";
  return h("span", {
    class: `avatar avatar-${size}`, style: `--avatar-hue:${hue(userId)}`, "aria-hidden": "true",
  }, initial.toUpperCase());
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
