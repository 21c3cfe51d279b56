// Smart replies: up to three chips above the composer with short replies to the last message
// addressed to me in the open conversation (GET /conversations/{id}/reply-suggestions,
// docs/ai/replies.md), in that message's language. A click puts the text in the composer and
// never sends it. Asked again when the conversation opens and whenever its timeline changes (a
// new message, or my own answer, after which nothing is left to suggest). Off per user (Settings),
// and hidden when the organisation switched the helper off.

import { api } from "../core/engine.js";
import { seg } from "../core/api.js";
import { t } from "../core/i18n.js";
import { on, state } from "../core/store.js";
import { moduleOn } from "../core/permissions.js";
import { changePreferences, preferences } from "../core/preferences.js";
import { h, clear } from "./dom.js";

const SETTLE_MS = 250; // a burst of events (a message and its receipts) asks once

/** Whether suggestions are wanted: my switch, the organisation's module and its policy switch. */
export function smartRepliesOn() {
  const org = state.session && state.session.org;
  const policy = (org && org.policy) || {};
  return preferences().smart_replies !== false && moduleOn("ai_helpers") && policy.ai_smart_replies !== false;
}

export function mountSmartReplies(el, convId, composerEl) {
  let asked = 0;
  let timer = null;
  el.hidden = true;

  const fill = (text) => {
    const area = composerEl.querySelector("[data-testid=composer]");
    if (!area || area.disabled) return;
    area.value = text;
    area.dispatchEvent(new Event("input", { bubbles: true })); // the composer sizes itself and keeps the draft
    area.focus();
    area.setSelectionRange(text.length, text.length);
  };

  const render = (found) => {
    // A thread reply is answered in its thread: the chips here fill the conversation's composer.
    const usable = found && found.message_id && !found.thread_root ? found.suggestions : [];
    clear(el);
    el.hidden = !usable.length;
    if (!usable.length) return;
    el.append(h("span", { class: "smart-replies-label", id: `smart-replies-${convId}` }, t("smart_replies.label")),
      ...usable.map((s) => h("button", {
        type: "button", class: "chip smart-reply", "data-testid": "smart-reply", "data-source": s.source,
        "aria-describedby": `smart-replies-${convId}`, title: t("smart_replies.fill"), onclick: () => fill(s.text),
      }, s.text)));
  };

  const refresh = async () => {
    const mine = ++asked;
    if (!smartRepliesOn()) return render(null);
    let found = null;
    try {
      found = await api.get(`/conversations/${seg(convId)}/reply-suggestions`);
    } catch {
      found = null; // no chips is the right answer to any failure
    }
    if (mine === asked) render(found);
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, SETTLE_MS);
  };

  refresh();
  const stops = [
    on("timeline", (id) => id === convId && soon()),
    on("preferences", soon),
    on("session", soon), // org.updated: the organisation switched the helper
  ];
  return () => {
    clearTimeout(timer);
    asked += 1;
    stops.forEach((stop) => stop());
  };
}

/** The switch in Settings › Preferences (kept on the server: every device of mine follows it). */
export function smartRepliesSetting() {
  const box = h("input", { type: "checkbox", checked: preferences().smart_replies !== false, "data-testid": "smart-replies-toggle" });
  box.addEventListener("change", () => {
    const on = box.checked;
    changePreferences((p) => (p.smart_replies === on ? null : { smart_replies: on })).catch(() => {
      box.checked = preferences().smart_replies !== false;
    });
  });
  return h("label", { class: "row smart-replies-setting" }, box, h("span", { class: "grow" }, t("smart_replies.setting")));
}
