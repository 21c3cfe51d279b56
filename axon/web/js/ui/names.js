// How people and conversations are named on screen (the @axon assistant with its tag).

import { t } from "../core/i18n.js";
import { state } from "../core/store.js";
import { ensureUsers } from "../core/history.js";
import { isAssistant } from "../core/assistant.js";
import { h } from "./dom.js";

export function userName(userId) {
  const user = state.users.get(userId);
  if (!user) {
    ensureUsers([userId]);
    return t("user.unknown");
  }
  return user.display_name || user.username;
}

/** The "Assistant" tag beside the @axon assistant's name, wherever a name shows; null for a person. */
export function assistantTag(userId, testid = "assistant-tag") {
  if (!isAssistant(userId)) return null;
  return h("span", { class: "tag assistant", "data-testid": testid, title: t("assistant.tag_tip") }, t("assistant.tag"));
}

export function conversationTitle(conv) {
  if (!conv) return "";
  if (conv.kind === "direct") return conv.peer_id ? userName(conv.peer_id) : t("conv.direct");
  return conv.name || t("conv.untitled");
}

/** The text the quick switcher matches against. */
export function conversationSearchText(conv) {
  const parts = [conversationTitle(conv), conv.name || ""];
  const peer = conv.peer_id && state.users.get(conv.peer_id);
  if (peer) parts.push(peer.username, peer.display_name);
  return parts.join(" ").toLowerCase();
}
