// Modal dialogs (native <dialog>), toasts, confirm/prompt, and the user picker.

import { errorText, t } from "../core/i18n.js";
import { searchUsers } from "../core/history.js";
import { state } from "../core/store.js";
import { h, debounce } from "./dom.js";
import { icon } from "./icons.js";
import { avatar } from "./avatar.js";
import { userName } from "./names.js";
import { passwordMeter } from "./password_meter.js";

/**
 * A dialog. Modal by default (the page behind is inert). `modeless` is for light, transient
 * pickers like the quick switcher: the page stays usable, and a press outside closes the
 * dialog and still reaches what was pressed.
 */
export function modal(title, content, { onClose = () => {}, wide = false, testid = "dialog", modeless = false } = {}) {
  const dialog = h("dialog", { class: ["modal", wide && "wide", modeless && "modeless"], "data-testid": testid },
    h("header", { class: "modal-head" },
      h("h2", null, title),
      h("button", { type: "button", class: "icon-btn", "aria-label": t("action.close"), title: t("action.close"), onclick: () => close() }, icon("close"))),
    h("div", { class: "modal-body" }, content));
  let closed = false;
  // Focus goes back where it was when the dialog closes (unless a press outside a modeless one took it):
  // to the same element, or — when a live update re-rendered it meanwhile (the sidebar's head, a
  // message) — to the element that replaced it, found by the same test id.
  const opener = document.activeElement;
  const openerId = opener && opener.getAttribute ? opener.getAttribute("data-testid") : null;
  const close = ({ restore = true } = {}) => {
    if (closed) return;
    closed = true;
    document.removeEventListener("pointerdown", outside, true);
    dialog.close();
    dialog.remove();
    const back = opener && opener.isConnected ? opener
      : openerId && document.querySelector(`[data-testid="${CSS.escape(openerId)}"]`);
    if (restore && back && back !== document.body) back.focus();
    onClose();
  };
  const outside = (ev) => { if (!dialog.contains(ev.target)) close({ restore: false }); };
  dialog.addEventListener("close", () => close());
  // One Escape closes, even from a search field (Chrome's first Escape would only clear it).
  dialog.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !ev.isComposing && !ev.defaultPrevented) {
      ev.preventDefault();
      close();
    } else if (ev.key === "Tab" && !modeless) {
      trapTab(dialog, ev);
    }
  });
  document.body.append(dialog);
  if (modeless) {
    document.addEventListener("pointerdown", outside, true);
    dialog.show();
  } else {
    dialog.addEventListener("click", (ev) => ev.target === dialog && close());
    dialog.showModal();
  }
  return { dialog, close };
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), '
  + 'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Tab from the last control goes to the first (and Shift+Tab the other way): focus stays in a modal. */
function trapTab(dialog, ev) {
  const stops = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === document.activeElement);
  if (!stops.length) return;
  const first = stops[0];
  const last = stops[stops.length - 1];
  if (ev.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
    ev.preventDefault();
    last.focus();
  } else if (!ev.shiftKey && document.activeElement === last) {
    ev.preventDefault();
    first.focus();
  }
}

export function toast(text, kind = "info") {
  let box = document.querySelector(".toasts");
  if (!box) {
    box = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(box);
  }
  const item = h("div", { class: `toast toast-${kind}`, "data-testid": "toast" }, text);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 6000 : 3500);
}

export function toastError(err) {
  toast(errorText(err), "error");
}

export function confirmAction(text) {
  return new Promise((resolve) => {
    let answer = false;
    const { close } = modal(t("confirm.title"), h("div", null,
      h("p", null, text),
      h("div", { class: "row end" },
        h("button", { class: "btn", onclick: () => close() }, t("action.cancel")),
        h("button", { class: "btn danger", "data-testid": "confirm-ok", onclick: () => { answer = true; close(); } }, t("action.ok")))),
    { onClose: () => resolve(answer), testid: "confirm" });
  });
}

/** Ask for a text; `password` (the account's own words, a function) asks for a new password, with the strength meter. */
export function promptText(title, value = "", { allowEmpty = false, password = null } = {}) {
  return new Promise((resolve) => {
    let answer = null;
    const input = h("input", password
      ? { type: "password", autocomplete: "new-password", minlength: 8, "data-testid": "prompt-input" }
      : { type: "text", value, "data-testid": "prompt-input" });
    const form = h("form", { class: "stack" }, input, password ? passwordMeter(input, password) : null,
      h("div", { class: "row end" },
        h("button", { type: "button", class: "btn", onclick: () => close() }, t("action.cancel")),
        h("button", { type: "submit", class: "btn primary", "data-testid": "prompt-ok" }, t("action.save"))));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = password ? input.value : input.value.trim();
      if (!text && !allowEmpty) return;
      answer = text;
      close();
    });
    const { close } = modal(title, form, { onClose: () => resolve(answer), testid: "prompt" });
    input.select();
  });
}

/** Search people; resolves with the chosen ids (or null when cancelled). */
export function openUserPicker({ title, multiple = false, exclude = [], confirmLabel = null }) {
  return new Promise((resolve) => {
    let answer = null;
    let closeModal = () => {};
    const chosen = new Map();
    const chips = h("div", { class: "chips", "data-testid": "picked" });
    const drawChips = () => chips.replaceChildren(...[...chosen.values()].map((u) => h("span", { class: "chip" }, userName(u.id),
      chipRemove(() => { chosen.delete(u.id); drawChips(); refresh(); }))));
    const { input, results, refresh } = userSearchBox({
      exclude,
      hide: (user) => chosen.has(user.id),
      onPick: (user) => {
        if (multiple) {
          chosen.set(user.id, user);
          drawChips();
          input.value = "";
          refresh();
          input.focus();
        } else {
          answer = [user.id];
          closeModal();
        }
      },
    });
    const done = () => {
      answer = [...chosen.keys()];
      closeModal();
    };
    const body = h("div", { class: "stack" }, input, chips, results,
      multiple ? h("div", { class: "row end" },
        h("button", { class: "btn primary", "data-testid": "picker-ok", onclick: done }, confirmLabel || t("action.add"))) : null);
    ({ close: closeModal } = modal(title, body, { onClose: () => resolve(answer), testid: "user-picker" }));
    input.focus();
  });
}

/** The × on a chosen person's chip. */
export function chipRemove(onclick) {
  return h("button", { type: "button", class: "chip-x", "aria-label": t("action.remove"), title: t("action.remove"), onclick }, "×");
}

/**
 * A search field with a result list of people; used by pickers and dialogs, often inside a
 * <form>: the result buttons are type="button" and Enter picks the first result, so picking
 * someone never submits the form. `hide(user)` leaves out people already chosen.
 */
export function userSearchBox({ exclude = [], onPick, hide = () => false }) {
  const input = h("input", { type: "search", placeholder: t("picker.search"), "data-testid": "user-search", autocomplete: "off" });
  const results = h("ul", { class: "result-list", "data-testid": "user-results" });
  const skip = new Set([...exclude, state.session.user.id]);
  let latest = 0;
  let shownFor = null; // the query the listed results answer
  const search = async () => {
    const ticket = ++latest;
    const query = input.value.trim();
    try {
      const found = await searchUsers(query);
      if (ticket !== latest) return; // a newer query is on its way
      const users = found.filter((u) => !skip.has(u.id) && !u.disabled && !hide(u));
      results.replaceChildren(...users.map((u) => h("li", null, h("button", {
        type: "button", class: "result", "data-user-id": u.id, "data-username": u.username, onclick: () => onPick(u),
      }, avatar(u.id, "sm"), h("span", null, userName(u.id)), h("span", { class: "dim" }, `@${u.username}`)))));
      if (!users.length) results.append(h("li", { class: "dim" }, t("picker.none")));
      shownFor = query;
    } catch (err) {
      toastError(err);
    }
  };
  const run = debounce(search, 150);
  input.addEventListener("input", run);
  input.addEventListener("keydown", async (ev) => {
    if (ev.key !== "Enter" || ev.isComposing) return;
    ev.preventDefault();
    // Enter picks the first result for what is typed now, never one still listed for an earlier query.
    const query = input.value.trim();
    if (shownFor !== query) await search();
    if (shownFor !== query || input.value.trim() !== query) return;
    const first = results.querySelector("button.result");
    if (first) first.click();
  });
  run();
  return { input, results, refresh: run };
}

let menuOpen = null;

/**
 * A small menu under a button (e.g. the header's "more" on a phone). Items are
 * {id, label, icon, href | run}; pressing one, Escape, or a press elsewhere closes it.
 */
export function openMenu(anchor, items, { testid = "menu" } = {}) {
  const again = menuOpen && menuOpen.anchor === anchor;
  closeMenu();
  if (again) return;
  const menu = h("div", { class: "menu", role: "menu", "data-testid": testid },
    items.map((item) => h("button", {
      type: "button", class: "menu-item", role: "menuitem", "data-testid": `menu-${item.id}`,
      "aria-pressed": item.pressed === undefined ? null : String(item.pressed),
      onclick: () => {
        closeMenu();
        if (item.href) location.hash = item.href;
        else item.run();
      },
    }, icon(item.icon, 16), h("span", null, item.label))));
  document.body.append(menu);
  const rect = anchor.getBoundingClientRect();
  menu.style.top = `${Math.max(8, Math.min(rect.bottom + 4, window.innerHeight - menu.offsetHeight - 8))}px`;
  menu.style.left = `${Math.max(8, Math.min(window.innerWidth - menu.offsetWidth - 8, rect.right - menu.offsetWidth))}px`;
  const outside = (ev) => { if (!menu.contains(ev.target) && !anchor.contains(ev.target)) closeMenu(); };
  const keys = (ev) => {
    const buttons = [...menu.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement);
    if (ev.key === "Escape") {
      ev.preventDefault();
      closeMenu();
      anchor.focus();
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const step = ev.key === "ArrowDown" ? 1 : buttons.length - 1;
      buttons[(Math.max(at, 0) + (at < 0 ? 0 : step)) % buttons.length].focus();
    }
  };
  document.addEventListener("pointerdown", outside, true);
  document.addEventListener("keydown", keys);
  anchor.setAttribute("aria-expanded", "true");
  menuOpen = { menu, anchor, outside, keys };
  const first = menu.querySelector("button");
  if (first) first.focus();
}

export function closeMenu() {
  if (!menuOpen) return;
  const { menu, anchor, outside, keys } = menuOpen;
  menuOpen = null;
  menu.remove();
  anchor.setAttribute("aria-expanded", "false");
  document.removeEventListener("pointerdown", outside, true);
  document.removeEventListener("keydown", keys);
}
