// @axon reminders in the web client: the `assistant.reminder` card (⏰ what, when in the reader's
// zone, its state, Cancel while it is scheduled; the server's `message.card` event redraws it as
// cancelled or delivered), and the `reminder.due` user event announced with a toast and, when the
// user allowed them, a desktop notification (the reminder itself is a message from @axon in the
// user's DM with it). Both register at import: ui/app.js imports this module once.

import { t, formatDateTime } from "../core/i18n.js";
import { api } from "../core/engine.js";
import { seg } from "../core/api.js";
import { on } from "../core/store.js";
import { h } from "./dom.js";
import { registerCard } from "./cards.js";
import { toast, toastError } from "./dialogs.js";

const FRESH_MS = 5 * 60_000; // a reminder.due replayed later (catch-up after being away) is not announced again

function reminderCard(m) {
  const card = m.card;
  const scheduled = card.state === "scheduled";
  // The card redraws from the server's message.card event; until then the button waits.
  const cancel = async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await api.del(`/reminders/${seg(card.reminder_id)}`);
    } catch (err) {
      button.disabled = false;
      toastError(err);
    }
  };
  return h("div", {
    class: ["reminder-card", card.state], "data-testid": "reminder-card", "data-reminder-id": card.reminder_id,
    "data-state": card.state,
  },
  h("div", { class: "reminder-card-head" }, h("span", { class: "reminder-card-icon", "aria-hidden": "true" }, "⏰"),
    h("span", { class: "reminder-card-text", "data-testid": "reminder-card-text" }, card.text)),
  h("div", { class: "reminder-card-when dim", "data-testid": "reminder-card-when" }, formatDateTime(card.due_at)),
  h("div", { class: "row wrap reminder-card-foot" },
    h("span", { class: ["tag", card.state], "data-testid": "reminder-card-state" }, t(`reminder.state_${card.state}`)),
    scheduled ? h("button", {
      type: "button", class: "btn small", "data-testid": "reminder-cancel", onclick: cancel,
    }, t("reminder.cancel")) : null));
}

registerCard("assistant.reminder", reminderCard);

on("user-event", (ev) => {
  if (ev.type !== "reminder.due" || !ev.data || !ev.data.reminder) return;
  if (ev.at && Date.now() - new Date(ev.at).getTime() > FRESH_MS) return;
  announce(ev.data.reminder);
});

function announce(reminder) {
  const title = t("reminder.due_title");
  toast(`⏰ ${reminder.text}`);
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const note = new Notification(title, { body: reminder.text, tag: `reminder:${reminder.id}` });
  note.onclick = () => {
    window.focus();
    note.close();
  };
}
