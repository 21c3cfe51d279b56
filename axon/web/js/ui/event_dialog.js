// The event dialog: create a new event (from the calendar, or prefilled from a message's event hint),
// edit or cancel one I organise, answer one I am invited to (Accept / Tentative / Decline), download
// its .ics, copy its details. Times are entered and shown in the browser's time zone, which is sent
// as the event's `time_zone`; an end time at or before the start means the next day.

import { errorText, formatList, t } from "../core/i18n.js";
import {
  cancelEvent, createEvent, icsBlob, isOrganizer, localTimeZone, myResponse, respond, updateEvent,
} from "../core/calendar.js";
import { addDays, formatRange, isoDate, isoTime, parseLocal, wire } from "../core/calendar_time.js";
import { ensureUsers } from "../core/history.js";
import { state } from "../core/store.js";
import { h } from "./dom.js";
import { chipRemove, confirmAction, modal, toast, toastError, userSearchBox } from "./dialogs.js";
import { conversationTitle, userName } from "./names.js";

const REMINDER_CHOICES = [5, 10, 15, 30, 60, 1440];
const DEFAULT_REMINDERS = [10];
export const RESPONSES = ["accepted", "tentative", "declined"];

/**
 * Open the dialog for `event` (an Event from the server), or for a new one from `draft`:
 * {title, start: Date, end: Date, attendees: [user id], conversation_id, source_message_id}.
 */
export function openEventDialog({ event = null, draft = null }) {
  const live = event ? state.calendarEvents.get(event.id) || event : null;
  ensureUsers([...(live ? live.attendees.map((a) => a.user_id).concat(live.organizer_id) : []),
    ...((draft && draft.attendees) || [])]).catch(() => {});
  const editable = !live || (isOrganizer(live) && live.status !== "cancelled");
  const title = live ? (editable ? t("calendar.edit_event") : live.title) : t("calendar.new_event");
  const content = h("div", { class: "stack event-dialog" });
  const { close } = modal(title, content, { testid: "event-dialog", wide: true });
  if (editable) content.append(eventForm(live, draft, close));
  else content.append(eventDetails(live));
  if (live) content.append(attendeeList(live), eventActions(live, close));
}

function eventForm(event, draft, close) {
  const base = event || {};
  const start = new Date(event ? event.start : draft.start);
  const end = new Date(event ? event.end : draft.end);
  const input = (testid, attrs) => h("input", { "data-testid": testid, ...attrs });
  const fields = {
    title: input("event-title", { type: "text", required: true, maxlength: 200, value: base.title ?? draft.title ?? "" }),
    date: input("event-date", { type: "date", required: true, value: isoDate(start) }),
    start: input("event-start", { type: "time", required: true, value: isoTime(start) }),
    end: input("event-end", { type: "time", required: true, value: isoTime(end) }),
    location: input("event-location", { type: "text", maxlength: 200, value: base.location || "" }),
    description: h("textarea", { "data-testid": "event-description", rows: 3, maxlength: 4000, value: base.description || "" }),
  };
  const attendees = attendeePicker(event
    ? event.attendees.map((a) => a.user_id).filter((id) => id !== event.organizer_id)
    : (draft.attendees || []).filter((id) => id !== state.session.user.id));
  const chosenReminders = new Set(event ? event.reminders_minutes || [] : DEFAULT_REMINDERS);
  const reminders = REMINDER_CHOICES.map((minutes) => {
    const box = h("input", { type: "checkbox", "data-testid": `event-reminder-${minutes}`, checked: chosenReminders.has(minutes) });
    return { minutes, box, el: h("label", { class: "check" }, box, t("calendar.reminder_before", { when: beforeText(minutes) })) };
  });
  const conv = draft && draft.conversation_id ? state.conversations.get(draft.conversation_id) : null;
  const postCard = conv ? h("input", { type: "checkbox", checked: true, "data-testid": "event-post-card" }) : null;
  const zone = event && event.time_zone !== localTimeZone()
    ? t("calendar.zone_other", { zone: localTimeZone(), event: event.time_zone }) : t("calendar.zone", { zone: localTimeZone() });
  const save = h("button", { type: "submit", class: "btn primary", "data-testid": "event-save" },
    event ? t("action.save") : t("calendar.create"));
  const form = h("form", { class: "stack", "data-testid": "event-form" },
    h("label", null, t("calendar.field_title"), fields.title),
    h("div", { class: "row wrap event-when" },
      h("label", null, t("calendar.field_date"), fields.date),
      h("label", null, t("calendar.field_start"), fields.start),
      h("label", null, t("calendar.field_end"), fields.end)),
    h("p", { class: "dim", "data-testid": "event-zone" }, zone),
    h("label", null, t("calendar.field_location"), fields.location),
    h("label", null, t("calendar.field_description"), fields.description),
    h("div", { class: "stack" }, h("span", null, t("calendar.field_attendees")), attendees.el),
    h("fieldset", { class: "event-reminders" }, h("legend", null, t("calendar.field_reminders")), reminders.map((r) => r.el)),
    conv ? h("label", { class: "check" }, postCard, t("calendar.post_card", { conv: conversationTitle(conv) })) : null,
    h("div", { class: "row end" },
      h("button", { type: "button", class: "btn", onclick: () => close() }, t("action.cancel")), save));
  const creation = crypto.randomUUID(); // one Idempotency-Key per new event, whatever the number of tries
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const from = parseLocal(fields.date.value, fields.start.value);
    let to = parseLocal(fields.date.value, fields.end.value);
    if (!from || !to || !fields.title.value.trim()) return;
    if (to <= from) to = addDays(to, 1); // "22:00 – 01:00": ends the next day
    const values = {
      title: fields.title.value.trim(), start: wire(from), end: wire(to), time_zone: localTimeZone(),
      description: fields.description.value.trim(), location: fields.location.value.trim(),
      attendees: attendees.ids(), reminders_minutes: reminders.filter((r) => r.box.checked).map((r) => r.minutes),
    };
    save.disabled = true; // one request at a time: a double click must not create two events
    try {
      if (event) {
        const changes = changed(event, values);
        if (Object.keys(changes).length) await updateEvent(event.id, changes);
        toast(t("calendar.saved"));
      } else {
        if (postCard && postCard.checked) values.conversation_id = draft.conversation_id;
        if (draft.source_message_id && values.conversation_id) values.source_message_id = draft.source_message_id;
        await createEvent(values, creation);
        toast(t("calendar.created"));
      }
      close();
    } catch (err) {
      save.disabled = false;
      toastError(err);
    }
  });
  queueMicrotask(() => fields.title.focus());
  return form;
}

/** Only what differs: unchanged times must not reset the attendees' answers. */
function changed(event, values) {
  const out = {};
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const before = {
    title: event.title, start: new Date(event.start).toISOString(), end: new Date(event.end).toISOString(),
    time_zone: event.time_zone, description: event.description || "", location: event.location || "",
    attendees: event.attendees.map((a) => a.user_id).filter((id) => id !== event.organizer_id).sort(),
    reminders_minutes: [...(event.reminders_minutes || [])].sort((a, b) => a - b),
  };
  for (const [key, value] of Object.entries(values)) {
    const compare = Array.isArray(value) ? [...value].sort() : value;
    if (key === "time_zone") continue; // sent with a time change only
    if (!same(before[key], key === "reminders_minutes" ? [...value].sort((a, b) => a - b) : compare)) out[key] = value;
  }
  if (out.start || out.end) out.time_zone = values.time_zone;
  return out;
}

function attendeePicker(initial) {
  const chosen = new Set(initial);
  const chips = h("div", { class: "chips", "data-testid": "event-attendees" });
  const draw = () => chips.replaceChildren(...[...chosen].map((id) => h("span", { class: "chip", "data-user-id": id },
    userName(id), chipRemove(() => { chosen.delete(id); draw(); refresh(); }))));
  const { input, results, refresh } = userSearchBox({
    hide: (user) => chosen.has(user.id),
    onPick: (user) => {
      chosen.add(user.id);
      draw();
      input.value = "";
      refresh();
      input.focus();
    },
  });
  input.setAttribute("aria-label", t("calendar.add_attendee"));
  results.classList.add("event-attendee-results");
  draw();
  return { el: h("div", { class: "stack" }, chips, input, results), ids: () => [...chosen] };
}

function eventDetails(event) {
  return h("div", { class: "stack", "data-testid": "event-details" },
    event.status === "cancelled" ? h("p", { class: "tag cancelled", "data-testid": "event-cancelled" }, t("calendar.cancelled")) : null,
    h("p", { class: ["strong", event.status === "cancelled" && "struck"], "data-testid": "event-when" },
      formatRange(event.start, event.end)),
    event.time_zone !== localTimeZone() ? h("p", { class: "dim" }, t("calendar.zone_other", { zone: localTimeZone(), event: event.time_zone })) : null,
    event.location ? h("p", null, t("calendar.field_location"), ": ", event.location) : null,
    event.description ? h("p", { class: "event-description" }, event.description) : null,
    h("p", { class: "dim" }, t("calendar.organizer", { name: userName(event.organizer_id) })));
}

function attendeeList(event) {
  return h("section", { class: "event-attendees-list" },
    h("h3", null, t("calendar.field_attendees")),
    h("ul", { class: "plain" }, event.attendees.map((a) => h("li", {
      "data-testid": "event-attendee-row", "data-user-id": a.user_id, "data-response": a.response,
    }, userName(a.user_id), " · ", t(`calendar.response_${a.user_id === event.organizer_id ? "organizer" : a.response}`)))));
}

function eventActions(event, close) {
  const mine = myResponse(event);
  const answer = async (response) => {
    try {
      await respond(event.id, response);
      toast(t(`calendar.answered_${response}`));
      close();
    } catch (err) {
      toastError(err);
    }
  };
  const canAnswer = mine && mine !== "organizer" && event.status !== "cancelled";
  return h("div", { class: "row wrap event-actions" },
    canAnswer ? RESPONSES.map((r) => h("button", {
      type: "button", class: ["btn", mine === r && "primary"], "data-testid": `event-${r}`, "aria-pressed": String(mine === r),
      onclick: () => answer(r),
    }, t(`calendar.answer_${r}`))) : null,
    h("span", { class: "grow" }),
    h("button", { type: "button", class: "btn small", "data-testid": "event-ics", onclick: () => downloadIcs(event) }, t("calendar.download_ics")),
    h("button", { type: "button", class: "btn small", "data-testid": "event-copy", onclick: () => copyDetails(event) }, t("calendar.copy")),
    isOrganizer(event) && event.status !== "cancelled" ? h("button", {
      type: "button", class: "btn small danger", "data-testid": "event-cancel",
      onclick: async () => {
        if (!(await confirmAction(t("calendar.cancel_confirm")))) return;
        try {
          await cancelEvent(event.id);
          toast(t("calendar.cancelled_done"));
          close();
        } catch (err) {
          toastError(err);
        }
      },
    }, t("calendar.cancel_event")) : null);
}

async function downloadIcs(event) {
  try {
    const url = URL.createObjectURL(await icsBlob(event.id));
    const link = h("a", { href: url, download: `${event.title.replace(/[\\/:*?"<>|]+/g, " ").trim() || "event"}.ics`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (err) {
    toastError(err);
  }
}

/** The event as plain text, for pasting anywhere. */
export function detailsText(event) {
  const people = event.attendees.map((a) => userName(a.user_id));
  return [event.title, formatRange(event.start, event.end), event.location, event.description,
    people.length ? `${t("calendar.field_attendees")}: ${formatList(people)}` : null].filter(Boolean).join("\n");
}

async function copyDetails(event) {
  try {
    await navigator.clipboard.writeText(detailsText(event));
    toast(t("calendar.copied"));
  } catch (err) {
    toast(errorText({ code: "copy_failed", message: err.message }), "error");
  }
}

function beforeText(minutes) {
  if (minutes >= 1440) return t("calendar.days", { n: minutes / 1440 });
  if (minutes >= 60) return t("calendar.hours", { n: minutes / 60 });
  return t("calendar.minutes", { n: minutes });
}
