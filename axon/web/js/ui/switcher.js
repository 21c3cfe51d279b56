// Quick switcher (Ctrl/Cmd+K): conversations by name, people by name, username or
// pinyin (the server matches those), public channels to join.

import { api } from "../core/engine.js";
import { clampQuery, listOf } from "../core/api.js";
import { t } from "../core/i18n.js";
import { searchUsers } from "../core/history.js";
import { state } from "../core/store.js";
import { h, debounce } from "./dom.js";
import { icon } from "./icons.js";
import { avatarWithPresence } from "./avatar.js";
import { conversationSearchText, conversationTitle, userName } from "./names.js";
import { modal } from "./dialogs.js";
import { openDirect, join } from "./create.js";
import { go } from "./router.js";

let open = null;

export function openSwitcher() {
  if (open) return;
  const input = h("input", { type: "search", placeholder: t("switcher.placeholder"), "data-testid": "switcher-input", autocomplete: "off" });
  const list = h("ul", {
    class: "result-list switcher-list", role: "listbox", "aria-label": t("switcher.title"), "data-testid": "switcher-results",
  });
  let items = [];
  let active = 0;
  // Modeless: a click elsewhere closes the switcher and still does what it was aimed at.
  const { close } = modal(t("switcher.title"), h("div", { class: "stack" }, input, list), {
    testid: "switcher", modeless: true, onClose: () => { open = null; },
  });
  open = close;

  const draw = () => {
    list.replaceChildren(...items.map((item, i) => h("li", { role: "none" }, h("button", {
      class: ["result", i === active && "active"], role: "option", "aria-selected": i === active ? "true" : "false",
      "data-testid": "switcher-item", "data-kind": item.kind,
      onclick: () => pick(item), onmousemove: () => { if (active !== i) { active = i; draw(); } },
    }, item.icon, h("span", { class: "grow" }, item.label), h("span", { class: "dim" }, item.hint)))));
    if (!items.length) list.append(h("li", { class: "dim", role: "option", "aria-disabled": "true" }, t("switcher.none")));
  };

  const pick = (item) => {
    close();
    item.run();
  };

  let latest = 0;
  const search = async () => {
    const ticket = ++latest;
    const q = clampQuery(input.value.toLowerCase());
    items = localConversations(q);
    active = 0;
    draw();
    if (!q) return;
    const [users, channels] = await Promise.all([
      searchUsers(q).catch(() => []),
      api.get("/channels", { q, limit: 10 }).then(listOf).catch(() => []),
    ]);
    if (ticket !== latest) return;
    items = items.concat(peopleItems(users, items), channelItems(channels));
    draw();
  };
  const searchSoon = debounce(search, 120);
  input.addEventListener("input", searchSoon);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!items.length) return;
      active = (active + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      draw();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      if (items[active]) pick(items[active]);
    }
  });
  search();
  input.focus();
}

function localConversations(q) {
  return [...state.conversations.values()]
    .filter((c) => !q || conversationSearchText(c).includes(q))
    .sort((a, b) => (b.last_message_at || "").localeCompare(a.last_message_at || ""))
    .slice(0, 12)
    .map((c) => ({
      kind: "conversation", key: c.id, label: conversationTitle(c), hint: t(`kind.${c.kind}`),
      icon: c.kind === "direct" ? avatarWithPresence(c.peer_id, "xs") : h("span", { class: "conv-icon" }, icon(c.kind === "channel" ? "hash" : "lock", 15)),
      run: () => go("c", c.id),
    }));
}

function peopleItems(users, already) {
  const peers = new Set(already.map((i) => state.conversations.get(i.key)).filter((c) => c && c.peer_id).map((c) => c.peer_id));
  return users.filter((u) => u.id !== state.session.user.id && !peers.has(u.id) && !u.disabled).map((u) => ({
    kind: "person", key: u.id, label: userName(u.id), hint: `@${u.username}`,
    icon: avatarWithPresence(u.id, "xs"), run: () => openDirect(u.id),
  }));
}

function channelItems(channels) {
  return channels.filter((c) => !state.conversations.has(c.id)).map((c) => ({
    kind: "channel", key: c.id, label: `# ${c.name}`, hint: t("switcher.join"),
    icon: h("span", { class: "conv-icon" }, icon("hash", 15)), run: () => join(c),
  }));
}
