// The message box: Enter sends, Shift+Enter breaks the line, drafts are kept per
// conversation (and per thread) on the server and follow the user to other devices
// (core/drafts.js), @ opens member autocomplete (and the @axon assistant, askable anywhere), typing is signalled.
// A chosen mention shows as @Display Name; `names` remembers which username each shown
// name stands for, and the text is sent (and the draft kept) as @username (mentions.js).
// The smiley button opens the emoji picker; ":" and two letters offer emoji by shortcode or name.

import { engine } from "../core/engine.js";
import { draftBusy, draftSent, draftText, draftKey, saveDraft as saveDraftNow, setDraft } from "../core/drafts.js";
import { language, t } from "../core/i18n.js";
import { loadMembers } from "../core/history.js";
import { on, state } from "../core/store.js";
import { moduleOn, postBlock } from "../core/permissions.js";
import { h } from "./dom.js";
import { avatar } from "./avatar.js";
import { assistantTag, conversationTitle, userName } from "./names.js";
import { mentionableBesideMembers } from "../core/assistant.js";
import { toast } from "./dialogs.js";
import { claimLabel, mentionLabel, toDisplay, toWire } from "./mentions.js";
import { icon } from "./icons.js";
import { openEmojiPicker } from "./emoji.js";
import { loadEmoji, rememberEmoji, searchEmoji, shortcodeFor, skinTone, withSkin } from "./emoji-data.js";
import { composerFiles } from "./composer_files.js";

const TYPING_EVERY_MS = 3000;
// What is being typed after an @: letters of any script, so "@张" finds 张伟.
const MENTION_AT_CARET = /(?:^|[^\w@.])@([\p{L}\p{N}._-]*)$/u;
const MENTION_QUERY_END = /@[\p{L}\p{N}._-]*$/u;
// ":thu" at the start or after a space (not "12:30" or a URL's "http:").
const SHORTCODE_AT_CARET = /(?:^|\s):([\p{L}\p{N}_+-]{2,})$/u;
const SHORTCODE_QUERY_END = /:[\p{L}\p{N}_+-]*$/u;

export function mountComposer(el, convId, replyTo) {
  const userId = state.session.user.id;
  const conv = state.conversations.get(convId);
  const draft = toDisplay(draftText(convId, replyTo));
  const names = draft.names;
  const area = h("textarea", {
    class: "composer-input", rows: 1, "data-testid": replyTo ? "thread-composer" : "composer",
    placeholder: replyTo ? t("composer.reply_placeholder") : t("composer.placeholder", { name: conversationTitle(conv) }),
    "aria-label": t("composer.label"), value: draft.text,
  });
  const popup = h("ul", { class: "autocomplete", role: "listbox", hidden: true, "data-testid": "autocomplete" });
  const sendBtn = h("button", { class: "btn primary send-btn", "data-testid": "send", onclick: () => send() }, t("composer.send"));
  const placeholder = area.placeholder;
  const emojiBtn = h("button", {
    type: "button", class: "icon-btn composer-emoji", "data-testid": "composer-emoji", title: t("emoji.insert"),
    "aria-label": t("emoji.insert"), onclick: () => openEmojiPicker(emojiBtn, insertEmoji, { label: t("emoji.insert") }),
  }, icon("smile", 20));
  const blockedNote = h("p", { class: "composer-blocked", role: "status", hidden: true,
    "data-testid": replyTo ? "thread-composer-blocked" : "composer-blocked" });
  // Files: attach, drop, paste, voice; the tray sits above the box. Shown while the files module is on.
  const files = composerFiles({
    convId, replyTo, dropTarget: el.parentElement, onReady: () => send(),
    onRecording: (on) => box.classList.toggle("is-recording", on),
  });
  const box = h("div", { class: "composer" }, popup, files.attach, emojiBtn, area, files.recordingBar, files.mic, sendBtn);
  el.append(files.tray, box, blockedNote, files.picker);
  area.addEventListener("paste", files.paste);
  // Archived, read-only, or an announcement conversation one does not run: the composer says why.
  const syncArchived = () => {
    const blocked = postBlock(state.conversations.get(convId), { reply: Boolean(replyTo) });
    area.disabled = Boolean(blocked);
    sendBtn.disabled = Boolean(blocked);
    emojiBtn.disabled = Boolean(blocked);
    files.setAvailable(moduleOn("files"), !blocked); // an admin's switch applies at once (org.updated)
    // Archived: the placeholder says so (as the header does); otherwise the note under the composer explains.
    const archived = blocked === "composer.archived";
    area.placeholder = archived ? t(blocked) : blocked ? "" : placeholder;
    blockedNote.hidden = !blocked || archived;
    blockedNote.textContent = blocked ? t(blocked) : "";
  };
  syncArchived();
  const stopArchived = on("conversations", syncArchived);
  const stopQuote = on("quote", (q) => {
    if (q.conv !== convId || (q.root || null) !== (replyTo || null) || area.disabled) return;
    const before = area.value && !area.value.endsWith("\n") ? `${area.value}\n` : area.value;
    area.value = before + q.text;
    area.setSelectionRange(area.value.length, area.value.length);
    area.focus();
    autosize();
    saveDraft();
  });
  let lastTyping = 0;
  let choices = [];
  let active = 0;
  let choosing = "mention"; // or "emoji": what the open popup offers

  const saveDraft = () => setDraft(convId, replyTo, area.value.trim() ? toWire(area.value, names) : "");
  // Another device edited this draft: show its text unless something typed here is still unsaved.
  const stopDrafts = on("drafts", (key) => {
    if (key !== undefined && key !== draftKey(convId, replyTo)) return;
    if (draftBusy(convId, replyTo)) return;
    const wire = draftText(convId, replyTo);
    if (wire === (area.value.trim() ? toWire(area.value, names) : "")) return;
    names.clear();
    area.value = toDisplay(wire, names).text;
    autosize();
  });

  const autosize = () => {
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight, 200)}px`;
  };

  function send() {
    const text = toWire(area.value, names);
    const withFiles = files.hasFiles();
    if (!text.trim() && !withFiles) return;
    const limit = (state.session.max_text_bytes || 16384);
    if (new TextEncoder().encode(text).length > limit) {
      toast(t("error.message_too_large"), "error");
      return;
    }
    // The caption goes with its files in one message, once every file is uploaded.
    if (withFiles && files.busy()) return files.waitThenSend();
    engine.outbox.add(convId, text.trim() ? text : "", replyTo, withFiles ? files.take() : []);
    area.value = "";
    names.clear();
    draftSent(convId, replyTo); // the server clears it in the same write as the message
    autosize();
    closePopup();
    area.focus();
  }

  function signalTyping() {
    const now = Date.now();
    if (now - lastTyping < TYPING_EVERY_MS) return;
    lastTyping = now;
    engine.send({ t: "typing", conv: convId });
  }

  function insertEmoji(emoji) {
    const at = area.selectionStart ?? area.value.length;
    area.value = area.value.slice(0, at) + emoji + area.value.slice(area.selectionEnd ?? at);
    area.setSelectionRange(at + emoji.length, at + emoji.length);
    area.focus();
    autosize();
    saveDraft();
  }

  function updateEmojiPopup(query) {
    loadEmoji().then((catalogue) => {
      const still = SHORTCODE_AT_CARET.exec(area.value.slice(0, area.selectionStart));
      if (!still || still[1] !== query) return;
      choosing = "emoji";
      choices = searchEmoji(catalogue, query, 8).map((e) => ({ char: withSkin(e, skinTone()), code: shortcodeFor(e, query), e }));
      if (!choices.length) return closePopup();
      active = Math.min(active, choices.length - 1);
      popup.replaceChildren(...choices.map((c, i) => h("li", {
        role: "option", class: i === active ? "active" : null, "aria-selected": i === active ? "true" : "false",
        "data-emoji": c.char, onmousedown: (ev) => { ev.preventDefault(); choose(i); },
      }, h("span", { class: "emoji-choice" }, c.char), h("span", null, c.code ? `:${c.code}:` : ""),
      h("span", { class: "dim" }, language() === "zh-CN" && c.e.zh ? c.e.zh : c.e.en))));
      popup.hidden = false;
    }).catch(() => closePopup());
  }

  function updatePopup() {
    const before = area.value.slice(0, area.selectionStart);
    const shortcode = SHORTCODE_AT_CARET.exec(before);
    if (shortcode) return updateEmojiPopup(shortcode[1]);
    const match = MENTION_AT_CARET.exec(before);
    if (!match) return closePopup();
    const query = match[1].toLowerCase();
    const members = state.members.get(convId);
    if (!members) {
      loadMembers(convId).then(updatePopup).catch(() => {});
      return closePopup();
    }
    choices = [...members.keys(), ...mentionableBesideMembers(members)].filter((id) => id !== userId)
      .map((id) => state.users.get(id)).filter(Boolean)
      .filter((u) => u.username.toLowerCase().startsWith(query) || (u.display_name || "").toLowerCase().includes(query))
      .slice(0, 8);
    if (!choices.length) return closePopup();
    choosing = "mention";
    active = Math.min(active, choices.length - 1);
    popup.replaceChildren(...choices.map((u, i) => h("li", {
      role: "option", class: i === active ? "active" : null, "aria-selected": i === active ? "true" : "false",
      "data-username": u.username, onmousedown: (ev) => { ev.preventDefault(); choose(i); },
    }, avatar(u.id, "xs"), h("span", null, userName(u.id)), assistantTag(u.id, "autocomplete-assistant"),
    h("span", { class: "dim" }, `@${u.username}`))));
    popup.hidden = false;
  }

  function closePopup() {
    popup.hidden = true;
    choices = [];
    active = 0;
  }

  function choose(i) {
    if (choosing === "emoji") return chooseEmoji(choices[i].char, choices[i].e.char);
    const user = choices[i];
    const caret = area.selectionStart;
    // The name when it is free in this draft; the username when someone else here has the same name.
    const label = mentionLabel(user);
    const shown = claimLabel(names, label, user.username) ? label : user.username;
    const head = area.value.slice(0, caret).replace(MENTION_QUERY_END, `@${shown} `);
    area.value = head + area.value.slice(caret);
    area.setSelectionRange(head.length, head.length);
    closePopup();
    saveDraft();
    area.focus();
  }

  function chooseEmoji(char, base) {
    const caret = area.selectionStart;
    const head = area.value.slice(0, caret).replace(SHORTCODE_QUERY_END, char);
    area.value = head + area.value.slice(caret);
    area.setSelectionRange(head.length, head.length);
    rememberEmoji(base);
    closePopup();
    saveDraft();
    area.focus();
  }

  area.addEventListener("input", () => {
    autosize();
    saveDraft();
    updatePopup();
    if (area.value.trim()) signalTyping();
  });
  area.addEventListener("keydown", (ev) => {
    if (!popup.hidden && choices.length) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        active = (active + (ev.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length;
        updatePopup();
        return;
      }
      if (ev.key === "Enter" || ev.key === "Tab") {
        ev.preventDefault();
        choose(active);
        return;
      }
      if (ev.key === "Escape") {
        closePopup();
        return;
      }
    }
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      send();
    }
  });
  area.addEventListener("blur", () => setTimeout(closePopup, 150));
  queueMicrotask(() => {
    autosize();
    if (!matchMedia("(max-width: 700px)").matches) area.focus();
  });
  return () => {
    stopArchived();
    stopQuote();
    stopDrafts();
    files.destroy();
    saveDraftNow(convId, replyTo);
  };
}
