// The card of an @axon answer that points to messages (`{type: "assistant.results"}`,
// docs/protocol.md): a heading by kind — what was searched for, what a digest covers, or the
// sources of an answer (whose text is shown above them) — then each message as a button with who
// said it, where, when, a digest's reason and the snippet (all set as text, never HTML), which opens
// the conversation at that message as a search result does (search_view.js openAtMessage). An
// answer to a question asked elsewhere links back to the question. Imported once by ui/app.js.

import { formatDateTime, t } from "../core/i18n.js";
import { state } from "../core/store.js";
import { h } from "./dom.js";
import { avatar } from "./avatar.js";
import { registerCard } from "./cards.js";
import { renderMarkdown } from "./markdown.js";
import { mentionNames } from "./mentions.js";
import { conversationTitle } from "./names.js";
import { openAtMessage } from "./search_view.js";

const HEADINGS = { search: "assistant.results_search", digest: "assistant.results_digest", answer: "assistant.results_answer" };
const WHY = new Set(["mention", "question", "decision", "discussed", "topic"]);

registerCard("assistant.results", renderResults, (m) => questionPlace(m.card.question));

function renderResults(m) {
  const card = m.card;
  const items = Array.isArray(card.items) ? card.items : [];
  const kind = HEADINGS[card.kind] ? card.kind : "search";
  return h("section", { class: "assistant-results", "data-testid": "assistant-results", "data-kind": kind },
    // An answer's own words come first (the card's `answer`: the text adds the sources drawn below);
    // search and digest texts are the list below, drawn as links.
    kind === "answer" && (card.answer || m.text) ? h("div", { class: "msg-body markdown" },
      renderMarkdown(card.answer || m.text, state.session.user.username, mentionNames(m))) : null,
    card.question ? questionLink(card.question) : null,
    h("h4", { class: "assistant-results-head", "data-testid": "assistant-results-head" },
      t(HEADINGS[kind], { query: card.query || "" })),
    kind === "digest" ? groups(items) : itemList(items, true));
}

/** A digest's items under their conversations' names, in the order the digest gave them. */
function groups(items) {
  const byName = new Map();
  for (const item of items) {
    const name = item.conversation_name || item.conversation_id;
    if (!byName.has(name)) byName.set(name, []);
    byName.get(name).push(item);
  }
  return [...byName].map(([name, list]) => h("section", { class: "assistant-results-group", "data-testid": "assistant-results-group" },
    h("h5", { class: "assistant-results-group-title" }, name),
    itemList(list, false)));
}

function itemList(items, showConversation) {
  return h("ol", { class: "assistant-results-list" }, items.map((item) => h("li", null, itemButton(item, showConversation))));
}

function itemButton(item, showConversation) {
  const why = WHY.has(item.why) ? item.why : null;
  return h("button", {
    type: "button", class: "assistant-result", "data-testid": "assistant-result", "data-message-id": item.message_id,
    "data-conv-id": item.conversation_id,
    onclick: () => openAtMessage(item.conversation_id, item.message_id, item.thread_root_id || null, item.seq ?? null),
  },
  avatar(item.sender_id, "sm"),
  h("span", { class: "assistant-result-main" },
    h("span", { class: "assistant-result-head" },
      h("span", { class: "msg-author" }, item.sender_name),
      showConversation ? h("span", { class: "dim" }, item.conversation_name) : null,
      h("time", { class: "dim", datetime: item.created_at }, formatDateTime(item.created_at)),
      why ? h("span", { class: `tag why why-${why}`, "data-testid": "assistant-why", "data-why": why }, t(`assistant.why_${why}`)) : null),
    h("span", { class: "assistant-result-snippet", "data-testid": "assistant-snippet" }, item.snippet)));
}

/** How I call the conversation a question was asked in ("#design", a group's name, a person). */
function questionPlace(question) {
  if (!question) return null;
  const c = state.conversations.get(question.conversation_id);
  if (!c) return t("search.conversation");
  return `${c.kind === "channel" ? "#" : ""}${conversationTitle(c)}`;
}

function questionLink(question) {
  return h("button", {
    type: "button", class: "link assistant-question", "data-testid": "assistant-question",
    onclick: () => openAtMessage(question.conversation_id, question.message_id, null, question.seq ?? null),
  }, t("assistant.asked_in", { where: questionPlace(question) }));
}
