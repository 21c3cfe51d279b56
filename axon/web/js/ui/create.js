// Starting conversations: a direct message, a group or a channel; browsing and
// joining public channels.

import { api, engine } from "../core/engine.js";
import { clampQuery, listOf, seg } from "../core/api.js";
import { t } from "../core/i18n.js";
import { h } from "./dom.js";
import { chipRemove, modal, userSearchBox, toastError } from "./dialogs.js";
import { userName } from "./names.js";
import { go } from "./router.js";
import { canCreateChannel, canCreateGroup } from "../core/permissions.js";

export async function openDirect(userId) {
  try {
    const conv = await api.post("/conversations/direct", { user_id: userId });
    engine.addConversation(conv);
    go("c", conv.id);
  } catch (err) {
    toastError(err);
  }
}

export function openNewConversation(kind = "direct") {
  const body = h("div", { class: "stack" });
  const tabs = h("div", { class: "tabs", role: "tablist" });
  const { close } = modal(t("create.title"), h("div", null, tabs, body), { testid: "create-dialog" });
  const show = (k) => {
    // Only the kinds the organisation's policy and modules let this user create.
    const kinds = ["direct", canCreateGroup() && "group", canCreateChannel() && "channel"].filter(Boolean);
    tabs.replaceChildren(...kinds.map((name) => h("button", {
      class: ["tab", name === k && "active"], role: "tab", "aria-selected": name === k ? "true" : "false",
      "data-testid": `create-tab-${name}`, onclick: () => show(name),
    }, t(`create.${name}`))));
    body.replaceChildren(k === "direct" ? directForm(close) : roomForm(k, close));
  };
  show(kind === "group" && canCreateGroup() || kind === "channel" && canCreateChannel() ? kind : "direct");
}

function directForm(close) {
  const { input, results } = userSearchBox({ onPick: (user) => { close(); openDirect(user.id); } });
  queueMicrotask(() => input.focus());
  return h("div", { class: "stack" }, h("p", { class: "dim" }, t("create.direct_hint")), input, results);
}

function roomForm(kind, close) {
  const chosen = new Map();
  const name = h("input", { type: "text", required: true, maxlength: 80, "data-testid": "create-name" });
  const topic = h("input", { type: "text", maxlength: 250, "data-testid": "create-topic" });
  const chips = h("div", { class: "chips", "data-testid": "picked" });
  const drawChips = () => chips.replaceChildren(...[...chosen.keys()].map((id) => h("span", { class: "chip", "data-user-id": id }, userName(id),
    chipRemove(() => { chosen.delete(id); drawChips(); refresh(); }))));
  const { input, results, refresh } = userSearchBox({
    hide: (user) => chosen.has(user.id),
    onPick: (user) => {
      chosen.set(user.id, true);
      drawChips();
      // Ready for the next person: the search starts over and keeps the focus.
      input.value = "";
      refresh();
      input.focus();
    },
  });
  const form = h("form", { class: "stack" },
    h("label", null, t("create.name"), name),
    h("label", null, t("create.topic"), topic),
    h("label", null, t("create.members"), input),
    chips, results,
    h("div", { class: "row end" }, h("button", { type: "submit", class: "btn primary", "data-testid": "create-submit" }, t(`create.submit_${kind}`))));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const conv = await api.post("/conversations", {
        kind, name: name.value.trim(), topic: topic.value.trim() || undefined, member_ids: [...chosen.keys()],
      });
      engine.addConversation(conv);
      close();
      go("c", conv.id);
    } catch (err) {
      toastError(err);
    }
  });
  queueMicrotask(() => name.focus());
  return form;
}

export function openBrowseChannels() {
  const input = h("input", { type: "search", placeholder: t("browse.search"), "data-testid": "channel-search" });
  const list = h("ul", { class: "result-list", "data-testid": "channel-results" });
  const { close } = modal(t("browse.title"), h("div", { class: "stack" }, input, list), { testid: "browse-dialog" });
  let latest = 0;
  const run = async () => {
    const ticket = ++latest;
    try {
      const page = await api.get("/channels", { q: clampQuery(input.value), limit: 100 });
      if (ticket !== latest) return;
      const items = listOf(page);
      list.replaceChildren(...items.map((c) => h("li", { class: "channel-row", "data-conv-id": c.id },
        h("div", { class: "grow" }, h("div", { class: "strong" }, `# ${c.name}`), h("div", { class: "dim" }, c.topic || "")),
        h("span", { class: "dim" }, t("browse.members", { n: c.member_count || 0 })),
        h("button", { class: "btn small", "data-testid": "join-channel", onclick: () => join(c, close) },
          c.joined ? t("browse.open") : t("browse.join")))));
      if (!items.length) list.append(h("li", { class: "dim" }, t("browse.none")));
    } catch (err) {
      toastError(err);
    }
  };
  input.addEventListener("input", run);
  run();
  input.focus();
}

/** Join a public channel and (unless `open` is false) open it; true when joined. */
export async function join(channel, close = () => {}, { open = true } = {}) {
  try {
    if (!channel.joined) await api.post(`/conversations/${seg(channel.id)}/join`);
    engine.addConversation(await api.get(`/conversations/${seg(channel.id)}`));
    close();
    if (open) go("c", channel.id);
    return true;
  } catch (err) {
    toastError(err);
    return false;
  }
}
