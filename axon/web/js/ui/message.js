// One message row. Pure rendering: the caller passes what to show and the handlers.

import { errorText, formatDateTime, formatTime, t } from "../core/i18n.js";
import { state, isMe } from "../core/store.js";
import { mentionsMe } from "../core/summary.js";
import { h, append } from "./dom.js";
import { icon } from "./icons.js";
import { avatar } from "./avatar.js";
import { renderMarkdown } from "./markdown.js";
import { mentionNames, mentionSignature, toDisplay, toWire } from "./mentions.js";
import { assistantTag, userName } from "./names.js";
import { forwardSignature, forwardedLine } from "./forward.js";
import { linkPreview, previewSignature } from "./link_preview.js";
import { canDelete, canEdit, isGuest, postBlock } from "../core/permissions.js";
import { attachmentsSignature, renderAttachments } from "./attachments.js";
import { canTranslate, translateMessage, translationSlot } from "./translate.js";
import { calendarSignature, eventCard, hintChip } from "./event_card.js";
import { cardSignature, cardView } from "./cards.js";

/** Everything a message row depends on, for the timeline's keyed update. */
export function messageSignature(m, view) {
  return JSON.stringify([m.id, m.seq, m.text, m.edited_at, m.deleted, m.pinned, m.reply_count, m.reactions,
    m.pending, m.error, m.provisional, view.grouped, view.editing, view.seenBy, view.mode, view.highlight, userName(m.sender_id),
    mentionSignature(m.text, mentionNames(m)), forwardSignature(m), attachmentsSignature(m), previewSignature(m),
    calendarSignature(m), cardSignature(m)]);
}

export function renderMessage(m, view, on) {
  const mine = isMe(m.sender_id);
  const pending = Boolean(m.pending);
  const el = h("article", {
    class: ["msg", view.grouped && "grouped", mine && "mine", !mine && mentionsMe(m, state.session.user.id) && "mentioned",
      pending && `state-${m.pending}`, m.deleted && "deleted", m.pinned && "pinned", view.highlight && "highlight"],
    "data-testid": "message",
    "data-message-id": pending ? null : m.id,
    "data-client-id": m.client_msg_id || null,
    "data-seq": pending ? null : m.seq,
    "data-sender-id": m.sender_id,
    "data-state": pending ? m.pending : "sent",
    tabindex: "-1",
  });
  // dom.append, not Element.append: the latter would print a missing part as the text "null".
  append(el, [
    h("div", { class: "msg-gutter" }, view.grouped
      ? h("time", { class: "msg-time-hover", datetime: m.created_at }, formatTime(m.created_at))
      : h("button", {
        // Out of the Tab order (as is the name): Tab from a focused message goes to its actions;
        // keyboard users open a profile card from the member list.
        type: "button", class: "avatar-btn", "data-profile-user": m.sender_id, "data-testid": "author-avatar", tabindex: "-1",
        "aria-label": t("profile.open", { name: userName(m.sender_id) }),
      }, avatar(m.sender_id))),
    h("div", { class: "msg-main" },
      view.grouped ? null : header(m),
      forwardedLine(m),
      view.editing ? editor(m, on) : eventCard(m) || cardView(m) || body(m),
      view.editing || m.deleted || pending ? null : translationSlot(m),
      hintChip(m),
      renderAttachments(m),
      linkPreview(m),
      reactions(m, on),
      threadLink(m, view, on),
      status(m, on),
      view.seenBy !== null && view.seenBy !== undefined
        ? h("div", { class: "seen", "data-testid": "seen-by" }, view.seenBy ? t("seen_by", { n: view.seenBy }) : t("delivered"))
        : null),
    pending || m.deleted ? null : toolbar(m, mine, view, on)]);
  return el;
}

function header(m) {
  return h("div", { class: "msg-head" },
    h("button", { type: "button", class: "msg-author", "data-profile-user": m.sender_id, "data-testid": "author", tabindex: "-1" },
      userName(m.sender_id)),
    isGuest(state.users.get(m.sender_id)) ? h("span", { class: "tag guest", "data-testid": "author-guest" }, t("role.org_guest")) : null,
    assistantTag(m.sender_id, "author-assistant"),
    h("time", { datetime: m.created_at, title: formatDateTime(m.created_at) }, formatTime(m.created_at)),
    m.pinned ? h("span", { class: "pin-mark", title: t("msg.pinned") }, icon("pin", 13)) : null);
}

function body(m) {
  if (m.deleted) return h("div", { class: "msg-body tombstone" }, t("msg.deleted"));
  if (!m.text && m.attachments && m.attachments.length && !m.edited_at) return null; // files without a caption
  const content = h("div", { class: "msg-body markdown" }, renderMarkdown(m.text, state.session.user.username, mentionNames(m)));
  if (m.edited_at) inlineEnd(content).append(h("span", { class: "edited", title: formatDateTime(m.edited_at) }, t("msg.edited")));
  return content;
}

// Blocks "(edited)" may follow inline: looked into down to the last line of text, so it never
// sits alone on a line below a list or a quote (a code block or table keeps it below).
const FLOWING = new Set(["P", "LI", "UL", "OL", "BLOCKQUOTE", "H1", "H2", "H3", "H4", "H5", "H6"]);

function inlineEnd(content) {
  let el = content;
  for (let last = lastBlock(el); last; last = lastBlock(el)) el = last;
  return el;
}

/** The last child element when it ends its parent (only blank text after it) and text flows in it. */
function lastBlock(el) {
  const last = el.lastElementChild;
  if (!last || !FLOWING.has(last.nodeName)) return null;
  for (let next = last.nextSibling; next; next = next.nextSibling) if (next.textContent.trim()) return null;
  return last;
}

function editor(m, on) {
  // Mentions read as names here too, and go back to @username when saved.
  const shown = toDisplay(m.text);
  const area = h("textarea", { class: "edit-box", "data-testid": "edit-box", rows: 3, value: shown.text });
  const save = () => on.saveEdit(m, toWire(area.value, shown.names));
  area.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      save();
    }
    if (ev.key === "Escape") on.cancelEdit();
  });
  queueMicrotask(() => {
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  });
  return h("div", { class: "msg-edit" }, area,
    h("div", { class: "row" },
      h("button", { class: "btn primary small", onclick: save }, t("action.save")),
      h("button", { class: "btn small", onclick: () => on.cancelEdit() }, t("action.cancel"))));
}

function reactions(m, on) {
  if (!m.reactions || !m.reactions.length || m.pending) return null;
  const me = state.session.user.id;
  return h("div", { class: "reactions" }, m.reactions.map((r) => {
    const mine = r.user_ids.includes(me);
    const who = r.user_ids.map((id) => userName(id)).join(", ");
    return h("button", {
      class: ["reaction", mine && "mine"], "data-testid": "reaction", "data-emoji": r.emoji,
      title: who, "aria-pressed": mine ? "true" : "false", onclick: () => on.react(m, r.emoji, !mine),
    }, h("span", { class: "emoji" }, r.emoji), h("span", { class: "count" }, String(r.count)));
  }), h("button", { class: "reaction add", title: t("msg.react"), "aria-label": t("msg.react"), onclick: (ev) => on.pickEmoji(m, ev.currentTarget) }, icon("smile", 14)));
}

function threadLink(m, view, on) {
  if (view.mode !== "main" || !m.reply_count) return null;
  return h("button", { class: "thread-link", "data-testid": "thread-link", onclick: () => on.openThread(m) },
    t("msg.replies", { n: m.reply_count }));
}

function status(m, on) {
  if (!m.pending) return null;
  if (m.pending !== "failed") return h("div", { class: "msg-status" }, h("span", { class: "spinner" }), t("msg.sending"));
  return h("div", { class: "msg-status failed", "data-testid": "failed" },
    t("msg.failed"), m.error ? ` — ${errorText({ code: m.error })}` : "",
    h("button", { class: "link", "data-testid": "retry", onclick: () => on.retry(m) }, t("action.retry")),
    h("button", { class: "link", onclick: () => on.discard(m) }, t("action.discard")));
}

function toolbar(m, mine, view, on) {
  const summary = state.conversations.get(m.conversation_id);
  const mayReply = !postBlock(summary, { reply: true });
  const mayPin = !postBlock(summary);
  const button = (label, icon, action, testid) => h("button", {
    class: "icon-btn small", title: label, "aria-label": label, "data-testid": testid, onclick: action,
  }, icon);
  return h("div", { class: "msg-actions", role: "toolbar" },
    button(t("msg.react"), icon("smile", 16), (ev) => on.pickEmoji(m, ev.currentTarget), "act-react"),
    view.mode === "main" && (mayReply || m.reply_count) ? button(t("msg.reply"), icon("reply", 16), () => on.openThread(m), "act-reply") : null,
    mayPin ? button(m.pinned ? t("msg.unpin") : t("msg.pin"), icon("pin", 16), () => on.pin(m, !m.pinned), "act-pin") : null,
    mine && canEdit(m, summary) ? button(t("msg.edit"), icon("pencil", 16), () => on.edit(m), "act-edit") : null,
    canDelete(m, summary) ? button(t("msg.delete"), icon("trash", 16), () => on.remove(m), "act-delete") : null,
    button(t("msg.quote"), icon("quote", 16), () => on.quote(m), "act-quote"),
    button(t("msg.forward"), icon("forward", 16), () => on.forward(m), "act-forward"),
    canTranslate(m) ? button(t("msg.translate"), icon("translate", 16), () => translateMessage(m), "act-translate") : null);
}
