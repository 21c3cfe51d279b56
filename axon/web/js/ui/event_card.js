// What the calendar adds to a message row: the event card of a message whose `card.type` is
// "event" (title, time in the reader's time zone, status, response counts, my answer buttons,
// "Open in calendar"), replaced in place by `message.card` events; and the "Add to calendar" chip
// of a message with an event hint, which opens the event dialog prefilled.

import { t } from "../core/i18n.js";
import { eventOf, hintOf, knownNotMine, myResponse, respond } from "../core/calendar.js";
import { formatRange, isoDate } from "../core/calendar_time.js";
import { emit, state } from "../core/store.js";
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { toastError } from "./dialogs.js";
import { calendarHref } from "./router.js";
import { RESPONSES, openEventDialog } from "./event_dialog.js";

const COUNTS = ["accepted", "tentative", "declined", "needs_action"];

/** Part of a message row's signature: its card, my answer to it, its hint. */
export function calendarSignature(m) {
  const card = eventCardOf(m);
  const hint = hintOf(m.id);
  return [card ? card : null, card ? myResponse(state.calendarEvents.get(card.event.id)) : null,
    hint ? [hint.start, hint.end, hint.title] : null];
}

function eventCardOf(m) {
  return m.card && m.card.type === "event" && m.card.event && !m.deleted ? m.card : null;
}

/** The card in place of the message's text fallback, or null when the message has no event card. */
export function eventCard(m) {
  const card = eventCardOf(m);
  if (!card) return null;
  const e = card.event;
  const event = state.calendarEvents.get(e.id);
  if (!event && !knownNotMine(e.id)) eventOf(e.id).then((found) => found && emit("timeline", m.conversation_id));
  const mine = myResponse(event);
  const cancelled = e.status === "cancelled";
  const responses = e.responses || {};
  const counts = COUNTS.filter((k) => responses[k]).map((k) => t(`calendar.count_${k}`, { n: responses[k] }));
  const answer = (response) => respond(e.id, response).catch(toastError);
  return h("div", {
    class: ["event-card", cancelled && "cancelled"], "data-testid": "event-card", "data-event-id": e.id, "data-status": e.status,
  },
  h("div", { class: "event-card-head" }, icon("calendar", 16),
    h("span", { class: "event-card-title", "data-testid": "event-card-title" }, e.title),
    cancelled ? h("span", { class: "tag cancelled", "data-testid": "event-card-cancelled" }, t("calendar.cancelled")) : null),
  h("div", { class: "event-card-when", "data-testid": "event-card-when" }, formatRange(e.start, e.end)),
  h("div", { class: "event-card-counts dim", "data-testid": "event-card-counts" }, counts.join(" · ") || t("calendar.no_answers")),
  h("div", { class: "row wrap event-card-actions" },
    mine && mine !== "organizer" && !cancelled ? RESPONSES.map((r) => h("button", {
      type: "button", class: ["btn small", mine === r && "primary"], "aria-pressed": String(mine === r),
      "data-testid": `card-${r}`, onclick: () => answer(r),
    }, t(`calendar.answer_${r}`))) : null,
    mine ? h("a", {
      class: "btn small", "data-testid": "card-open", href: calendarHref({ date: isoDate(new Date(e.start)), event: e.id }),
    }, t("calendar.open_in_calendar")) : null));
}

/** "Add to calendar" under a message with an event hint (for its author and the people it addresses). */
export function hintChip(m) {
  const hint = hintOf(m.id);
  if (!hint || m.deleted || m.pending || eventCardOf(m)) return null;
  const open = () => openEventDialog({
    draft: {
      title: hint.title, start: new Date(hint.start), end: new Date(hint.end), attendees: hint.participants || [],
      conversation_id: m.conversation_id, source_message_id: m.id,
    },
  });
  return h("button", {
    type: "button", class: "event-hint", "data-testid": "add-to-calendar", "data-message-id": m.id,
    title: formatRange(hint.start, hint.end), onclick: open,
  }, icon("calendar", 14), h("span", null, t("calendar.add_to_calendar")),
  h("span", { class: "dim" }, formatRange(hint.start, hint.end, { zone: false })));
}
