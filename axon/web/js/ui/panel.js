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
import { assistantTag, userName } from "./names.js";
import { convHref } from "./router.js";
import { modal, openUserPicker, toast, confirmAction } from "./dialogs.js";
import { formatDateTime } from "../core/i18n.js";
import { canInviteGuests, isGuest, isManager, isOrgAdmin } from "../core/permissions.js";
import { mountFilesPanel } from "./files_panel.js";

export function mountPanel(el, route) {
  const body = h("div", { class: "panel-body" });
  const title = { thread: "panel.thread", members: "panel.members", pins: "panel.pins", files: "panel.files" }[route.panel] || "panel.thread";
  el.append(h("header", { class: "panel-head" },
    h("h3", null, t(title)),
    h("a", { class: "icon-btn", href: convHref(route.conv), title: t("action.close"), "aria-label": t("action.close"), "data-testid": "close-panel" }, icon("close"))), body);
  if (route.panel === "thread" && route.panelId) return mountThread(body, route.conv, route.panelId);
  if (route.panel === "members") return mountMembers(body, route.conv);
  if (route.panel === "pins") return mountPins(body, route.conv);
  if (route.panel === "files") return mountFilesPanel(body, route.conv);
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
  // Adding people: any member who is not read-only or a guest (the server's add_members rule).
  const canAdd = Boolean(summary) && summary.kind !== "direct" && !summary.archived && summary.my_role !== "read_only"
    && !isGuest();
  const actions = h("div", { class: "row member-actions" });
  if (canAdd) {
    actions.append(h("button", { class: "btn", "data-testid": "invite-members", onclick: () => invite(conv) }, t("members.invite")));
  }
  if (summary && summary.kind !== "direct" && canInviteGuests() && summary.my_role !== "read_only") {
    actions.append(h("button", { class: "btn", "data-testid": "invite-guest", onclick: () => inviteGuest(conv) }, t("members.invite_guest")));
  }
  el.append(actions, list);
  const render = batched(() => {
    const members = state.members.get(conv);
    if (!members) return;
    const me = state.conversations.get(conv) || {};
    const manager = isManager(me);
    const setsRoles = me.my_role === "owner" || isOrgAdmin();
    const sorted = [...members.values()].sort((a, b) => userName(a.user_id).localeCompare(userName(b.user_id)));
    list.replaceChildren(...sorted.map((m) => h("li", { class: "member", "data-user-id": m.user_id, "data-testid": "member" },
      h("button", { type: "button", class: "member-person", "data-profile-user": m.user_id, "data-testid": "member-person" },
        avatarWithPresence(m.user_id, "sm"), h("span", { class: "member-name" }, userName(m.user_id))),
      isGuest(state.users.get(m.user_id)) ? h("span", { class: "tag guest", "data-testid": "guest-tag" }, t("role.org_guest")) : null,
      assistantTag(m.user_id),
      setsRoles && !isMe(m.user_id) && me.kind !== "direct" ? roleSelect(conv, m)
        : m.role !== "member" ? h("span", { class: "tag", "data-testid": "member-role" }, t(`role.${m.role}`)) : null,
      manager && !isMe(m.user_id) ? h("button", {
        class: "link danger", "data-testid": "remove-member", onclick: () => remove(conv, m.user_id),
      }, t("members.remove")) : null)));
  });
  loadMembers(conv, true).then(render).catch((err) => toast(errorText(err), "error"));
  const stops = ["members", "presence", "users", "conversations", "session"].map((topic) => on(topic, render));
  return () => {
    render.cancel();
    stops.forEach((stop) => stop());
  };
}

/** A member's role in the conversation, for its owners and the organisation's admins to change. */
function roleSelect(conv, m) {
  const select = h("select", {
    class: "role-select", "data-testid": "member-role-select", "aria-label": t("members.role_of", { name: userName(m.user_id) }),
    onchange: async () => {
      try {
        await api.patch(`/conversations/${seg(conv)}/members/${seg(m.user_id)}`, { role: select.value });
      } catch (err) {
        select.value = m.role;
        toast(errorText(err), "error");
      }
    },
  }, ["owner", "admin", "member", "read_only"].map((role) => h("option", { value: role, selected: role === m.role }, t(`role.${role}`))));
  return select;
}

/** A guest invite link into this conversation, shown once to copy. */
async function inviteGuest(conv) {
  try {
    const invite = await api.post("/guest-invites", { conversation_ids: [conv] });
    const link = `${location.origin}${location.pathname}#/invite/${invite.token}`;
    const field = h("input", { type: "text", readonly: true, value: link, "data-testid": "guest-invite-link", class: "mono" });
    modal(t("members.invite_guest"), h("div", { class: "stack" }, h("p", { class: "dim" }, t("members.guest_hint")), field),
      { testid: "guest-invite-dialog" });
    field.select();
  } catch (err) {
    toast(errorText(err), "error");
  }
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
