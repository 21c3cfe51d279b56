// The emoji picker, one component for reactions and the composer: categories, search by
// name in English and Chinese (and by :shortcode:), skin tones, recently used first.
// Its data is fetched the first time a picker opens (emoji-data.js), never at page load.

import { language, t } from "../core/i18n.js";
import { h } from "./dom.js";
import {
  SKIN_TONES, loadEmoji, nameOf, recentEmoji, rememberEmoji, searchEmoji, setSkinTone, shortcodeFor, skinTone, withSkin,
} from "./emoji-data.js";

const COLUMNS = 8;
const GROUP_ICONS = {
  "smileys-emotion": "😀", "people-body": "👋", "animals-nature": "🐻", "food-drink": "🍔", "travel-places": "🚗",
  activities: "⚽", objects: "💡", symbols: "❤️", flags: "🏳️",
};

let current = null;

/** Open the picker next to `anchor`; `onPick(emoji)` gets the chosen character(s). */
export function openEmojiPicker(anchor, onPick, { label = t("msg.react") } = {}) {
  closeEmojiPicker();
  const search = h("input", {
    type: "search", class: "emoji-search", "data-testid": "emoji-search", placeholder: t("emoji.search"),
    "aria-label": t("emoji.search"), autocomplete: "off",
  });
  const skin = h("button", { type: "button", class: "emoji-skin", "data-testid": "emoji-skin" });
  const tabs = h("nav", { class: "emoji-tabs", role: "tablist", "aria-label": t("emoji.categories") });
  const body = h("div", { class: "emoji-scroll", "data-testid": "emoji-grid" }, h("div", { class: "emoji-loading" }, t("timeline.loading")));
  const preview = h("div", { class: "emoji-foot", "aria-live": "polite" });
  const picker = h("div", { class: "emoji-picker", role: "dialog", "aria-label": label, "data-testid": "emoji-picker" },
    h("div", { class: "emoji-top" }, search, skin), tabs, body, preview);
  document.body.append(picker);
  place(picker, anchor);

  let catalogue = null;
  const pick = (char, base) => {
    closeEmojiPicker();
    rememberEmoji(base); // the base emoji: shown again in whatever skin tone is chosen then
    onPick(char);
  };
  const button = (e) => {
    const char = withSkin(e, skinTone());
    const code = shortcodeFor(e, search.value.trim());
    const name = nameOf(e, language());
    return h("button", {
      type: "button", class: "emoji-btn", "data-emoji": char, title: code ? `${name} :${code}:` : name, "aria-label": name,
      onclick: () => pick(char, e.char),
      onmouseenter: () => showPreview(preview, char, name, code), onfocus: () => showPreview(preview, char, name, code),
    }, char);
  };
  const section = (key, title, entries) => h("section", { class: "emoji-section", "data-group": key },
    h("h4", null, title), h("div", { class: "emoji-grid", role: "group", "aria-label": title }, entries.map(button)));

  const draw = () => {
    if (!catalogue) return;
    skin.textContent = withSkin(catalogue.byChar.get("✋") || { char: "✋", skins: null }, skinTone());
    skin.title = t("emoji.skin_tone");
    skin.setAttribute("aria-label", t("emoji.skin_tone"));
    const query = search.value.trim();
    if (query) {
      const found = searchEmoji(catalogue, query);
      tabs.hidden = true;
      body.replaceChildren(found.length ? section("search", t("emoji.results"), found)
        : h("div", { class: "emoji-empty", "data-testid": "emoji-none" }, t("emoji.none")));
      return;
    }
    tabs.hidden = false;
    const recent = recentEmoji().map((c) => catalogue.byChar.get(c)).filter(Boolean);
    const groups = catalogue.groups.map(([number, key]) => [key, catalogue.emoji.filter((e) => e.group === number)]);
    if (recent.length) groups.unshift(["recent", recent]);
    body.replaceChildren(...groups.map(([key, entries]) => section(key, t(`emoji.group.${key}`), entries)));
    tabs.replaceChildren(...groups.map(([key]) => h("button", {
      type: "button", role: "tab", class: "emoji-tab", "data-group": key, title: t(`emoji.group.${key}`),
      "aria-label": t(`emoji.group.${key}`),
      onclick: () => body.querySelector(`[data-group="${key}"]`).scrollIntoView({ block: "start" }),
    }, key === "recent" ? "🕘" : GROUP_ICONS[key] || "•")));
  };

  search.addEventListener("input", draw);
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      const first = body.querySelector(".emoji-btn");
      if (first) first.click();
    } else if (ev.key === "ArrowDown") {
      ev.preventDefault();
      body.querySelector(".emoji-btn")?.focus();
    }
  });
  skin.addEventListener("click", () => {
    setSkinTone(SKIN_TONES[(SKIN_TONES.indexOf(skinTone()) + 1) % SKIN_TONES.length]);
    draw();
  });
  body.addEventListener("keydown", (ev) => moveFocus(ev, body, search));

  const outside = (ev) => {
    if (current?.picker === picker && !picker.contains(ev.target) && !anchor.contains(ev.target)) closeEmojiPicker();
  };
  const escape = (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      closeEmojiPicker();
      anchor.focus();
    }
  };
  setTimeout(() => document.addEventListener("mousedown", outside), 0);
  picker.addEventListener("keydown", escape);
  current = { picker, outside };
  search.focus();
  loadEmoji().then((data) => {
    if (current?.picker !== picker) return;
    catalogue = data;
    draw();
  }).catch(() => {
    body.replaceChildren(h("div", { class: "emoji-empty" }, t("emoji.unavailable")));
  });
}

export function closeEmojiPicker() {
  if (!current) return;
  current.picker.remove();
  document.removeEventListener("mousedown", current.outside);
  current = null;
}

function place(picker, anchor) {
  const rect = anchor.getBoundingClientRect();
  const width = picker.offsetWidth;
  const height = picker.offsetHeight;
  // Right-aligned with the anchor (a message toolbar), or left-aligned when that would not fit (the composer).
  const preferred = rect.right - width >= 8 ? rect.right - width : rect.left;
  const left = Math.max(8, Math.min(window.innerWidth - width - 8, preferred));
  const top = rect.top - height - 6 > 8 ? rect.top - height - 6 : rect.bottom + 6;
  picker.style.left = `${left}px`;
  picker.style.top = `${Math.max(8, Math.min(top, window.innerHeight - height - 8))}px`;
}

function showPreview(el, char, name, code) {
  el.replaceChildren(h("span", { class: "emoji-big" }, char), h("span", { class: "emoji-name" }, name),
    code ? h("span", { class: "dim" }, `:${code}:`) : null);
}

/** Arrow keys move between the buttons of the grid (eight to a row); Up from the first row returns to search. */
function moveFocus(ev, body, search) {
  const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -COLUMNS, ArrowDown: COLUMNS };
  if (!(ev.key in steps) || !ev.target.classList.contains("emoji-btn")) return;
  ev.preventDefault();
  const grid = [...ev.target.parentNode.children];
  const next = grid[grid.indexOf(ev.target) + steps[ev.key]];
  if (next) next.focus();
  else if (ev.key === "ArrowUp") search.focus();
}
