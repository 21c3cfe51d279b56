// One open conversation: header, timeline, typing line and composer.

import { api, engine } from "../core/engine.js";
import { seg } from "../core/api.js";
import { t } from "../core/i18n.js";
import { loadMembers } from "../core/history.js";
import { on, state } from "../core/store.js";
import { h, clear } from "./dom.js";
import { icon } from "./icons.js";
import { avatarWithPresence } from "./avatar.js";
import { assistantTag, conversationTitle, userName } from "./names.js";
import { isAssistant } from "../core/assistant.js";
import { mountAssistantIntro } from "./assistant.js";
import { isMuted, setMuted } from "./notify.js";
import { isFavourite, setFavourite } from "../core/preferences.js";
import { convHref } from "./router.js";
import { mountTimeline } from "./timeline.js";
import { mountComposer } from "./composer.js";
import { mountSmartReplies } from "./smart_replies.js";
import { openMenu, promptText, confirmAction, toast } from "./dialogs.js";
import { errorText, formatList } from "../core/i18n.js";
import { isManager, moduleOn, postBlock } from "../core/permissions.js";

export function mountConversation(el, convId) {
  const conv = state.conversations.get(convId);
  if (!conv) {
    el.append(h("div", { class: "empty-state", "data-testid": "conv-missing" },
      h("p", null, state.ready ? t("conv.not_found") : t("timeline.loading"))));
    return () => {};
  }
  const header = h("header", { class: "conv-header", "data-testid": "conv-header" });
  const timelineEl = h("div", { class: "timeline-wrap" });
  const typingEl = h("div", { class: "typing", "aria-live": "polite", "data-testid": "typing" });
  const composerEl = h("div", { class: "composer-wrap" });
  const introEl = h("div", { class: "assistant-intro", hidden: true, "data-testid": "assistant-intro" });
  const repliesEl = h("div", { class: "smart-replies", "data-testid": "smart-replies" });
  el.append(h("section", { class: "conversation", "data-conv-id": convId }, header, timelineEl, introEl, typingEl, repliesEl,
    composerEl));

  const renderHeader = () => {
    const c = state.conversations.get(convId);
    if (c) renderConvHeader(header, c);
  };
  const renderTyping = () => renderTypingLine(typingEl, convId);
  renderHeader();
  renderTyping();
  loadMembers(convId).catch(() => {});
  const stops = [
    mountTimeline(timelineEl, convId, { mode: "main" }),
    mountComposer(composerEl, convId, null),
    mountSmartReplies(repliesEl, convId, composerEl),
    mountAssistantIntro(introEl, convId, composerEl),
    on("conversations", renderHeader),
    on("presence", renderHeader),
    on("users", renderHeader),
    on("typing", (id) => id === convId && renderTyping()),
  ];
  return () => stops.forEach((stop) => stop());
}

function renderConvHeader(header, c) {
  const title = conversationTitle(c);
  const actions = headerActions(c);
  // My DM with the @axon assistant says what it is where a topic would be.
  const withAssistant = c.kind === "direct" && isAssistant(c.peer_id);
  clear(header).append(
    h("a", { class: "icon-btn back", href: "#/", title: t("conv.back"), "aria-label": t("conv.back") }, icon("back", 22)),
    c.kind === "direct" ? avatarWithPresence(c.peer_id, "sm") : h("span", { class: "conv-icon" }, icon(c.kind === "channel" ? "hash" : "lock")),
    h("div", { class: "conv-title" },
      h("h2", { "data-testid": "conv-title" }, title, withAssistant ? assistantTag(c.peer_id, "conv-assistant-tag") : null,
        c.archived ? h("span", { class: "tag" }, t("conv.archived")) : null,
        c.announcement ? h("span", { class: "tag announcement", "data-testid": "announcement-tag" }, t("conv.announcement")) : null),
      h("div", { class: "conv-topic", "data-testid": "conv-topic", title: c.topic || "" },
        c.topic || (withAssistant ? t("assistant.tagline") : c.kind === "direct" ? "" : t("conv.no_topic")))),
    h("div", { class: "conv-actions" },
      actions.map(actionButton),
      // On a phone the secondary actions live in this menu, so the title stays readable.
      h("button", {
        type: "button", class: "icon-btn more-btn", title: t("conv.more"), "aria-label": t("conv.more"),
        "aria-haspopup": "menu", "data-testid": "more-actions",
        onclick: (ev) => openMenu(ev.currentTarget, actions.filter((a) => a.secondary), { testid: "more-menu" }),
      }, icon("more"))));
}

/** The header's actions, each with a label for screen readers, tooltips and the phone menu. */
function headerActions(c) {
  const muted = isMuted(c.id);
  const starred = isFavourite(c.id);
  const room = c.kind !== "direct";
  const canManage = room && isManager(c);
  const mayTopic = room && !postBlock(c);
  return [
    { id: "star-toggle", label: starred ? t("conv.unstar") : t("conv.star"), icon: "star", pressed: starred,
      class: "star-btn", run: () => setFavourite(c.id, !starred).catch((err) => toast(errorText(err), "error")) },
    { id: "open-pins", label: t("conv.pins"), icon: "pin", href: convHref(c.id, "pins"), secondary: true },
    moduleOn("files") && { id: "open-files", label: t("conv.files"), icon: "files", href: convHref(c.id, "files"), secondary: true },
    room && { id: "open-members", label: t("conv.members"), icon: "users", href: convHref(c.id, "members"), count: c.member_count, class: "members-btn" },
    { id: "mute-toggle", label: muted ? t("conv.unmute") : t("conv.mute"), icon: muted ? "bellOff" : "bell", pressed: muted,
      run: () => setMuted(c.id, !muted), secondary: true },
    canManage && { id: "rename", label: t("conv.rename"), icon: "pencil", run: () => rename(c), secondary: true },
    mayTopic && { id: "edit-topic", label: t("conv.edit_topic"), icon: "topic", run: () => editTopic(c), secondary: true },
    canManage && { id: "announcement-toggle", label: c.announcement ? t("conv.announcement_off") : t("conv.announcement_on"),
      icon: "megaphone", pressed: Boolean(c.announcement), run: () => toggleAnnouncement(c), secondary: true },
    canManage && { id: "archive", label: c.archived ? t("conv.unarchive") : t("conv.archive"), icon: "archive", run: () => archive(c), secondary: true },
    room && { id: "leave", label: t("conv.leave"), icon: "leave", run: () => leave(c), secondary: true },
  ].filter(Boolean);
}

function actionButton(a) {
  const attrs = {
    // The name includes a shown count ("Members 3"), so what is seen is what is said and heard.
    class: ["icon-btn", a.class, a.secondary && "secondary", a.pressed && "on"], title: a.label,
    "aria-label": a.count ? `${a.label} ${a.count}` : a.label,
    "aria-pressed": a.pressed === undefined ? null : String(a.pressed), "data-testid": a.id,
  };
  const content = [icon(a.icon), a.count ? h("span", { class: "count", "aria-hidden": "true" }, String(a.count)) : null];
  return a.href ? h("a", { ...attrs, href: a.href }, content) : h("button", { ...attrs, type: "button", onclick: a.run }, content);
}

function renderTypingLine(el, convId) {
  const typers = state.typing.get(convId);
  const now = Date.now();
  const names = typers ? [...typers].filter(([, until]) => until > now).map(([id]) => userName(id)) : [];
  el.textContent = names.length ? t("typing", { names: formatList(names), n: names.length }) : "";
}

async function rename(c) {
  const name = await promptText(t("conv.rename"), c.name);
  if (name && name !== c.name) await act(() => api.patch(`/conversations/${seg(c.id)}`, { name }));
}

async function editTopic(c) {
  const topic = await promptText(t("conv.edit_topic"), c.topic || "", { allowEmpty: true });
  if (topic !== null && topic !== c.topic) await act(() => api.patch(`/conversations/${seg(c.id)}`, { topic }));
}

async function toggleAnnouncement(c) {
  await act(() => api.patch(`/conversations/${seg(c.id)}`, { announcement: !c.announcement }));
}

async function archive(c) {
  await act(() => api.post(`/conversations/${seg(c.id)}/${c.archived ? "unarchive" : "archive"}`));
}

async function leave(c) {
  if (!(await confirmAction(t("conv.leave_confirm", { name: conversationTitle(c) })))) return;
  if (await act(() => api.post(`/conversations/${seg(c.id)}/leave`))) engine.forgetConversation(c.id);
}

export async function act(fn) {
  try {
    await fn();
    return true;
  } catch (err) {
    toast(errorText(err), "error");
    return false;
  }
}
