// Administration → Search (organisation admins only): the organisation's own words for the Chinese
// segmenter (product names, team jargon: GET/PUT /admin/search/words, docs/search.md "Organisation
// words"). Saving re-indexes the organisation's messages in the background on the server.

import { api } from "../core/engine.js";
import { errorText, t } from "../core/i18n.js";
import { h } from "./dom.js";
import { toast } from "./dialogs.js";

const MAX_WORDS = 500;
// The server's rule (services/search_words.py validate_words), checked here to name the word at fault.
const WORD = /^[\p{L}\p{N}\-_.+#]{2,32}$/u;

/** One word a line, as the admin typed them; blank lines and repeats dropped (the server sorts them). */
export function wordsOf(text) {
  return [...new Set(text.split(/[\n,，、]+/).map((w) => w.trim()).filter(Boolean))];
}

/** The first word the server would refuse, or null. */
export function badWord(words) {
  return words.find((w) => !WORD.test(w)) ?? null;
}

export function searchAdminPage(body) {
  const area = h("textarea", {
    class: "words-input", rows: 12, spellcheck: "false", "data-testid": "search-words",
    "aria-label": t("search_admin.words"), placeholder: t("search_admin.placeholder"), disabled: true,
  });
  const count = h("span", { class: "dim", "data-testid": "search-words-count", "aria-live": "polite" });
  const save = h("button", { type: "submit", class: "btn primary", "data-testid": "search-words-save", disabled: true },
    t("action.save"));
  const showCount = () => {
    const n = wordsOf(area.value).length;
    count.textContent = t("search_admin.count", { n, max: MAX_WORDS });
    count.classList.toggle("error", n > MAX_WORDS);
  };
  area.addEventListener("input", showCount);
  const show = (words) => {
    area.value = words.join("\n");
    area.disabled = save.disabled = false;
    showCount();
  };
  const form = h("form", {
    class: "stack",
    onsubmit: async (e) => {
      e.preventDefault();
      const bad = badWord(wordsOf(area.value));
      if (bad !== null) {
        toast(t("search_admin.bad_word", { word: bad }), "error");
        return;
      }
      save.disabled = true;
      try {
        show((await api.put("/admin/search/words", { words: wordsOf(area.value) })).words);
        toast(t("search_admin.saved"), "success");
      } catch (err) {
        toast(errorText(err), "error");
      } finally {
        save.disabled = false;
      }
    },
  }, area, h("div", { class: "row between" }, count, save));
  body.append(h("section", { class: "card", "data-testid": "admin-search" },
    h("h3", null, t("search_admin.title")),
    h("p", { class: "dim" }, t("search_admin.explain")), form,
    h("p", { class: "dim note" }, t("search_admin.reindex_note"))));
  api.get("/admin/search/words").then((r) => show(r.words), (err) => toast(errorText(err), "error"));
  return () => {};
}
