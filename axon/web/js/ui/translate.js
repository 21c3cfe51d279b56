// "Translate" on a message (docs/ai.md): the result is shown under the message, labelled with its
// kind — a gloss is word-by-word dictionary meanings and is never called a translation — with
// "Show original" to fold it away. Results live here, per message and text (an edit shows none);
// the row's slot is updated in place, so the timeline does not re-render for it.

import { api } from "../core/engine.js";
import { errorText, language, t } from "../core/i18n.js";
import { moduleOn, orgPolicy } from "../core/permissions.js";
import { h } from "./dom.js";

const results = new Map(); // message id → {text, status: "loading" | "done" | "error", answer?, error?, hidden}
const PROVIDERS = { libretranslate: "LibreTranslate", openai: "translate.provider_openai", argos: "Argos Translate" };

/** Whether "Translate" is offered: the AI helpers' module and the translation switch are on. */
export function canTranslate(m) {
  return Boolean(m.text && m.text.trim()) && moduleOn("ai_helpers") && orgPolicy().ai_translation !== false;
}

/** The slot under a message's text where its translation shows (empty until asked). */
export function translationSlot(m) {
  const slot = h("div", { class: "msg-translation-slot", "data-translation-for": m.id });
  const block = translationBlock(m);
  if (block) slot.append(block);
  return slot;
}

/** Translate into the reader's language, or show again a translation folded away. */
export async function translateMessage(m) {
  const held = current(m);
  if (held && held.status !== "error") {
    held.hidden = false;
    return refresh(m);
  }
  const entry = { text: m.text, status: "loading", hidden: false };
  results.set(m.id, entry);
  refresh(m);
  try {
    entry.answer = await api.post(`/messages/${encodeURIComponent(m.id)}/translate`, { target: targetFor(m.text) });
    entry.status = "done";
  } catch (err) {
    entry.status = "error";
    entry.error = err;
  }
  if (results.get(m.id) === entry) refresh(m);
}

/** The reader's language; for a message already in it, the other of Chinese and English (someone
 * translating their own language's message wants it for a colleague). Script-based, as the server's
 * detection (domain/translation.py): a Han character weighs as much as a three-letter word. */
export function targetFor(text) {
  const han = (text.match(/[\u3400-\u9fff\uf900-\ufaff]/g) || []).length;
  const latin = (text.match(/[A-Za-z]/g) || []).length;
  const reader = language();
  if (reader === "zh-CN" && han && han * 3 >= latin) return "en";
  if (reader === "en" && latin && han * 3 < latin) return "zh-CN";
  return reader;
}

function current(m) {
  const held = results.get(m.id);
  return held && held.text === m.text ? held : null;
}

function refresh(m) {
  for (const slot of document.querySelectorAll(`[data-translation-for="${CSS.escape(m.id)}"]`)) {
    const block = translationBlock(m);
    slot.replaceChildren(...(block ? [block] : []));
  }
}

function translationBlock(m) {
  const held = current(m);
  if (!held || held.hidden) return null;
  const box = (state, ...children) => h("div", {
    class: ["msg-translation", state], "data-testid": "translation", "data-state": state, "aria-live": "polite",
  }, ...children);
  if (held.status === "loading") {
    return box("loading", h("span", { class: "spinner" }), h("span", {}, t("translate.loading")));
  }
  if (held.status === "error") {
    return box("error", h("span", { "data-testid": "translation-error" }, `${t("translate.failed")} ${errorText(held.error)}`),
      h("button", { class: "link", "data-testid": "translation-retry", onclick: () => translateMessage(m) }, t("action.retry")));
  }
  const { answer } = held;
  return box("done",
    h("div", { class: ["translation-label", answer.kind], "data-testid": "translation-label", "data-kind": answer.kind },
      answer.kind === "gloss" ? t("translate.gloss_label") : t("translate.by", { provider: providerName(answer.provider) })),
    // Plain text (never markdown or HTML): what came back from an endpoint is not trusted.
    h("div", { class: "translation-text", "data-testid": "translation-text", lang: answer.target }, answer.text),
    h("button", {
      class: "link", "data-testid": "show-original", onclick: () => { held.hidden = true; refresh(m); },
    }, t("translate.show_original")));
}

function providerName(provider) {
  const name = PROVIDERS[provider] || provider;
  return name.startsWith("translate.") ? t(name) : name;
}
