// Profile cards: pressing a person's name or avatar anywhere (timeline authors, the member
// list, @mentions) opens a card with their avatar, name, title, status, local time and
// presence, and a button to message them (the @axon assistant's card says what it is instead). One delegated listener serves every view: an
// element opts in with `data-profile-user="<user id>"`; a mention is found by its username.

import { api } from "../core/engine.js";
import { language, t } from "../core/i18n.js";
import { isMe, on, state } from "../core/store.js";
import { h } from "./dom.js";
import { avatar, presenceDot } from "./avatar.js";
import { presenceOf } from "./presence.js";
import { assistantTag, userName } from "./names.js";
import { isAssistant } from "../core/assistant.js";
import { openDirect } from "./create.js";
import { go } from "./router.js";
import { toastError } from "./dialogs.js";

let current = null;

/** Listen for presses on names, avatars and mentions; returns the function that stops it. */
export function startProfileCards() {
  const press = (ev) => {
    const target = ev.target.closest("[data-profile-user], .markdown .mention[data-username]");
    if (!target || (ev.type === "keydown" && ev.key !== "Enter" && ev.key !== " ")) return;
    const userId = target.dataset.profileUser || userIdByUsername(target.dataset.username);
    if (!userId) return;
    ev.preventDefault();
    openProfileCard(userId, target);
  };
  document.addEventListener("click", press);
  document.addEventListener("keydown", press);
  return () => {
    closeProfileCard();
    document.removeEventListener("click", press);
    document.removeEventListener("keydown", press);
  };
}

function userIdByUsername(username) {
  for (const user of state.users.values()) if (user.username.toLowerCase() === username) return user.id;
  return null;
}

export async function openProfileCard(userId, anchor) {
  closeProfileCard();
  const card = h("div", { class: "profile-card", role: "dialog", "aria-label": t("profile.card"), "data-testid": "profile-card", tabindex: "-1" });
  document.body.append(card);
  // Only this card's own listener may close it (a stale one must never close a newer card).
  const outside = (ev) => {
    if (current?.card === card && !card.contains(ev.target) && !anchor.contains(ev.target)) closeProfileCard();
  };
  const escape = (ev) => {
    if (ev.key !== "Escape") return;
    closeProfileCard();
    anchor.focus?.();
  };
  document.addEventListener("mousedown", outside); // the press that opened it is over: no deferral needed
  card.addEventListener("keydown", escape);
  const stops = [on("users", () => draw()), on("presence", (id) => id === userId && draw())];
  const stop = () => stops.forEach((fn) => fn());
  const ticker = setInterval(() => draw(), 30_000); // the local time
  current = { card, outside, stop, ticker };
  // Redrawn only when what it shows changed, and with the same action button (a redraw between a
  // press and its release must not swallow the click on "Message").
  let shown = "";
  let actions = null;
  const info = h("div", { class: "profile-card-info" });
  const draw = () => {
    const user = state.users.get(userId);
    if (!user || current?.card !== card) return;
    const signature = JSON.stringify([user, presenceOf(userId), localTime(user.timezone), language()]);
    if (signature === shown) return;
    shown = signature;
    if (!actions) {
      actions = actionRow(user);
      card.replaceChildren(info, actions); // once: later redraws leave the button in place
    }
    info.replaceChildren(...cardContent(user));
  };
  if (!state.users.has(userId)) {
    card.append(h("div", { class: "dim" }, t("timeline.loading")));
    try {
      state.users.set(userId, await api.get(`/users/${encodeURIComponent(userId)}`));
    } catch (err) {
      closeProfileCard();
      toastError(err);
      return;
    }
  }
  draw();
  place(card, anchor);
  card.focus();
}

export function closeProfileCard() {
  if (!current) return;
  current.card.remove();
  current.stop();
  clearInterval(current.ticker);
  document.removeEventListener("mousedown", current.outside);
  current = null;
}

function cardContent(user) {
  const status = [user.status_emoji, user.status_text].filter(Boolean).join(" ");
  const presence = presenceOf(user.id);
  const head = h("div", { class: "profile-card-head" },
    avatar(user.id, "xl"),
    h("div", { class: "profile-card-names" },
      h("div", { class: "profile-card-name", "data-testid": "profile-name" }, userName(user.id)),
      h("div", { class: "dim" }, `@${user.username}`,
        user.role === "guest" ? h("span", { class: "tag guest", "data-testid": "profile-guest" }, t("role.org_guest")) : null,
        assistantTag(user.id, "profile-assistant")),
      user.title ? h("div", { class: "profile-card-title", "data-testid": "profile-title" }, user.title) : null));
  // The assistant has no presence or local time: the card says what it is and whose permissions it uses.
  if (isAssistant(user)) return [head, h("p", { class: "profile-card-about", "data-testid": "profile-about" }, t("assistant.profile_about"))];
  return [
    head,
    status ? h("div", { class: "profile-card-status", "data-testid": "profile-status" }, status) : null,
    h("dl", { class: "profile-card-facts" },
      h("dt", null, t("profile.presence")),
      h("dd", { "data-testid": "profile-presence" }, presenceDot(user.id), " ", t(`presence.${presence}`)),
      h("dt", null, t("profile.local_time")),
      h("dd", { "data-testid": "profile-local-time" }, localTime(user.timezone))),
  ];
}

function actionRow(user) {
  return h("div", { class: "row end" }, isMe(user.id)
      ? h("button", { class: "btn", "data-testid": "profile-edit", onclick: () => { closeProfileCard(); go("settings"); } }, t("profile.edit"))
      : h("button", { class: "btn primary", "data-testid": "profile-message", onclick: () => { closeProfileCard(); openDirect(user.id); } },
        isAssistant(user) ? t("assistant.ask") : t("profile.message")));
}

/** "14:05 (Asia/Shanghai)" in the reader's language, the hour where the person is. */
export function localTime(timeZone, now = new Date()) {
  try {
    const time = new Intl.DateTimeFormat(language(), { hour: "numeric", minute: "2-digit", timeZone }).format(now);
    return `${time} (${timeZone})`;
  } catch {
    return timeZone || "";
  }
}

function place(card, anchor) {
  const rect = anchor.getBoundingClientRect();
  const width = card.offsetWidth;
  const height = card.offsetHeight;
  const left = Math.max(8, Math.min(window.innerWidth - width - 8, rect.left));
  const below = rect.bottom + 6;
  const top = below + height < window.innerHeight - 8 ? below : Math.max(8, rect.top - height - 6);
  card.style.left = `${left}px`;
  card.style.top = `${top}px`;
}
