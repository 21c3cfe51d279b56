// Desktop notifications for direct messages and mentions, and the unread count in
// the tab title. Mutes are a preference of the user, kept on the server (core/preferences.js).

import { t } from "../core/i18n.js";
import { isMuted as isMutedPref, setMutedPref } from "../core/preferences.js";
import { toastError } from "./dialogs.js";
import { on, state, emit } from "../core/store.js";
import { mentionsMe } from "../core/summary.js";
import { plainText } from "./markdown.js";
import { mentionNames, withNames } from "./mentions.js";
import { conversationTitle, userName } from "./names.js";
import { go } from "./router.js";

const FRESH_MS = 5 * 60 * 1000;

export function isMuted(convId) {
  return isMutedPref(convId);
}

/** Mutes are a preference kept on the server, the same on every device (core/preferences.js). */
export function setMuted(convId, muted) {
  return setMutedPref(convId, muted).catch(toastError);
}

/** Called by the engine for every message event newer than the conversation summary. */
export function notifyMessage(convId, message) {
  const me = state.session.user;
  const conv = state.conversations.get(convId);
  if (!conv || message.sender_id === me.id || isMuted(convId)) return;
  if (conv.kind !== "direct" && !mentionsMe(message, me.id)) return;
  const looking = document.visibilityState === "visible" && state.route.name === "conversation"
    && state.route.conv === convId;
  if (looking) return;
  if (Date.now() - new Date(message.created_at).getTime() > FRESH_MS) return;
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const title = conv.kind === "direct"
    ? userName(message.sender_id)
    : t("notify.mention", { user: userName(message.sender_id), conv: conversationTitle(conv) });
  const body = message.text ? plainText(withNames(message.text, mentionNames(message))) : attachmentsLine(message); // files-web
  const note = new Notification(title, { body, tag: convId });
  note.onclick = () => {
    window.focus();
    go("c", convId);
    note.close();
  };
}

export async function askPermission() {
  if (!("Notification" in window)) return "unsupported";
  const result = await Notification.requestPermission();
  emit("notifications", result);
  return result;
}

export function permission() {
  return "Notification" in window ? Notification.permission : "unsupported";
}

export function unreadTotal() {
  let total = 0;
  for (const c of state.conversations.values()) {
    total += isMuted(c.id) ? c.mention_count || 0 : c.unread_count || 0;
  }
  return total;
}

export function startTitle() {
  const update = () => {
    const total = unreadTotal();
    const org = state.session && state.session.org ? state.session.org.name : "";
    const base = org ? `Axon · ${org}` : "Axon";
    document.title = total ? `(${total}) ${base}` : base;
  };
  update();
  const stops = [on("conversations", update), on("session", update)]; // "session": the organisation was renamed
  return () => stops.forEach((stop) => stop());
}

// files-web: a message of files only (a voice message, a picture) says what it carries.
function attachmentsLine(message) {
  const files = message.attachments || [];
  if (files.length === 1 && files[0].kind === "voice") return t("voice.message");
  return files.map((f) => `📎 ${f.name}`).join(", ");
}
