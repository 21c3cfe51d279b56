// Invitations and reminders announced: an in-app toast, and a desktop notification when the user
// allowed them (ui/notify.js asks). Clicking the notification opens the event in the calendar.

import { t } from "../core/i18n.js";
import { on } from "../core/store.js";
import { formatRange, isoDate } from "../core/calendar_time.js";
import { toast } from "./dialogs.js";
import { userName } from "./names.js";
import { calendarHref } from "./router.js";

export function startCalendarNotices() {
  return on("calendar-notice", announce);
}

function announce({ kind, event, minutes_before: minutes }) {
  const title = kind === "reminder"
    ? t("calendar.reminder_title", { title: event.title, n: minutes ?? 0 })
    : t("calendar.invitation_title", { name: userName(event.organizer_id), title: event.title });
  const when = formatRange(event.start, event.end);
  toast(`${title} · ${when}`);
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const note = new Notification(title, { body: when, tag: `${kind}:${event.id}` });
  note.onclick = () => {
    window.focus();
    location.hash = calendarHref({ date: isoDate(new Date(event.start)), event: event.id });
    note.close();
  };
}
