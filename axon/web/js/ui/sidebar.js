// The sidebar: who I am, "Ask Axon" (my DM with the @axon assistant), then Favourites (starred, in the user's order), channels, groups and
// direct messages, each sorted by latest activity, with unread and mention badges and a "Draft"
// marker. Sections collapse; "unread only" filters; favourites reorder by drag and drop or by
// "Move up/down" in an item's menu. All of it is a preference kept on the server, so every
// device of the user shows the same sidebar (core/preferences.js).

import { engine } from "../core/engine.js";
import { t } from "../core/i18n.js";
import { hasDraft } from "../core/drafts.js";
import {
  isCollapsed, isFavourite, moveFavourite, preferences, setCollapsed, setFavourite, setUnreadOnly, stepFavourite,
} from "../core/preferences.js";
import { on, state } from "../core/store.js";
import { h, reconcile, batched } from "./dom.js";
import { icon } from "./icons.js";
import { avatarWithPresence } from "./avatar.js";
import { assistantTag, conversationTitle, userName } from "./names.js";
import { isMuted, setMuted, permission, askPermission } from "./notify.js";
import { convHref } from "./router.js";
import { openSwitcher } from "./switcher.js";
import { mountSearchBox } from "./search_box.js";
import { openNewConversation, openBrowseChannels } from "./create.js";
import { openMenu, toast, toastError } from "./dialogs.js";
import { canBrowseChannels, canCreateChannel, canCreateGroup, isOrgAdmin } from "../core/permissions.js";
import { isAssistant } from "../core/assistant.js";
import { mountAskAxon } from "./assistant.js";

const SECTIONS = [
  { id: "favourites", title: "sidebar.favourites" },
  { id: "channels", kind: "channel", title: "sidebar.channels" },
  { id: "groups", kind: "group", title: "sidebar.groups" },
  { id: "direct", kind: "direct", title: "sidebar.direct" },
];
const DRAG_TYPE = "application/x-axon-conversation";
let dragging = null; // the favourite being dragged

export function mountSidebar(el) {
  const head = h("div", { class: "sidebar-head" });
  const sections = SECTIONS.map((s) => ({
    ...s,
    toggle: h("button", {
      type: "button", class: "section-toggle", "data-testid": `section-toggle-${s.id}`,
      onclick: () => setCollapsed(s.id, !isCollapsed(s.id)).catch(toastError),
    }, icon("chevron", 14), h("span", null, t(s.title))),
    list: h("ul", { class: "conv-list", "data-kind": s.kind || "favourite", id: `conv-list-${s.id}` }),
  }));
  const empty = h("p", { class: "sidebar-empty", "data-testid": "no-unread", hidden: true }, t("sidebar.no_unread"));
  for (const s of sections) s.el = sectionEl(s);
  const foot = h("div", { class: "sidebar-foot" });
  // Mounted once, outside the head (which is redrawn): typing in it must not be interrupted.
  const searchEl = h("div", { class: "sidebar-search" });
  const stopSearch = mountSearchBox(searchEl);
  const askEl = h("div", { class: "sidebar-ask" });
  const stopAsk = mountAskAxon(askEl);
  el.append(head, searchEl, h("nav", { class: "sidebar-body", "aria-label": t("sidebar.conversations") },
    askEl, sections.map((s) => s.el), empty), foot);

  const render = batched(() => {
    renderHead(head);
    let shown = 0;
    for (const s of sections) {
      shown += renderSection(s);
      if (s.create) s.create.hidden = !MAY_CREATE[s.kind]();
    }
    empty.hidden = !(preferences().unread_only && shown === 0);
    renderFoot(foot);
  });
  render();
  const stops = ["conversations", "preferences", "drafts", "users", "presence", "route", "session", "notifications",
    "connection"].map((topic) => on(topic, render));
  return () => {
    render.cancel();
    stopSearch();
    stopAsk();
    stops.forEach((stop) => stop());
  };
}

function sectionEl(s) {
  s.toggle.setAttribute("aria-controls", s.list.id);
  s.create = s.kind ? h("button", {
    class: "icon-btn small", title: t(`sidebar.new_${s.kind}`), "aria-label": t(`sidebar.new_${s.kind}`),
    "data-testid": `new-${s.kind}`, onclick: () => openNewConversation(s.kind),
  }, icon("plus", 16)) : null;
  return h("section", { class: "conv-section", "data-section": s.id },
    h("div", { class: "conv-section-head" }, h("h3", null, s.toggle), s.create),
    s.list);
}

/** Whether the organisation's policy and modules let the user start a conversation of this kind. */
const MAY_CREATE = { channel: canCreateChannel, group: canCreateGroup, direct: () => true };

/** Draw one section; returns how many conversations it shows. */
function renderSection(s) {
  const items = rows(s);
  const collapsed = isCollapsed(s.id);
  // Favourites appear once something is starred; the others always (for their "+").
  s.el.hidden = s.id === "favourites" && !preferences().favourites.some((id) => state.conversations.has(id));
  s.toggle.setAttribute("aria-expanded", String(!collapsed));
  s.el.classList.toggle("collapsed", collapsed);
  s.list.hidden = collapsed;
  reconcile(s.list, items);
  return collapsed ? 0 : items.length;
}

function renderHead(head) {
  const user = state.session.user;
  const org = state.session.org;
  const unreadOnly = preferences().unread_only;
  head.replaceChildren(
    h("div", { class: "org-name" }, org ? org.name : "Axon"),
    h("a", { class: "me", href: "#/settings", "data-testid": "me", title: t("sidebar.settings") },
      avatarWithPresence(user.id, "sm"),
      h("span", { class: "me-name" }, userName(user.id))),
    h("div", { class: "sidebar-actions" },
      h("button", { class: "search-btn", "data-testid": "open-switcher", onclick: () => openSwitcher() },
        t("sidebar.search"), h("kbd", null, navigator.platform.includes("Mac") ? "⌘K" : "Ctrl K")),
      h("button", {
        type: "button", class: ["icon-btn", unreadOnly && "on"], "data-testid": "unread-only",
        title: t("sidebar.unread_only"), "aria-label": t("sidebar.unread_only"), "aria-pressed": String(unreadOnly),
        onclick: () => setUnreadOnly(!unreadOnly).catch(toastError),
      }, icon("filter", 16)),
      h("button", {
        type: "button", class: "icon-btn", "data-testid": "mark-all-read",
        title: t("sidebar.mark_all_read_hint"), "aria-label": t("sidebar.mark_all_read"),
        onclick: () => markAllRead(),
      }, icon("checks", 16))));
}

/** Mark every conversation as read (the sidebar button and the Shift+Esc shortcut). */
export async function markAllRead() {
  try {
    await engine.markAllRead();
    toast(t("sidebar.all_read"));
  } catch (err) {
    toastError(err);
  }
}

function renderFoot(foot) {
  const items = canBrowseChannels()
    ? [h("button", { class: "link", onclick: () => openBrowseChannels(), "data-testid": "browse-channels" }, t("sidebar.browse"))]
    : [];
  if (permission() === "default") {
    items.push(h("button", { class: "link", onclick: () => askPermission() }, t("sidebar.enable_notifications")));
  }
  items.push(h("a", { class: "link", href: "#/calendar", "data-testid": "calendar-link" }, t("calendar.title")));
  if (isOrgAdmin()) items.push(h("a", { class: "link", href: "#/admin", "data-testid": "admin-link" }, t("sidebar.admin")));
  items.push(h("a", { class: "link", href: "#/settings", "data-testid": "settings-link" }, t("sidebar.settings")));
  foot.replaceChildren(...items);
}

function activity(c) {
  return c.last_message_at || c.created_at || "";
}

/** Unread in the sense the badge shows: for a muted conversation only mentions count. */
function hasUnread(c) {
  return (c.mention_count || 0) > 0 || (!isMuted(c.id) && (c.unread_count || 0) > 0);
}

function members(s) {
  if (s.id === "favourites") {
    return preferences().favourites.map((id) => state.conversations.get(id)).filter(Boolean);
  }
  return [...state.conversations.values()]
    .filter((c) => c.kind === s.kind && !isFavourite(c.id))
    .sort((a, b) => activity(b).localeCompare(activity(a)) || conversationTitle(a).localeCompare(conversationTitle(b)));
}

function rows(s) {
  const active = state.route.name === "conversation" ? state.route.conv : null;
  const unreadOnly = preferences().unread_only;
  const favourites = preferences().favourites.filter((id) => state.conversations.has(id));
  return members(s)
    .filter((c) => !unreadOnly || c.id === active || hasUnread(c))
    .map((c) => {
      const title = conversationTitle(c);
      const view = {
        title, muted: isMuted(c.id), active: c.id === active, draft: c.id !== active && hasDraft(c.id),
        favourite: s.id === "favourites", place: favourites.indexOf(c.id), count: favourites.length,
      };
      const presence = c.peer_id ? (state.presence.get(c.peer_id) || {}).state : "";
      const sig = [title, c.unread_count, c.mention_count, view.muted, view.active, view.draft, view.place,
        view.count, presence, c.archived, isAssistant(c.peer_id)].join("|");
      return { key: c.id, sig, render: () => item(c, view) };
    });
}

function item(c, view) {
  const glyph = c.kind === "direct" ? avatarWithPresence(c.peer_id, "xs")
    : h("span", { class: "conv-icon", "aria-hidden": "true" }, icon(c.kind === "channel" ? "hash" : "lock", 15));
  // The open conversation shows what is new in its own view ("New messages ↓"); its counts
  // stay (the read marker moves only once the newest message was on screen) and come back
  // here when it is left unread. A muted conversation shows mentions only.
  const unread = view.active || view.muted ? 0 : c.unread_count || 0;
  const mentions = view.active ? 0 : c.mention_count || 0;
  const link = h("a", {
    href: convHref(c.id), draggable: "false",
    class: ["conv-item", view.active && "active", (unread || mentions) && "unread", view.muted && "muted",
      c.archived && "archived"],
    "data-testid": "conv-item", "data-conv-id": c.id, "aria-current": view.active ? "page" : null,
  },
  glyph,
  h("span", { class: "conv-name" }, view.title),
  c.kind === "direct" ? assistantTag(c.peer_id, "conv-item-assistant") : null,
  view.draft ? h("span", { class: "draft-marker", "data-testid": "draft-marker" }, t("sidebar.draft")) : null,
  view.muted ? h("span", { class: "muted-icon", title: t("conv.muted") }, icon("bellOff", 14)) : null,
  mentions ? h("span", { class: "badge badge-mention", "data-testid": "mention-badge", title: t("sidebar.mentions", { n: mentions }) }, `@${mentions}`) : null,
  unread ? h("span", { class: "badge badge-unread", "data-testid": "unread-badge", title: t("sidebar.unread", { n: unread }) }, String(unread)) : null);
  const menu = h("button", {
    type: "button", class: "icon-btn small item-menu-btn", "data-testid": "conv-item-menu", "aria-haspopup": "menu",
    title: t("sidebar.item_menu", { name: view.title }), "aria-label": t("sidebar.item_menu", { name: view.title }),
    onclick: (ev) => openMenu(ev.currentTarget, itemActions(c, view), { testid: "conv-item-actions" }),
  }, icon("more", 16));
  const li = h("li", { class: "conv-row", "data-conv-id": c.id }, link, menu);
  if (view.favourite) draggableFavourite(li, c.id);
  return li;
}

function itemActions(c, view) {
  const starred = isFavourite(c.id);
  const fail = (p) => p.catch(toastError);
  return [
    { id: "star", label: starred ? t("conv.unstar") : t("conv.star"), icon: "star", pressed: starred,
      run: () => fail(setFavourite(c.id, !starred)) },
    view.favourite && view.place > 0 && { id: "move-up", label: t("sidebar.move_up"), icon: "up",
      run: () => fail(stepFavourite(c.id, -1)) },
    view.favourite && view.place < view.count - 1 && { id: "move-down", label: t("sidebar.move_down"), icon: "down",
      run: () => fail(stepFavourite(c.id, 1)) },
    { id: "mute", label: view.muted ? t("conv.unmute") : t("conv.mute"), icon: view.muted ? "bell" : "bellOff",
      run: () => setMuted(c.id, !view.muted) },
  ].filter(Boolean);
}

/** HTML5 drag and drop among the favourites: dropping on an item puts the dragged one before it
 * (or after it, in the item's lower half). */
function draggableFavourite(li, convId) {
  li.draggable = true;
  li.addEventListener("dragstart", (ev) => {
    dragging = convId;
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData(DRAG_TYPE, convId);
    li.classList.add("dragging");
  });
  li.addEventListener("dragend", () => {
    dragging = null;
    li.classList.remove("dragging");
  });
  li.addEventListener("dragover", (ev) => {
    if (!dragging || dragging === convId) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    const after = lowerHalf(li, ev);
    li.classList.toggle("drop-before", !after);
    li.classList.toggle("drop-after", after);
  });
  li.addEventListener("dragleave", () => li.classList.remove("drop-before", "drop-after"));
  li.addEventListener("drop", (ev) => {
    ev.preventDefault();
    li.classList.remove("drop-before", "drop-after");
    const moved = ev.dataTransfer.getData(DRAG_TYPE) || dragging;
    if (!moved || moved === convId) return;
    const order = preferences().favourites.filter((id) => id !== moved);
    const next = lowerHalf(li, ev) ? order[order.indexOf(convId) + 1] || null : convId;
    moveFavourite(moved, next).catch(toastError);
  });
}

function lowerHalf(el, ev) {
  const rect = el.getBoundingClientRect();
  return ev.clientY > rect.top + rect.height / 2;
}
