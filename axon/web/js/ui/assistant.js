// The @axon assistant in the web client (docs/web.md "The assistant", docs/ai/assistant.md): the
// sidebar's "Ask Axon" entry, which opens my DM with it (made the first time), and the intro its
// empty DM shows — example questions that fill the composer and never send anything themselves.
// Elsewhere: its tag beside its name (names.js assistantTag), its mark instead of an avatar and no
// presence (avatar.js), its profile card (profile-card.js), its answers' cards (assistant_results.js).

import { engine } from "../core/engine.js";
import { t } from "../core/i18n.js";
import { on, state } from "../core/store.js";
import { assistantDm, assistantOn, findAssistant, isAssistant } from "../core/assistant.js";
import { batched, h } from "./dom.js";
import { icon } from "./icons.js";
import { avatar } from "./avatar.js";
import { openDirect } from "./create.js";
import { go } from "./router.js";
import { toast, toastError } from "./dialogs.js";

// What the intro offers to ask: each a label and the words it puts in the composer (i18n).
const EXAMPLES = ["find", "digest", "schedule", "remind"];

/** Open my DM with the assistant; the first time, make it (POST /conversations/direct). */
export async function openAskAxon() {
  let assistant;
  try {
    assistant = await findAssistant();
  } catch (err) {
    toastError(err);
    return;
  }
  if (!assistant) {
    toast(t("assistant.missing"), "error");
    return;
  }
  const dm = assistantDm();
  if (dm) go("c", dm.id);
  else await openDirect(assistant.id);
}

/**
 * The sidebar's "Ask Axon" button, mounted once; it hides while the organisation has the
 * assistant switched off and shows as current while my DM with it is open.
 */
export function mountAskAxon(el) {
  const button = h("button", {
    type: "button", class: "ask-axon", "data-testid": "ask-axon", title: t("assistant.ask_hint"),
    onclick: () => openAskAxon(),
  }, h("span", { class: "ask-axon-mark", "aria-hidden": "true" }, icon("sparkle", 16)), h("span", null, t("assistant.ask")));
  el.append(button);
  const render = batched(() => {
    el.hidden = !assistantOn();
    const dm = assistantDm();
    const open = Boolean(dm) && state.route.name === "conversation" && state.route.conv === dm.id;
    button.classList.toggle("active", open);
  });
  render();
  // Known from the start: its tag, its mark and the composer's @-completion need it.
  if (assistantOn()) findAssistant().catch(() => {});
  const stops = ["session", "route", "conversations", "users"].map((topic) => on(topic, render));
  return () => {
    render.cancel();
    stops.forEach((stop) => stop());
  };
}

/** Whether the conversation is my DM with the assistant and nothing was said in it yet. */
function emptyAssistantDm(convId) {
  const c = state.conversations.get(convId);
  if (!c || c.kind !== "direct" || !isAssistant(c.peer_id)) return false;
  const tl = state.timelines.get(convId);
  const pending = engine.outbox ? engine.outbox.forConversation(convId, null) : [];
  return Boolean(tl) && tl.loaded && !tl.detached && tl.messages.size === 0 && pending.length === 0;
}

/**
 * The intro of an empty DM with the assistant, in `el` (a conversation's own slot): what it is and
 * a few example questions; pressing one puts its words in the composer of `composerEl`, to finish
 * and send (nothing is sent by the intro).
 */
export function mountAssistantIntro(el, convId, composerEl) {
  const render = batched(() => {
    const show = emptyAssistantDm(convId);
    el.hidden = !show;
    if (show && !el.firstChild) el.append(...introContent(state.conversations.get(convId).peer_id, composerEl));
  });
  render();
  const stops = [
    on("timeline", (id) => id === convId && render()),
    on("outbox", render), on("users", render), on("conversations", render),
  ];
  return () => {
    render.cancel();
    stops.forEach((stop) => stop());
  };
}

function introContent(assistantId, composerEl) {
  return [
    avatar(assistantId, "lg"),
    h("h3", { class: "assistant-intro-title" }, t("assistant.intro_title")),
    h("p", { class: "dim" }, t("assistant.intro_body")),
    h("p", { class: "assistant-intro-try" }, t("assistant.intro_try")),
    h("div", { class: "assistant-examples", role: "group", "aria-label": t("assistant.examples") },
      EXAMPLES.map((key) => h("button", {
        type: "button", class: "assistant-example", "data-testid": "assistant-example", "data-example": key,
        onclick: () => fillComposer(composerEl, t(`assistant.example_${key}_fill`)),
      }, t(`assistant.example_${key}`)))),
  ];
}

/** Put the words in the composer, the caret after them, as if typed (the draft is kept as usual). */
function fillComposer(composerEl, text) {
  const area = composerEl.querySelector("textarea");
  if (!area || area.disabled) return;
  area.value = text;
  area.dispatchEvent(new Event("input", { bubbles: true }));
  area.focus();
  area.setSelectionRange(text.length, text.length);
}
