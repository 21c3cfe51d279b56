// Keyboard shortcuts, in one place: the one document-level key handler of the signed-in app
// and the list the help sheet (`?`) shows. Keys that belong to one widget (Enter in the
// composer, arrows in a menu or the switcher) stay with that widget; they are listed here.

import { t } from "../core/i18n.js";
import { emit, state } from "../core/store.js";
import { h } from "./dom.js";
import { modal } from "./dialogs.js";
import { openSwitcher } from "./switcher.js";
import { markAllRead } from "./sidebar.js";
import { focusSearchBox } from "./search_box.js";

const MOD = typeof navigator !== "undefined" && navigator.platform.includes("Mac") ? "⌘" : "Ctrl";

/** Every shortcut, in the order the help sheet lists them. Each entry: key combinations, description key. */
export const SHORTCUTS = [
  { keys: [[MOD, "K"]], what: "shortcuts.switcher" },
  { keys: [["/"], [MOD, "Shift", "F"]], what: "shortcuts.search" },
  { keys: [["Alt", "↑"], ["Alt", "↓"]], what: "shortcuts.conversation" },
  { keys: [["Alt", "Shift", "↑"], ["Alt", "Shift", "↓"]], what: "shortcuts.unread" },
  { keys: [["Shift", "Esc"]], what: "shortcuts.mark_all_read" },
  { keys: [["Enter"]], what: "shortcuts.send" },
  { keys: [["Shift", "Enter"]], what: "shortcuts.newline" },
  { keys: [["↑"]], what: "shortcuts.edit_last" },
  { keys: [["↑"], ["↓"]], what: "shortcuts.messages" },
  { keys: [["Esc"]], what: "shortcuts.close" },
  { keys: [["?"]], what: "shortcuts.help" },
];

let helpOpen = null;

/** Starts the app's key handling; returns the function that stops it. */
export function startShortcuts() {
  document.addEventListener("keydown", onKey);
  return () => {
    document.removeEventListener("keydown", onKey);
    if (helpOpen) helpOpen();
  };
}

function onKey(ev) {
  // A widget that handled the key (autocomplete, menu, dialog) has said so; an IME is composing.
  if (ev.defaultPrevented || ev.isComposing) return;
  const mod = ev.ctrlKey || ev.metaKey;
  const arrow = ev.key === "ArrowUp" ? -1 : ev.key === "ArrowDown" ? 1 : 0;
  if (mod && !ev.altKey && ev.key.toLowerCase() === "k") {
    ev.preventDefault();
    openSwitcher();
  } else if (((ev.key === "/" && !mod && !ev.altKey && !isTextField(ev.target))
    || (mod && ev.shiftKey && !ev.altKey && ev.key.toLowerCase() === "f")) && !modalOpen()) {
    // The search box; on a phone (no box on screen) the results page, with its own box.
    ev.preventDefault();
    if (!focusSearchBox()) location.hash = "#/search";
  } else if (arrow && ev.altKey && !mod && !modalOpen()) {
    ev.preventDefault();
    moveTo(arrow, ev.shiftKey);
  } else if (arrow < 0 && !ev.altKey && !mod && !ev.shiftKey && emptyComposer(ev.target)) {
    ev.preventDefault();
    const inThread = ev.target.dataset.testid === "thread-composer";
    emit("edit-last", { conv: state.route.conv, rootId: inThread ? state.route.panelId : null, returnTo: ev.target });
  } else if (arrow && !ev.altKey && !mod && !ev.shiftKey && inTimeline(ev.target)) {
    if (stepThroughMessages(ev.target, arrow)) ev.preventDefault();
  } else if (ev.key === "Escape" && !ev.shiftKey && !mod && inTimeline(ev.target)) {
    // Out of the message list, back to writing (the thread's composer for the thread's list).
    const composer = ev.target.closest(".panel, .conversation")?.querySelector(".composer-input");
    if (composer) {
      ev.preventDefault();
      composer.focus();
    }
  } else if (ev.key === "Escape" && ev.shiftKey && !mod && !ev.altKey && !modalOpen()) {
    ev.preventDefault();
    markAllRead();
  } else if (ev.key === "?" && !mod && !ev.altKey && !isTextField(ev.target) && !modalOpen()) {
    ev.preventDefault();
    openShortcutHelp();
  }
}

function modalOpen() {
  return Boolean(document.querySelector("dialog[open]:modal"));
}

function isTextField(el) {
  if (!el || !el.tagName) return false;
  if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
  const notText = ["button", "checkbox", "radio", "range", "color", "file", "submit", "reset", "image"];
  return el.tagName === "INPUT" && !notText.includes(el.type);
}

function emptyComposer(el) {
  return el && el.classList && el.classList.contains("composer-input") && el.value === "" && !el.disabled;
}

/** The message list itself, or one of its messages (not a button or editor inside one). */
function inTimeline(el) {
  return Boolean(el && el.classList && (el.classList.contains("timeline") || (el.classList.contains("msg") && el.closest(".timeline"))));
}

/**
 * ↑/↓ move the focus from message to message (↑ from the list itself goes to the newest); a focused
 * message shows its actions, which Tab then reaches. False when there is nowhere to go: the key
 * then scrolls as usual.
 */
function stepThroughMessages(target, step) {
  const rows = [...target.closest(".timeline").querySelectorAll('.msg[data-testid="message"]')];
  const at = rows.indexOf(target);
  const next = at < 0 ? (step < 0 ? rows[rows.length - 1] : null) : rows[at + step];
  if (!next) return false;
  next.focus();
  return true;
}

/**
 * The previous/next conversation in the sidebar's order (as shown, whatever its sections);
 * with `unreadOnly`, the nearest one with unread messages in that direction, wrapping around.
 */
function moveTo(step, unreadOnly) {
  const items = [...document.querySelectorAll('[data-testid="sidebar"] [data-testid="conv-item"]')];
  if (!items.length) return;
  const current = state.route.name === "conversation" ? state.route.conv : null;
  const at = items.findIndex((a) => a.dataset.convId === current);
  const start = at < 0 ? (step > 0 ? -1 : items.length) : at;
  let target = null;
  if (!unreadOnly) {
    target = items[start + step] || null;
  } else {
    for (let i = 1; i <= items.length && !target; i++) {
      const item = items[(start + step * i + items.length * 2) % items.length];
      if (item.dataset.convId !== current && hasUnread(item.dataset.convId)) target = item;
    }
  }
  if (target) location.hash = target.getAttribute("href");
}

function hasUnread(convId) {
  const c = state.conversations.get(convId);
  return Boolean(c && ((c.unread_count || 0) > 0 || (c.mention_count || 0) > 0));
}

/** The help sheet: a modal dialog listing every shortcut (Esc closes it, focus comes back). */
export function openShortcutHelp() {
  if (helpOpen) return;
  const rows = SHORTCUTS.map((s) => h("tr", { "data-testid": "shortcut" },
    h("td", { class: "shortcut-keys" }, s.keys.map((combo, i) => [
      i ? h("span", { class: "dim" }, " / ") : null,
      combo.map((key, j) => [j ? "+" : null, h("kbd", null, key)]),
    ])),
    h("td", null, t(s.what))));
  const table = h("table", { class: "shortcut-table" },
    h("thead", null, h("tr", null,
      h("th", { scope: "col" }, t("shortcuts.keys")), h("th", { scope: "col" }, t("shortcuts.action")))),
    h("tbody", null, rows));
  // Its own scrolling region, reachable with Tab, so the list can be scrolled with the keyboard.
  const sheet = h("div", { class: "shortcut-sheet", tabindex: "0", role: "region", "aria-label": t("shortcuts.title") }, table);
  const { close } = modal(t("shortcuts.title"), sheet, { testid: "shortcuts-help", wide: true, onClose: () => { helpOpen = null; } });
  helpOpen = close;
}

