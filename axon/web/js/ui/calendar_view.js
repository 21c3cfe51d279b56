// The calendar page (#/calendar?view=week|day&date=YYYY-MM-DD&event=<id>): a week of 7 columns or
// one day, hours down the side, my events as blocks placed by time in the browser's time zone
// (overlapping ones side by side), coloured by my response, cancelled ones struck through, and a
// line at the current time. Previous / Today / Next move by the view's length; a click on an empty
// slot, or "New event", opens the event dialog there; a block opens its event. Live: the
// `calendar.event` user events upsert the store (core/calendar.js) and this page redraws.

import { errorText, t } from "../core/i18n.js";
import { localTimeZone, loadRange, myResponse, fetchEvent } from "../core/calendar.js";
import {
  HOUR, MINUTE, addDays, clipToDay, fmt, formatClock, formatHour, isoDate, layoutDay, parseLocal, startOfDay, visibleDays,
} from "../core/calendar_time.js";
import { batched, h } from "./dom.js";
import { icon } from "./icons.js";
import { on, state } from "../core/store.js";
import { calendarHref } from "./router.js";
import { openEventDialog } from "./event_dialog.js";
import { toast } from "./dialogs.js";

const HOUR_PX = 48;
const NARROW = 700; // px: below it the calendar opens on one day

export function mountCalendarView(el) {
  const range = h("h3", { class: "cal-range", "data-testid": "calendar-range", "aria-live": "polite" });
  const nav = (testid, label, glyph, step) => h("button", {
    type: "button", class: glyph ? "icon-btn" : "btn small", "data-testid": testid, title: label, "aria-label": label,
    onclick: () => move(step),
  }, glyph ? icon(glyph, 18) : label);
  const seg = (view) => h("button", {
    type: "button", class: "search-seg", "data-testid": `calendar-view-${view}`, onclick: () => go({ view }),
  }, t(`calendar.view_${view}`));
  const segWeek = seg("week");
  const segDay = seg("day");
  const head = h("div", { class: "cal-days-head", "data-testid": "calendar-days" });
  const body = h("div", { class: "cal-body" });
  const scroller = h("div", { class: "cal-scroll", "data-testid": "calendar-grid" }, head, body);
  const status = h("p", { class: "cal-status dim", role: "status", "aria-live": "polite" });
  el.append(h("section", { class: "calendar-page", "data-testid": "calendar-page" },
    h("header", { class: "conv-header calendar-head" },
      h("a", { class: "icon-btn back", href: "#/", title: t("conv.back"), "aria-label": t("conv.back") }, icon("back", 22)),
      h("h2", null, t("calendar.title")),
      h("div", { class: "cal-nav" },
        nav("calendar-prev", t("calendar.previous"), "left", -1),
        nav("calendar-today", t("calendar.today"), null, 0),
        nav("calendar-next", t("calendar.next"), "right", 1)),
      range,
      h("span", { class: "grow" }),
      h("span", { class: "cal-zone dim", title: t("calendar.zone_tip") }, localTimeZone()),
      h("div", { class: "search-segmented", role: "group", "aria-label": t("calendar.view") }, segWeek, segDay),
      h("button", {
        type: "button", class: "btn primary small", "data-testid": "calendar-new", onclick: () => newEventAt(null),
      }, icon("plus", 16), t("calendar.new_event"))),
    status, scroller));

  let view = "week";
  let anchor = startOfDay(new Date());
  let days = [];
  let latest = 0;
  let openedFor = null;
  let scrolled = false;

  const current = () => {
    const r = state.route;
    view = r.view || (window.innerWidth < NARROW ? "day" : "week");
    anchor = (r.date && parseLocal(r.date)) || startOfDay(new Date());
    days = visibleDays(anchor, view);
  };
  function go(change) {
    const r = state.route;
    location.hash = calendarHref({ view: change.view ?? r.view, date: change.date ?? r.date });
  }
  function move(step) {
    const date = step === 0 ? new Date() : addDays(anchor, step * (view === "day" ? 1 : 7));
    go({ date: isoDate(date), view });
  }
  function newEventAt(start) {
    const from = start || nextHalfHour();
    openEventDialog({ draft: { start: from, end: new Date(from.getTime() + HOUR) } });
  }

  const draw = batched(() => {
    const today = isoDate(new Date());
    for (const [button, name] of [[segWeek, "week"], [segDay, "day"]]) {
      button.classList.toggle("on", view === name);
      button.setAttribute("aria-pressed", String(view === name));
    }
    range.textContent = view === "day"
      ? fmt({ weekday: "long", year: "numeric", month: "long", day: "numeric" }).format(days[0])
      : fmt({ year: "numeric", month: "short", day: "numeric" }).formatRange(days[0], days[days.length - 1]);
    scroller.dataset.view = view;
    head.replaceChildren(h("div", { class: "cal-gutter" }), ...days.map((day) => h("button", {
      type: "button", class: ["cal-day-name", isoDate(day) === today && "today"], "data-testid": "calendar-day-name",
      "data-date": isoDate(day), onclick: () => go({ view: "day", date: isoDate(day) }),
    }, h("span", { class: "cal-weekday" }, fmt({ weekday: "short" }).format(day)),
    h("span", { class: "cal-daynum" }, fmt({ day: "numeric" }).format(day)))));
    const gutter = h("div", { class: "cal-gutter" },
      Array.from({ length: 24 }, (_, hour) => h("div", { class: "cal-hour-label" }, hour ? formatHour(hour) : "")));
    body.replaceChildren(gutter, ...days.map((day) => dayColumn(day, isoDate(day) === today, newEventAt)));
    if (!scrolled) {
      scrolled = true;
      scroller.scrollTop = Math.max(0, (new Date().getHours() - 1) * HOUR_PX);
    }
  });

  const load = async () => {
    current();
    draw();
    const ticket = ++latest;
    status.textContent = t("timeline.loading");
    try {
      await loadRange(days[0], addDays(days[days.length - 1], 1));
      if (ticket !== latest) return;
      status.textContent = "";
      draw();
      openRequested();
    } catch (err) {
      if (ticket === latest) status.textContent = `${t("calendar.load_failed")} ${errorText(err)}`;
    }
  };
  // #/calendar?event=<id> (a card's "Open in calendar"): open that event once.
  const openRequested = async () => {
    const id = state.route.event;
    if (!id || id === openedFor) return;
    openedFor = id;
    const event = state.calendarEvents.get(id) || (await fetchEvent(id).catch(() => null));
    if (event) openEventDialog({ event });
    else toast(t("calendar.not_found"), "error");
  };

  load();
  const tick = setInterval(draw, MINUTE); // the current-time line
  const stops = [
    on("route", () => state.route.name === "calendar" && load()),
    on("calendar", draw),
    on("users", draw),
    on("synced", load),
  ];
  return () => {
    draw.cancel();
    clearInterval(tick);
    stops.forEach((stop) => stop());
  };
}

function dayColumn(day, isToday, newEventAt) {
  const pieces = [];
  for (const event of state.calendarEvents.values()) {
    const part = clipToDay(new Date(event.start).getTime(), new Date(event.end).getTime(), day);
    if (part) pieces.push({ id: event.id, event, ...part });
  }
  const places = layoutDay(pieces);
  const column = h("div", {
    class: ["cal-col", isToday && "today"], "data-testid": "calendar-column", "data-date": isoDate(day),
    title: t("calendar.slot_tip"),
  });
  column.style.height = `${24 * HOUR_PX}px`;
  column.addEventListener("click", (ev) => {
    if (ev.target !== column) return;
    const minutes = Math.floor((ev.offsetY / HOUR_PX) * 2) * 30;
    newEventAt(new Date(day.getFullYear(), day.getMonth(), day.getDate(), 0, minutes));
  });
  for (const piece of pieces) column.append(block(piece, places.get(piece.id)));
  if (isToday) {
    const line = h("div", { class: "cal-now", "data-testid": "calendar-now", "aria-hidden": "true" });
    line.style.top = `${((Date.now() - day.getTime()) / HOUR) * HOUR_PX}px`;
    column.append(line);
  }
  return column;
}

function block(piece, place) {
  const { event } = piece;
  const response = myResponse(event) || "none";
  const cancelled = event.status === "cancelled";
  const start = new Date(event.start);
  // The visible title and time first, then (for screen readers) the end and my answer or the cancellation.
  const more = `– ${formatClock(new Date(event.end))} · ${cancelled ? t("calendar.cancelled") : t(`calendar.response_${response}`)}`;
  const el = h("button", {
    type: "button", class: ["cal-event", `resp-${response}`, cancelled && "cancelled", piece.end - piece.start < 45 * MINUTE && "short"], "data-testid": "calendar-event",
    "data-event-id": event.id, "data-response": response, "data-status": event.status,
    title: `${event.title} · ${formatClock(start)} ${more}`, onclick: () => openEventDialog({ event }),
  }, h("span", { class: "cal-event-title" }, event.title),
  h("span", { class: "cal-event-time" }, formatClock(start), h("span", { class: "sr-only" }, ` ${more}`)));
  el.style.top = `${((piece.start - piece.from) / HOUR) * HOUR_PX}px`;
  el.style.height = `${Math.max(18, ((piece.end - piece.start) / HOUR) * HOUR_PX - 2)}px`;
  el.style.left = `calc(${(place.col / place.cols) * 100}% + 2px)`;
  el.style.width = `calc(${100 / place.cols}% - 4px)`;
  return el;
}

function nextHalfHour() {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate(), now.getHours(), now.getMinutes() < 30 ? 30 : 60);
}
