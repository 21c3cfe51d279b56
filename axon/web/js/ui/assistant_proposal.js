// The @axon assistant's meeting proposal (`assistant.proposal` card, docs/protocol.md): the title,
// the time in the reader's zone, the people to invite, and for the asker while it is pending
// "Schedule" / "Cancel" (POST /assistant/proposals/{id}/confirm | dismiss). The server replaces the
// card (`message.card`) once it is answered: "Scheduled ✓" with a link into the calendar, or
// "Dismissed".

import { t } from "../core/i18n.js";
import { api } from "../core/engine.js";
import { seg } from "../core/api.js";
import { formatRange, isoDate } from "../core/calendar_time.js";
import { emit, isMe } from "../core/store.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { toastError } from "./dialogs.js";
import { calendarHref } from "./router.js";
import { registerCard } from "./cards.js";

const busy = new Set(); // message ids whose answer is on its way: buttons disabled meanwhile

async function answer(m, action) {
  busy.add(m.id);
  emit("timeline", m.conversation_id);
  try {
    const card = await api.post(`/assistant/proposals/${seg(m.id)}/${action}`);
    // The `message.card` event brings the same card; drawn now so the click shows its effect at once.
    if (card && card.type === "assistant.proposal") m.card = card;
  } catch (err) {
    toastError(err);
  } finally {
    busy.delete(m.id);
    emit("timeline", m.conversation_id);
  }
}

function outcome(m, card) {
  if (card.state === "scheduled") {
    return h("div", { class: "row wrap proposal-done", "data-testid": "proposal-scheduled" },
      h("span", { class: "proposal-ok" }, t("assistant.proposal_scheduled")),
      card.event_id ? h("a", {
        class: "btn small", "data-testid": "proposal-open",
        href: calendarHref({ date: isoDate(new Date(card.start)), event: card.event_id }),
      }, t("calendar.open_in_calendar")) : null);
  }
  if (card.state === "dismissed") {
    return h("div", { class: "proposal-done dim", "data-testid": "proposal-dismissed" }, t("assistant.proposal_dismissed"));
  }
  if (!isMe(card.asker_id)) return null;
  const waiting = busy.has(m.id);
  return h("div", { class: "row wrap event-card-actions" },
    h("button", {
      type: "button", class: "btn small primary", "data-testid": "proposal-schedule", disabled: waiting,
      onclick: () => answer(m, "confirm"),
    }, t("assistant.proposal_schedule")),
    h("button", {
      type: "button", class: "btn small", "data-testid": "proposal-cancel", disabled: waiting,
      onclick: () => answer(m, "dismiss"),
    }, t("assistant.proposal_cancel")));
}

function render(m) {
  const card = m.card;
  const people = (card.attendees || []).map((a) => a.display_name).join(t("assistant.proposal_joiner"));
  return h("div", {
    class: ["event-card", "proposal-card", card.state], "data-testid": "proposal-card", "data-state": card.state,
  },
  h("div", { class: "event-card-head" }, icon("calendar", 16),
    h("span", { class: "event-card-title", "data-testid": "proposal-title" }, card.title)),
  h("div", { class: "event-card-when", "data-testid": "proposal-when" }, formatRange(card.start, card.end)),
  h("div", { class: "proposal-people dim", "data-testid": "proposal-people" }, t("assistant.proposal_with", { people })),
  outcome(m, card));
}

registerCard("assistant.proposal", render, (m) => busy.has(m.id));
