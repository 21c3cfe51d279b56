// System lines in the timeline: who joined or left a conversation, who added or removed whom
// (the member.joined / member.left events kept by core/timeline.js).

import { formatTime, t } from "../core/i18n.js";
import { state } from "../core/store.js";
import { h } from "./dom.js";
import { conversationTitle, userName } from "./names.js";

export function noticeText(n, convId) {
  const conv = state.conversations.get(convId);
  const title = conv && conv.kind === "channel" ? `#${conversationTitle(conv)}` : conversationTitle(conv);
  const who = userName(n.data.user_id);
  if (n.type === "member.joined") {
    return n.data.invited_by ? t("notice.added", { actor: userName(n.data.invited_by), name: who })
      : t("notice.joined", { name: who, conversation: title });
  }
  return n.data.removed_by ? t("notice.removed", { actor: userName(n.data.removed_by), name: who })
    : t("notice.left", { name: who, conversation: title });
}

export function renderNotice(n, text) {
  return h("div", { class: "sys-line", "data-testid": "system-line", "data-seq": n.seq, "data-type": n.type },
    h("span", { class: "sys-text" }, text),
    h("time", { class: "sys-time", datetime: n.created_at }, formatTime(n.created_at)));
}
