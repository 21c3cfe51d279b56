// The side panel of a conversation: a thread, the member list, or the pins.

import { api } from "../core/engine.js";
import { listOf, seg } from "../core/api.js";
import { errorText, t } from "../core/i18n.js";
import { ensureUsers, loadMembers } from "../core/history.js";
import { on, state, isMe } from "../core/store.js";
import { h, clear, batched, debounce } from "./dom.js";
import { icon } from "./icons.js";
import { avatarWithPresence } from "./avatar.js";
import { focusMessage, mountTimeline } from "./timeline.js";
import { mountComposer } from "./composer.js";
import { renderMarkdown } from "./markdown.js";
import { mentionNames } from "./mentions.js";
import { userName } from "./names.js";
import { convHref } from "./router.js";
import { openUserPicker, toast, confirmAction } from "./dialogs.js";
import { formatDateTime } from "../core/i18n.js";

export function mountPanel(el, route) {
  const body = h("div", { class: "panel-body" });
  const title = { thread: "panel.thread", members: "panel.members", pins: "panel.pins" }[route.panel] || "panel.thread";
  el.append(h("header", { class: "panel-head" },
    h("h3", null, t(title)),
    h("a", { class: "icon-btn", href: convHref(route.conv), title: t("action.close"), "aria-label": t("action.close"), "data-testid": "close-panel" }, icon("close"))), body);
  if (route.panel === "thread" && route.panelId) return mountThread(body, route.conv, route.panelId);
  if (route.panel === "members") return mountMembers(body, route.conv);
  if (route.panel === "pins") return mountPins(body, route.conv);
  return () => {};
}

function mountThread(el, conv, rootId) {
  const timelineEl = h("div", { class: "timeline-wrap thread", "data-testid": "thread" });
  const composerEl = h("div", { class: "composer-wrap" });
  el.append(timelineEl, composerEl);
  const stops = [mountTimeline(timelineEl, conv, { mode: "thread", rootId }), mountComposer(composerEl, conv, rootId)];
  return () => stops.forEach((stop) => stop());
}

function mountMembers(el, conv) {
  const summary = state.conversations.get(conv);
  const list = h("ul", { class: "member-list", "data-testid": "member-list" });
  const canManage = summary && summary.kind !== "direct"
    && (summary.kind === "channel" || summary.my_role === "owner" || summary.my_role === "admin" || state.session.user.role === "admin");
  if (canManage) {
    el.append(h("button", { class: "btn", "data-testid": "invite-members", onclick: () => invite(conv) }, t("members.invite")));
  }
  el.append(list);
  const render = batched(() => {
    const members = state.members.get(conv);
    if (!members) return;
    const me = state.conversations.get(conv) || {};
    const manager = me.my_role === "owner" || me.my_role === "admin" || state.session.user.role === "admin";
    const sorted = [...members.values()].sort((a, b) => userName(a.user_id).localeCompare(userName(b.user_id)));
    list.replaceChildren(...sorted.map((m) => h("li", { class: "member", "data-user-id": m.user_id, "data-testid": "member" },
      h("button", { type: "button", class: "member-person", "data-profile-user": m.user_id, "data-testid": "member-person" },
        avatarWithPresence(m.user_id, "sm"), h("span", { class: "member-name" }, userName(m.user_id))),
      m.role !== "member" ? h("span", { class: "tag" }, t(`role.${m.role}`)) : null,
      manager && !isMe(m.user_id) ? h("button", {
        class: "link danger", "data-testid": "remove-member", onclick: () => remove(conv, m.user_id),
      }, t("members.remove")) : null)));
  });
  loadMembers(conv, true).then(render).catch((err) => toast(errorText(err), "error"));
  const stops = ["members", "presence", "users", "conversations"].map((topic) => on(topic, render));
  return () => {
    render.cancel();
    stops.forEach((stop) => stop());
  };
}

async function invite(conv) {
  const members = state.members.get(conv) || new Map();
  const ids = await openUserPicker({ title: t("members.invite"), multiple: true, exclude: [...members.keys()] });
  if (!ids || !ids.length) return;
  try {
    await api.post(`/conversations/${seg(conv)}/members`, { user_ids: ids });
    await loadMembers(conv, true);
  } catch (err) {
    toast(errorText(err), "error");
  }
}

async function remove(conv, userId) {
  if (!(await confirmAction(t("members.remove_confirm", { name: userName(userId) })))) return;
  try {
    await api.del(`/conversations/${seg(conv)}/members/${seg(userId)}`);
    await loadMembers(conv, true);
  } catch (err) {
    toast(errorText(err), "error");
  }
}

function mountPins(el, conv) {
  const list = h("div", { class: "pin-list", "data-testid": "pin-list" });
  el.append(list);
  const load = async () => {
    try {
      const data = await api.get(`/conversations/${seg(conv)}/pins`);
      const items = listOf(data);
      await ensureUsers(items.map((m) => m.sender_id));
      clear(list);
      if (!items.length) list.append(h("p", { class: "dim" }, t("pins.none")));
      for (const m of items) list.append(pinCard(conv, m, () => reload()));
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  load();
  const reload = debounce(load, 300);
  return on("timeline", (id) => id === conv && reload());
}

/** One pin: pressing it shows the message in the conversation (or its thread); Unpin removes it. */
function pinCard(conv, m, changed) {
  const show = () => {
    focusMessage(conv, m.id, m.reply_to || null);
    if (m.reply_to) location.hash = convHref(conv, "thread", m.reply_to);
    else if (matchMedia("(max-width: 700px)").matches) location.hash = convHref(conv); // the panel covers the conversation
  };
  const unpin = async (ev) => {
    const card = ev.currentTarget.closest(".pin");
    try {
      await api.del(`/conversations/${seg(conv)}/messages/${seg(m.id)}/pin`);
      card.remove();
      changed();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  return h("div", { class: "pin", "data-testid": "pin", "data-message-id": m.id },
    h("div", {
      class: "pin-open", role: "button", tabindex: "0", title: t("pins.show"), "data-testid": "pin-open",
      onclick: (ev) => { if (!ev.target.closest("a")) show(); },
      onkeydown: (ev) => { if (ev.target === ev.currentTarget && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); show(); } },
    },
    h("div", { class: "msg-head" }, h("span", { class: "msg-author" }, userName(m.sender_id)),
      h("time", { datetime: m.created_at }, formatDateTime(m.created_at))),
    h("div", { class: "msg-body markdown" }, renderMarkdown(m.text, state.session.user.username, mentionNames(m)))),
    h("div", { class: "pin-actions" },
      h("button", { type: "button", class: "link", "data-testid": "pin-unpin", onclick: unpin }, t("msg.unpin"))));
}
