// The calendar as the client knows it (docs/calendar.md, "In the web client"): events I organise or am invited
// to, kept by id and upserted by `version` from REST answers and `calendar.event` user events, and
// the event hints of messages ("Add to calendar") from `ai.event_hint` user events and, for history,
// GET /conversations/{cid}/event-hints. No DOM here: views subscribe to the topics "calendar"
// (events changed), "timeline" (a conversation whose cards or hints changed) and "calendar-notice"
// ({kind: "invitation" | "reminder", event, minutes_before}).

import { api } from "./engine.js";
import { seg } from "./api.js";
import { emit, on, state } from "./store.js";

// A user event older than this is not announced again (a resume replays what was missed).
const FRESH_MS = 10 * 60 * 1000;

/** The browser's IANA time zone: the calendar is drawn in it, and new events are created in it. */
export function localTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Keep the newer copy of an event (by `version`); answers whether it changed what we knew. */
export function upsertEvent(event) {
  if (!event || !event.id) return false;
  const known = state.calendarEvents.get(event.id);
  if (known && (known.version || 0) > (event.version || 0)) return false;
  // Taken off the guest list by the organiser: no longer in my calendar.
  if (myResponse(event) === null) state.calendarEvents.delete(event.id);
  else state.calendarEvents.set(event.id, event);
  emit("calendar");
  if (event.conversation_id) emit("timeline", event.conversation_id);
  return true;
}

/** Events that overlap [start, end) (Date objects), as the server lists them; also kept in the store. */
export async function loadRange(start, end) {
  const data = await api.get("/calendar/events", { start: start.toISOString(), end: end.toISOString() });
  const events = (data && data.events) || [];
  // What the server no longer lists in this range is gone from my calendar (e.g. I was removed).
  const listed = new Set(events.map((e) => e.id));
  for (const [id, known] of state.calendarEvents) {
    if (!listed.has(id) && overlaps(known, start, end)) state.calendarEvents.delete(id);
  }
  for (const event of events) upsertEvent(event);
  emit("calendar");
  return events;
}

function overlaps(event, start, end) {
  return new Date(event.start) < end && new Date(event.end) > start;
}

/** One event, or null when I may not see it (not organiser or attendee: 404). */
export async function fetchEvent(id) {
  try {
    const event = await api.get(`/calendar/events/${seg(id)}`);
    upsertEvent(event);
    return state.calendarEvents.get(id);
  } catch (err) {
    if (err.code === "not_found" || err.status === 404 || err.status === 403) return null;
    throw err;
  }
}

const lookups = new Map(); // event id -> Promise, so many cards of one event ask once

/** The event behind a card: from the store, else fetched once (null: not one of mine). */
export function eventOf(id) {
  if (state.calendarEvents.has(id)) return Promise.resolve(state.calendarEvents.get(id));
  if (!lookups.has(id)) lookups.set(id, fetchEvent(id).catch(() => { lookups.delete(id); return null; }));
  return lookups.get(id);
}

/** Whether eventOf(id) was asked and answered "not mine" (the card then offers no buttons). */
export function knownNotMine(id) {
  return lookups.has(id) && !state.calendarEvents.has(id);
}

/** `idempotencyKey`: the same for every try of one creation, so a retry after a lost answer makes no second event. */
export async function createEvent(fields, idempotencyKey = crypto.randomUUID()) {
  const event = await api.post("/calendar/events", fields, { "Idempotency-Key": idempotencyKey });
  upsertEvent(event);
  return event;
}

export async function updateEvent(id, changes) {
  const event = await api.patch(`/calendar/events/${seg(id)}`, changes);
  upsertEvent(event);
  return event;
}

export async function cancelEvent(id) {
  const event = await api.post(`/calendar/events/${seg(id)}/cancel`);
  upsertEvent(event);
  return event;
}

export async function respond(id, response) {
  const event = await api.post(`/calendar/events/${seg(id)}/response`, { response });
  upsertEvent(event);
  return event;
}

/** The event's iCalendar file (bearer token: fetched, then offered as a blob). */
export function icsBlob(id) {
  return api.blob(`/calendar/events/${seg(id)}/ics`);
}

// ----- the private subscription feed -----------------------------------------

export const feed = {
  get: () => api.get("/calendar/feed"),
  renew: () => api.post("/calendar/feed"),
  revoke: () => api.del("/calendar/feed"),
};

// ----- who is who in an event ------------------------------------------------

export function isOrganizer(event, userId = state.session.user.id) {
  return Boolean(event) && event.organizer_id === userId;
}

/** My response to an event: "organizer", "accepted", "declined", "tentative", "needs_action", or null. */
export function myResponse(event, userId = state.session.user.id) {
  if (!event) return null;
  if (event.organizer_id === userId) return "organizer";
  const me = (event.attendees || []).find((a) => a.user_id === userId);
  return me ? me.response : null;
}

/** Counts per response, from a full event (the card carries its own `responses`). */
export function responseCounts(event) {
  const counts = { accepted: 0, declined: 0, tentative: 0, needs_action: 0 };
  for (const a of event.attendees || []) if (a.response in counts) counts[a.response] += 1;
  return counts;
}

// ----- event hints -------------------------------------------------------------

/** The hint of a message ({title, start, end, time_zone, all_day, participants}) or null. */
export function hintOf(messageId) {
  return state.eventHints.get(messageId) || null;
}

function setHint(conversationId, messageId, hint) {
  const had = state.eventHints.has(messageId);
  if (hint) state.eventHints.set(messageId, { ...hint, conversation_id: conversationId });
  else state.eventHints.delete(messageId);
  if (hint || had) emit("timeline", conversationId);
}

const hintRanges = new Map(); // conv -> [[from, to]] seq ranges already asked for

/**
 * The hints of a page of history (messages with their seqs). Asked once per seq range; a failure
 * (e.g. the helper switched off: module_disabled) shows no chips and is not an error for the reader.
 */
export async function loadHints(conv, messages) {
  const seqs = (messages || []).map((m) => m.seq).filter((s) => Number.isInteger(s));
  if (!seqs.length) return;
  const from = Math.min(...seqs);
  const to = Math.max(...seqs);
  const ranges = hintRanges.get(conv) || [];
  if (ranges.some(([a, b]) => a <= from && to <= b)) return;
  ranges.push([from, to]);
  hintRanges.set(conv, ranges);
  try {
    const data = await api.get(`/conversations/${seg(conv)}/event-hints`, { after_seq: from - 1, before_seq: to + 1 });
    for (const item of (data && data.hints) || []) setHint(conv, item.message_id, item.hint);
  } catch {
    hintRanges.set(conv, ranges.filter((r) => r[0] !== from || r[1] !== to));
  }
}

// What was asked for belongs to the signed-in person: another one in this tab asks again.
on("signed-out", () => {
  lookups.clear();
  hintRanges.clear();
});

// ----- user events -------------------------------------------------------------

export const CALENDAR_USER_EVENTS = ["calendar.event", "calendar.reminder", "ai.event_hint"];

/** Apply a calendar or hint user event (called by the engine for CALENDAR_USER_EVENTS). */
export function applyCalendarUserEvent(ev) {
  const d = ev.data || {};
  if (ev.type === "ai.event_hint") {
    setHint(d.conversation_id, d.message_id, d.hint || null);
    return;
  }
  if (!d.event) return;
  if (ev.type === "calendar.event") {
    const before = state.calendarEvents.get(d.event.id);
    upsertEvent(d.event);
    if (isNewInvitation(before, d.event) && fresh(d.event.updated_at)) {
      emit("calendar-notice", { kind: "invitation", event: d.event });
    }
  } else if (ev.type === "calendar.reminder") {
    upsertEvent(d.event);
    if (d.event.status !== "cancelled" && new Date(d.event.end).getTime() > Date.now()) {
      emit("calendar-notice", { kind: "reminder", event: d.event, minutes_before: d.minutes_before });
    }
  }
}

/**
 * An invitation to announce: I am an attendee (not the organiser) who has not answered, the event
 * is on, and before this update I either did not know it or had answered / it was at another time
 * (a time change resets responses: that is a new question to me).
 */
export function isNewInvitation(before, event, userId = state.session.user.id) {
  if (event.status === "cancelled" || myResponse(event, userId) !== "needs_action") return false;
  if (!before) return true;
  return myResponse(before, userId) !== "needs_action" || before.start !== event.start || before.end !== event.end;
}

function fresh(iso) {
  return !iso || Date.now() - new Date(iso).getTime() < FRESH_MS;
}
