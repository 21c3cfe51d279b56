// Modal dialogs (native <dialog>), toasts, confirm/prompt, and the user picker.

import { errorText, t } from "../core/i18n.js";
import { searchUsers } from "../core/history.js";
import { state } from "../core/store.js";
import { h, debounce } from "./dom.js";
import { icon } from "./icons.js";
import { avatar } from "./avatar.js";
import { userName } from "./names.js";

export function modal(title, content, { onClose = () => {}, wide = false, testid = "dialog" } = {}) {
  const dialog = h("dialog", { class: ["modal", wide && "wide"], "data-testid": testid },
    h("header", { class: "modal-head" },
      h("h2", null, title),
      h("button", { class: "icon-btn", "aria-label": t("action.close"), title: t("action.close"), onclick: () => close() }, icon("close"))),
    h("div", { class: "modal-body" }, content));
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    dialog.close();
    dialog.remove();
    onClose();
  };
  dialog.addEventListener("close", close);
  dialog.addEventListener("click", (ev) => ev.target === dialog && close());
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close };
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

export function promptText(title, value = "", { allowEmpty = false } = {}) {
  return new Promise((resolve) => {
    let answer = null;
    const input = h("input", { type: "text", value, "data-testid": "prompt-input" });
    const form = h("form", { class: "stack" }, input,
      h("div", { class: "row end" },
        h("button", { type: "button", class: "btn", onclick: () => close() }, t("action.cancel")),
        h("button", { type: "submit", class: "btn primary", "data-testid": "prompt-ok" }, t("action.save"))));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
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
      h("button", { class: "chip-x", "aria-label": t("action.remove"), onclick: () => { chosen.delete(u.id); drawChips(); } }, "×"))));
    const { input, results } = userSearchBox({
      exclude,
      onPick: (user) => {
        if (multiple) {
          chosen.set(user.id, user);
          drawChips();
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

/** A search field with a result list of people; used by pickers and dialogs. */
export function userSearchBox({ exclude = [], onPick }) {
  const input = h("input", { type: "search", placeholder: t("picker.search"), "data-testid": "user-search", autocomplete: "off" });
  const results = h("ul", { class: "result-list", "data-testid": "user-results" });
  const skip = new Set([...exclude, state.session.user.id]);
  let latest = 0;
  const run = debounce(async () => {
    const ticket = ++latest;
    try {
      const found = await searchUsers(input.value.trim());
      if (ticket !== latest) return; // a newer query is on its way
      const users = found.filter((u) => !skip.has(u.id) && !u.disabled);
      results.replaceChildren(...users.map((u) => h("li", null, h("button", {
        class: "result", "data-user-id": u.id, "data-username": u.username, onclick: () => onPick(u),
      }, avatar(u.id, "sm"), h("span", null, userName(u.id)), h("span", { class: "dim" }, `@${u.username}`)))));
      if (!users.length) results.append(h("li", { class: "dim" }, t("picker.none")));
    } catch (err) {
      toastError(err);
    }
  }, 150);
  input.addEventListener("input", run);
  run();
  return { input, results };
}
