// The sidebar: who I am, then channels, groups and direct messages, each sorted by
// latest activity, with unread and mention badges.

import { t } from "../core/i18n.js";
import { on, state } from "../core/store.js";
import { h, reconcile, batched } from "./dom.js";
import { icon } from "./icons.js";
import { avatarWithPresence } from "./avatar.js";
import { conversationTitle, userName } from "./names.js";
import { isMuted, permission, askPermission } from "./notify.js";
import { convHref } from "./router.js";
import { openSwitcher } from "./switcher.js";
import { openNewConversation, openBrowseChannels } from "./create.js";

const SECTIONS = [
  { kind: "channel", title: "sidebar.channels" },
  { kind: "group", title: "sidebar.groups" },
  { kind: "direct", title: "sidebar.direct" },
];

export function mountSidebar(el) {
  const head = h("div", { class: "sidebar-head" });
  const lists = SECTIONS.map((s) => ({ ...s, list: h("ul", { class: "conv-list", "data-kind": s.kind }) }));
  const foot = h("div", { class: "sidebar-foot" });
  el.append(head, h("nav", { class: "sidebar-body", "aria-label": t("sidebar.conversations") },
    lists.map((s) => h("section", { class: "conv-section" },
      h("div", { class: "conv-section-head" },
        h("h3", null, t(s.title)),
        h("button", {
          class: "icon-btn small", title: t(`sidebar.new_${s.kind}`), "aria-label": t(`sidebar.new_${s.kind}`),
          "data-testid": `new-${s.kind}`, onclick: () => openNewConversation(s.kind),
        }, icon("plus", 16))),
      s.list))), foot);

  const render = batched(() => {
    renderHead(head);
    for (const s of lists) reconcile(s.list, rows(s.kind));
    renderFoot(foot);
  });
  render();
  const stops = ["conversations", "users", "presence", "route", "session", "notifications", "connection"].map((topic) => on(topic, render));
  return () => {
    render.cancel();
    stops.forEach((stop) => stop());
  };
}

function renderHead(head) {
  const user = state.session.user;
  const org = state.session.org;
  head.replaceChildren(
    h("div", { class: "org-name" }, org ? org.name : "Axon"),
    h("a", { class: "me", href: "#/settings", "data-testid": "me", title: t("sidebar.settings") },
      avatarWithPresence(user.id, "sm"),
      h("span", { class: "me-name" }, userName(user.id))),
    h("div", { class: "sidebar-actions" },
      h("button", { class: "search-btn", "data-testid": "open-switcher", onclick: () => openSwitcher() },
        t("sidebar.search"), h("kbd", null, navigator.platform.includes("Mac") ? "⌘K" : "Ctrl K"))));
}

function renderFoot(foot) {
  const items = [h("button", { class: "link", onclick: () => openBrowseChannels(), "data-testid": "browse-channels" }, t("sidebar.browse"))];
  if (permission() === "default") {
    items.push(h("button", { class: "link", onclick: () => askPermission() }, t("sidebar.enable_notifications")));
  }
  if (state.session.user.role === "admin") items.push(h("a", { class: "link", href: "#/admin", "data-testid": "admin-link" }, t("sidebar.admin")));
  items.push(h("a", { class: "link", href: "#/settings", "data-testid": "settings-link" }, t("sidebar.settings")));
  foot.replaceChildren(...items);
}

function activity(c) {
  return c.last_message_at || c.created_at || "";
}

function rows(kind) {
  const active = state.route.name === "conversation" ? state.route.conv : null;
  return [...state.conversations.values()]
    .filter((c) => c.kind === kind)
    .sort((a, b) => activity(b).localeCompare(activity(a)) || conversationTitle(a).localeCompare(conversationTitle(b)))
    .map((c) => {
      const title = conversationTitle(c);
      const muted = isMuted(c.id);
      const presence = c.peer_id ? (state.presence.get(c.peer_id) || {}).state : "";
      const sig = [title, c.unread_count, c.mention_count, muted, c.id === active, presence, c.archived].join("|");
      return { key: c.id, sig, render: () => item(c, title, muted, c.id === active) };
    });
}

function item(c, title, muted, active) {
  const glyph = c.kind === "direct" ? avatarWithPresence(c.peer_id, "xs")
    : h("span", { class: "conv-icon", "aria-hidden": "true" }, icon(c.kind === "channel" ? "hash" : "lock", 15));
  // The open conversation shows what is new in its own view ("New messages ↓"); its counts
  // stay (the read marker moves only once the newest message was on screen) and come back
  // here when it is left unread.
  const unread = active ? 0 : c.unread_count || 0;
  const mentions = active ? 0 : c.mention_count || 0;
  return h("li", null, h("a", {
    href: convHref(c.id),
    class: ["conv-item", active && "active", unread && "unread", muted && "muted", c.archived && "archived"],
    "data-testid": "conv-item", "data-conv-id": c.id, "aria-current": active ? "page" : null,
  },
  glyph,
  h("span", { class: "conv-name" }, title),
  muted ? h("span", { class: "muted-icon", title: t("conv.muted") }, icon("bellOff", 14)) : null,
  mentions ? h("span", { class: "badge badge-mention", "data-testid": "mention-badge", title: t("sidebar.mentions", { n: mentions }) }, `@${mentions}`) : null,
  unread ? h("span", { class: "badge badge-unread", "data-testid": "unread-badge", title: t("sidebar.unread", { n: unread }) }, String(unread)) : null));
}

