// A small emoji picker: the common reactions, no network, no sprite sheet.

import { t } from "../core/i18n.js";
import { h } from "./dom.js";

const EMOJI = ["👍", "👎", "❤️", "😂", "🎉", "🙏", "👀", "🔥", "✅", "❌", "😮", "😢", "😡", "🤔", "👏", "🚀",
  "💯", "🙌", "😄", "😅", "😍", "😎", "🤝", "💡", "⚠️", "📌", "⏳", "☕", "🍰", "🌟", "👋", "🆗"];

let current = null;

export function openEmojiPicker(anchor, onPick) {
  closeEmojiPicker();
  const grid = h("div", { class: "emoji-picker", role: "dialog", "aria-label": t("msg.react"), "data-testid": "emoji-picker" },
    EMOJI.map((e) => h("button", {
      class: "emoji-btn", "data-emoji": e, title: e,
      onclick: () => { closeEmojiPicker(); onPick(e); },
    }, e)));
  document.body.append(grid);
  const rect = anchor.getBoundingClientRect();
  const width = grid.offsetWidth;
  const height = grid.offsetHeight;
  const left = Math.max(8, Math.min(window.innerWidth - width - 8, rect.right - width));
  const top = rect.top - height - 6 > 8 ? rect.top - height - 6 : rect.bottom + 6;
  grid.style.left = `${left}px`;
  grid.style.top = `${Math.min(top, window.innerHeight - height - 8)}px`;
  const outside = (ev) => { if (!grid.contains(ev.target) && ev.target !== anchor) closeEmojiPicker(); };
  const escape = (ev) => { if (ev.key === "Escape") closeEmojiPicker(); };
  setTimeout(() => document.addEventListener("mousedown", outside), 0);
  document.addEventListener("keydown", escape);
  current = { grid, outside, escape };
  grid.querySelector("button").focus();
}

export function closeEmojiPicker() {
  if (!current) return;
  current.grid.remove();
  document.removeEventListener("mousedown", current.outside);
  document.removeEventListener("keydown", current.escape);
  current = null;
}
