// Quoting and forwarding messages.
// Quote puts "> text" under the author's name into the composer of the same timeline.
// Forward sends a copy to another conversation (`forward_of` on POST …/messages): the server
// checks that the sender may read the source and copies its text. A forwarded message names its
// source; the reader gets a link to it only when they may see that conversation (a member, or a
// public channel the server shows them), otherwise a plain label.

import { api } from "../core/engine.js";
import { seg } from "../core/api.js";
import { t } from "../core/i18n.js";
import { emit, state } from "../core/store.js";
import { h } from "./dom.js";
import { conversationTitle, userName } from "./names.js";
import { modal, toast, toastError } from "./dialogs.js";
import { convHref } from "./router.js";
import { focusMessage } from "./timeline.js";

// --- quote --------------------------------------------------------------------------

/** The Markdown quote of a message: the author in bold, then every line prefixed with "> ". */
export function quoteText(m) {
  const lines = String(m.text).split("\n").map((line) => `> ${line}`);
  return `> **${userName(m.sender_id)}**\n${lines.join("\n")}\n\n`;
}

/** Ask the composer of this timeline (main, or the thread of `rootId`) to take the quote. */
export function quote(m, convId, rootId = null) {
  emit("quote", { conv: convId, root: rootId, text: quoteText(m) });
}

// --- forward ------------------------------------------------------------------------

export function openForwardDialog(m, fromConv) {
  const filter = h("input", { type: "search", placeholder: t("forward.search"), "aria-label": t("forward.search"), "data-testid": "forward-search" });
  const list = h("ul", { class: "forward-list", role: "listbox", "data-testid": "forward-list" });
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const targets = [...state.conversations.values()]
      .filter((c) => !c.archived && c.joined !== false && c.id !== fromConv)
      .filter((c) => !q || conversationTitle(c).toLowerCase().includes(q))
      .sort((a, b) => (b.last_message_at || "").localeCompare(a.last_message_at || ""));
    list.replaceChildren(...targets.map((c) => h("li", null, h("button", {
      type: "button", class: "forward-target", "data-testid": "forward-target", "data-conv-id": c.id,
      onclick: () => send(c),
    }, sourceTitle(c)))));
    if (!targets.length) list.append(h("li", { class: "dim" }, t("switcher.none")));
  };
  const send = async (target) => {
    close();
    try {
      await api.post(`/conversations/${seg(target.id)}/messages`, {
        client_msg_id: crypto.randomUUID(), forward_of: { conversation_id: fromConv, seq: m.seq },
      });
      toast(t("forward.done", { name: sourceTitle(target) }));
    } catch (err) {
      toastError(err);
    }
  };
  filter.addEventListener("input", draw);
  draw();
  const { close } = modal(t("forward.title"), h("div", { class: "stack" }, filter, list), { testid: "forward-dialog" });
  filter.focus();
}

function sourceTitle(conv) {
  return conv.kind === "channel" ? `#${conversationTitle(conv)}` : conversationTitle(conv);
}

// --- the "Forwarded from" line -------------------------------------------------------

const sources = new Map(); // conversation id -> summary | null (not visible) | "loading"

/** The source conversation when the reader may see it, null when not, undefined while asking. */
function visibleSource(convId) {
  const mine = state.conversations.get(convId);
  if (mine) return mine;
  const known = sources.get(convId);
  if (known === "loading") return undefined;
  if (known !== undefined) return known;
  sources.set(convId, "loading");
  api.get(`/conversations/${seg(convId)}`)
    .then((conv) => sources.set(convId, conv), () => sources.set(convId, null))
    .finally(() => emit("forward-sources"));
  return undefined;
}

/** What the line shows, for the timeline's keyed update. */
export function forwardSignature(m) {
  if (!m.forwarded) return "";
  const source = visibleSource(m.forwarded.conversation_id);
  return `${source ? sourceTitle(source) : String(source)}|${userName(m.forwarded.sender_id)}`;
}

export function forwardedLine(m) {
  if (!m.forwarded || m.deleted) return null;
  const { conversation_id: convId, seq, sender_id: author } = m.forwarded;
  const source = visibleSource(convId);
  const by = h("span", { class: "forwarded-author" }, ` · ${userName(author)}`);
  if (!source) {
    return h("div", { class: "forwarded", "data-testid": "forwarded" }, t("forward.label"), by);
  }
  const link = h("a", {
    href: convHref(convId), "data-testid": "forwarded-link",
    onclick: (ev) => { ev.preventDefault(); openOriginal(convId, seq); },
  }, t("forward.from", { name: sourceTitle(source) }));
  return h("div", { class: "forwarded", "data-testid": "forwarded" }, link, by);
}

/** Open the source conversation at the original message (its id comes from the event log). */
async function openOriginal(convId, seq) {
  try {
    const page = await api.get(`/conversations/${seg(convId)}/events`, { after_seq: seq - 1, limit: 1 });
    const event = (page.items || [])[0];
    const message = event && event.data && event.data.message;
    if (message) focusMessage(convId, message.id, message.reply_to || null);
    location.hash = message && message.reply_to ? convHref(convId, "thread", message.reply_to) : convHref(convId);
  } catch (err) {
    toastError(err);
  }
}

