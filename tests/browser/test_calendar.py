"""The calendar in the web client (docs/calendar.md, "In the web client"), against the real calendar REST API and
the event-hint consumer: "Add to calendar" from a Chinese message, invitations answered from the event
card and from the calendar, the week view placing events by time (overlaps side by side), editing and
cancelling, invitations and reminders announced, the subscription URL in Settings, a phone-sized
screen. In English and Chinese; screenshots of the week view and of an event card."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AxonServer, Session, User, running_axon, screenshot
from tests.browser.test_a11y import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axon(tmp_path_factory: pytest.TempPathFactory, mail_drop: Any) -> Iterator[AxonServer]:
    """A node of this module's own, with meeting-time hints on (tests/conftest.py leaves them off)."""
    with running_axon(tmp_path_factory, mail_drop, {"AXON_EVENT_HINTS": "1"}) as server:
        yield server

ZONE = ZoneInfo("Asia/Shanghai")  # the browsers' time zone (conftest open_app)
HOUR_PX = 48  # ui/calendar_view.js
LOCALES = ["en-US", "zh-CN"]
SUFFIX = {"en-US": "", "zh-CN": "-zh"}
TEXT = {
    "en-US": {"add": "Add to calendar", "accepted": "{n} accepted", "cancelled": "Cancelled", "invited": "invited you"},
    "zh-CN": {"add": "添加到日历", "accepted": "{n} 人接受", "cancelled": "已取消", "invited": "邀请你参加"},
}


def wire(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def local_day(days_ahead: int, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time in the browsers' zone, `days_ahead` days from today there."""
    today = dt.datetime.now(ZONE).date() + dt.timedelta(days=days_ahead)
    return dt.datetime(today.year, today.month, today.day, hour, minute, tzinfo=ZONE)


def make_event(axon: AxonServer, organiser: User, title: str, start: dt.datetime, minutes: int,
               attendees: list[User], conversation_id: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": title, "start": wire(start), "end": wire(start + dt.timedelta(minutes=minutes)),
                            "time_zone": "Asia/Shanghai", "attendees": [a.id for a in attendees], **extra}
    if conversation_id:
        body["conversation_id"] = conversation_id
    return dict(axon.call(organiser, "POST", "/calendar/events", json=body))


def server_event(axon: AxonServer, user: User, event_id: str) -> dict[str, Any]:
    return dict(axon.call(user, "GET", f"/calendar/events/{event_id}"))


def response_of(event: dict[str, Any], user: User) -> str:
    return next(a["response"] for a in event["attendees"] if a["user_id"] == user.id)


def open_calendar(s: Session, date: dt.datetime | None = None, view: str | None = None) -> Page:
    page = s.page
    if date is None and view is None:
        page.get_by_test_id("calendar-link").click()
    else:
        query = "&".join(p for p in [f"date={date:%Y-%m-%d}" if date else "", f"view={view}" if view else ""] if p)
        page.evaluate("h => { location.hash = h; }", f"#/calendar?{query}")
    expect(page.get_by_test_id("calendar-page")).to_be_visible()
    return page


def block(page: Page, event_id: str) -> Any:
    return page.locator(f'[data-testid="calendar-event"][data-event-id="{event_id}"]')


def box_in_column(page: Page, event_id: str) -> dict[str, float]:
    """The block's box relative to its day column (and the column's date)."""
    return dict(page.evaluate("""id => {
      const el = document.querySelector(`[data-testid="calendar-event"][data-event-id="${id}"]`);
      const col = el.closest('[data-testid="calendar-column"]');
      const a = el.getBoundingClientRect(), c = col.getBoundingClientRect();
      return {top: a.top - c.top, height: a.height, left: a.left - c.left, width: a.width, colWidth: c.width,
              date: col.dataset.date};
    }""", event_id))


@pytest.mark.parametrize("locale", LOCALES)
def test_add_to_calendar_from_a_chinese_message(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Cal")
    bob = axon.create_user("bob", "Bob Cal")
    for u in (alice, bob):
        axon.call(u, "PATCH", "/me", json={"timezone": "Asia/Shanghai"})  # the sender's zone reads "明天下午三点"
    room = axon.room(alice, "group", f"plan{uuid.uuid4().hex[:6]}", [bob])
    sa = open_app(alice, locale=locale)
    sb = open_app(bob, locale=locale)
    sa.open_conversation(room)
    sb.open_conversation(room)
    # Typed as a person does: the @-autocomplete picks Bob (shown "@Bob Cal", sent "@bob…"), then Enter sends.
    box = sa.page.get_by_test_id("composer")
    box.fill(f"明天下午三点开会 @{bob.username}")
    expect(sa.page.get_by_test_id("autocomplete")).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value("明天下午三点开会 @Bob Cal ")
    box.press("Enter")
    message = sa.message("明天下午三点开会")
    # Live: the ai.event_hint user event reaches the author and the person mentioned.
    chip = message.get_by_test_id("add-to-calendar")
    expect(chip).to_be_visible(timeout=20_000)
    expect(chip).to_contain_text(TEXT[locale]["add"])
    expect(sb.message("明天下午三点开会").get_by_test_id("add-to-calendar")).to_be_visible(timeout=20_000)
    chip.click()
    dialog = sa.page.get_by_test_id("event-dialog")
    start = local_day(1, 15)
    expect(dialog.get_by_test_id("event-date")).to_have_value(f"{start:%Y-%m-%d}")
    expect(dialog.get_by_test_id("event-start")).to_have_value("15:00")
    expect(dialog.get_by_test_id("event-title")).not_to_have_value("")
    expect(dialog.get_by_test_id("event-attendees").locator(f'[data-user-id="{bob.id}"]')).to_be_visible()
    expect(dialog.get_by_test_id("event-post-card")).to_be_checked()
    assert axe_violations(sa.page, "event dialog") == []
    dialog.get_by_test_id("event-save").click()
    expect(dialog).to_have_count(0)
    # The server posted the event card in the conversation: both see it, at 15:00 their time.
    card = sa.page.get_by_test_id("timeline").get_by_test_id("event-card")
    expect(card).to_be_visible()
    event_id = card.get_attribute("data-event-id")
    event = server_event(axon, alice, event_id)
    assert parse(event["start"]) == start
    assert event["conversation_id"] == room and event["source_message_id"] == message.get_attribute("data-message-id")
    assert response_of(event, bob) == "needs_action"
    bob_card = sb.page.get_by_test_id("timeline").locator(f'[data-testid="event-card"][data-event-id="{event_id}"]')
    expect(bob_card.get_by_test_id("event-card-when")).to_contain_text(re.compile(r"3:00|15:00"))
    # History: a fresh page shows the chip from GET /conversations/{cid}/event-hints.
    sb.page.reload()
    expect(sb.page.locator("html")).to_have_attribute("data-conn", "live")
    sb.open_conversation(room)
    expect(sb.message("明天下午三点开会").get_by_test_id("add-to-calendar")).to_be_visible()


@pytest.mark.parametrize("locale", LOCALES)
def test_an_invitation_accepted_from_the_card_and_from_the_calendar(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Organiser")
    bob = axon.create_user("bob", "Bob Invited")
    room = axon.room(alice, "group", f"sync{uuid.uuid4().hex[:6]}", [bob])
    sb = open_app(bob, locale=locale)
    sb.open_conversation(room)
    start = local_day(1, 10, 30)
    first = make_event(axon, alice, "Design review", start, 60, [bob], conversation_id=room)
    card = sb.page.locator(f'[data-testid="event-card"][data-event-id="{first["id"]}"]')
    expect(card.get_by_test_id("event-card-title")).to_have_text("Design review")
    expect(card.get_by_test_id("event-card-when")).to_contain_text(re.compile(r"10:30"))
    sa = open_app(alice, locale=locale)
    sa.open_conversation(room)
    alice_card = sa.page.locator(f'[data-testid="event-card"][data-event-id="{first["id"]}"]')
    expect(alice_card).to_be_visible()
    expect(alice_card.get_by_test_id("card-accepted")).to_have_count(0)  # the organiser does not answer
    # Bob accepts from the card: the server records it and both cards update in place (message.card).
    card.get_by_test_id("card-accepted").click()
    expect(card.get_by_test_id("card-accepted")).to_have_attribute("aria-pressed", "true")
    assert response_of(server_event(axon, bob, first["id"]), bob) == "accepted"
    counts = axon.call(alice, "GET", f"/conversations/{room}/messages")["items"]
    card_data = next(m["card"] for m in counts if m.get("card") and m["card"]["event"]["id"] == first["id"])
    accepted = card_data["event"]["responses"]["accepted"]
    expect(alice_card.get_by_test_id("event-card-counts")).to_contain_text(TEXT[locale]["accepted"].format(n=accepted))
    screenshot(sb.page, f"calendar-card{SUFFIX[locale]}")
    assert axe_violations(sb.page, "event card") == []
    # "Open in calendar": the week of the event, its dialog open.
    card.get_by_test_id("card-open").click()
    dialog = sb.page.get_by_test_id("event-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("event-accepted")).to_have_attribute("aria-pressed", "true")
    sb.page.keyboard.press("Escape")
    expect(block(sb.page, first["id"])).to_have_attribute("data-response", "accepted")
    # A new invitation while the calendar is open: it appears live, announced by a toast and a notification.
    second = make_event(axon, alice, "Budget", start + dt.timedelta(hours=3), 30, [bob])
    expect(block(sb.page, second["id"])).to_have_attribute("data-response", "needs_action")
    expect(sb.page.get_by_test_id("toast").filter(has_text="Budget")).to_be_visible()
    assert any("Budget" in n["title"] and TEXT[locale]["invited"] in n["title"] for n in sb.notifications())
    # Answered from the calendar.
    block(sb.page, second["id"]).click()
    dialog.get_by_test_id("event-tentative").click()
    expect(dialog).to_have_count(0)
    expect(block(sb.page, second["id"])).to_have_attribute("data-response", "tentative")
    assert response_of(server_event(axon, bob, second["id"]), bob) == "tentative"
    # The organiser's calendar follows the answer live (calendar.event).
    open_calendar(sa, start)
    block(sa.page, second["id"]).click()
    row = sa.page.get_by_test_id("event-dialog").locator(f'[data-testid="event-attendee-row"][data-user-id="{bob.id}"]')
    expect(row).to_have_attribute("data-response", "tentative")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_week_view_places_events_by_time_then_edit_and_cancel(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Week")
    bob = axon.create_user("bob", "Bob Week")
    sa = open_app(alice, locale=locale)
    day = local_day(2, 0)
    page = open_calendar(sa, day, "week")
    # Created in the dialog: 14:00–15:30 on that day, with Bob.
    page.get_by_test_id("calendar-new").click()
    dialog = page.get_by_test_id("event-dialog")
    dialog.get_by_test_id("event-title").fill("Roadmap 路线图")
    dialog.get_by_test_id("event-date").fill(f"{day:%Y-%m-%d}")
    dialog.get_by_test_id("event-start").fill("14:00")
    dialog.get_by_test_id("event-end").fill("15:30")
    dialog.get_by_test_id("event-location").fill("Room 3")
    dialog.get_by_test_id("user-search").fill(bob.username)
    dialog.locator(f'[data-testid="user-results"] [data-user-id="{bob.id}"]').click()
    dialog.get_by_test_id("event-save").click()
    expect(dialog).to_have_count(0)
    events = axon.call(alice, "GET", "/calendar/events",
                       params={"start": wire(day), "end": wire(day + dt.timedelta(days=1))})["events"]
    made = next(e for e in events if e["title"] == "Roadmap 路线图")
    assert parse(made["start"]) == day.replace(hour=14) and parse(made["end"]) == day.replace(hour=15, minute=30)
    assert {a["user_id"] for a in made["attendees"]} == {alice.id, bob.id} and made["location"] == "Room 3"
    expect(block(page, made["id"])).to_be_visible()
    box = box_in_column(page, made["id"])
    assert box["date"] == f"{day:%Y-%m-%d}"
    assert abs(box["top"] - 14 * HOUR_PX) <= 2 and abs(box["height"] - 1.5 * HOUR_PX) <= 4
    assert box["width"] > box["colWidth"] * 0.8
    # An overlapping event: the two share the column side by side.
    other = make_event(axon, alice, "Standup", day.replace(hour=14, minute=30), 30, [])
    expect(block(page, other["id"])).to_be_visible()
    a, b = box_in_column(page, made["id"]), box_in_column(page, other["id"])
    assert a["width"] < a["colWidth"] * 0.6 and b["width"] < b["colWidth"] * 0.6
    assert a["left"] + a["width"] <= b["left"] + 1 or b["left"] + b["width"] <= a["left"] + 1
    page.get_by_test_id("calendar-grid").evaluate(f"el => {{ el.scrollTop = {9 * HOUR_PX}; }}")
    screenshot(page, f"calendar-week{SUFFIX[locale]}")
    assert axe_violations(page, "calendar week") == []
    # Edit: a later end.
    block(page, made["id"]).click()
    dialog.get_by_test_id("event-end").fill("16:00")
    dialog.get_by_test_id("event-save").click()
    expect(dialog).to_have_count(0)
    assert parse(server_event(axon, alice, made["id"])["end"]) == day.replace(hour=16)
    page.wait_for_function("""([id, px]) => {
      const el = document.querySelector(`[data-testid="calendar-event"][data-event-id="${id}"]`);
      return el && Math.abs(el.getBoundingClientRect().height - px) <= 4;
    }""", arg=[made["id"], 2 * HOUR_PX])
    # Download .ics (fetched with the token, saved as a file) and Copy details (plain text).
    block(page, made["id"]).click()
    with page.expect_download() as download:
        dialog.get_by_test_id("event-ics").click()
    assert download.value.suggested_filename == "Roadmap 路线图.ics"
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in ics and f"UID:{made['id']}@axon" in ics
    sa.context.grant_permissions(["clipboard-read", "clipboard-write"])
    dialog.get_by_test_id("event-copy").click()
    expect(page.get_by_test_id("toast").last).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Roadmap 路线图\n") and "Room 3" in copied and "Bob Week" in copied
    # Cancel: struck through, for the organiser and the attendee.
    dialog.get_by_test_id("event-cancel").click()
    page.get_by_test_id("confirm-ok").click()
    expect(block(page, made["id"])).to_have_attribute("data-status", "cancelled")
    title = block(page, made["id"]).locator(".cal-event-title")
    assert "line-through" in title.evaluate("el => getComputedStyle(el).textDecorationLine")
    assert server_event(axon, bob, made["id"])["status"] == "cancelled"
    sb = open_app(bob, locale=locale)
    open_calendar(sb, day, "day")
    expect(block(sb.page, made["id"])).to_have_attribute("data-status", "cancelled")
    block(sb.page, made["id"]).click()
    expect(sb.page.get_by_test_id("event-cancelled")).to_have_text(TEXT[locale]["cancelled"])
    expect(sb.page.get_by_test_id("event-accepted")).to_have_count(0)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_reminder_is_announced(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Remind")
    bob = axon.create_user("bob", "Bob Remind")
    sb = open_app(bob, locale=locale)
    # Due at once: 10 minutes before a start 9 minutes away (a background job claims and sends it).
    start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=9)
    make_event(axon, alice, "Release check", start, 30, [bob], reminders_minutes=[10])
    expect(sb.page.get_by_test_id("toast").filter(has_text="Release check").first).to_be_visible(timeout=60_000)
    assert any("Release check" in n["title"] for n in sb.notifications())


@pytest.mark.parametrize("locale", LOCALES)
def test_the_subscription_url_in_settings(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Feed")
    make_event(axon, alice, "Feed check", local_day(1, 9), 30, [])
    sa = open_app(alice, locale=locale)
    page = sa.page
    page.get_by_test_id("settings-link").click()
    section = page.get_by_test_id("settings-calendar")
    expect(section.get_by_test_id("feed-none")).to_be_visible()
    expect(section.locator(".warning")).to_be_visible()
    section.get_by_test_id("feed-new").click()
    url = section.get_by_test_id("feed-url").input_value()
    assert url.startswith(axon.base_url) and url.endswith(".ics")
    feed = httpx.get(url, timeout=10)  # no bearer token: the URL is the secret
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in feed.text and "Feed check" in feed.text
    screenshot(page, f"calendar-feed-settings{SUFFIX[locale]}")
    # Regenerate: a new URL, the old one stops working.
    section.get_by_test_id("feed-new").click()
    page.get_by_test_id("confirm-ok").click()
    expect(section.get_by_test_id("feed-url")).not_to_have_value(url)
    fresh = section.get_by_test_id("feed-url").input_value()
    assert httpx.get(url, timeout=10).status_code == 404
    assert httpx.get(fresh, timeout=10).status_code == 200
    # Revoke: no URL, and the last one is gone too.
    section.get_by_test_id("feed-revoke").click()
    page.get_by_test_id("confirm-ok").click()
    expect(section.get_by_test_id("feed-none")).to_be_visible()
    assert httpx.get(fresh, timeout=10).status_code == 404
    assert axon.call(alice, "GET", "/calendar/feed")["url"] is None


@pytest.mark.parametrize("locale", LOCALES)
def test_a_phone_sized_dark_calendar(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Phone")
    event = make_event(axon, alice, "Lunch 午饭", local_day(0, 12), 60, [])
    sa = open_app(alice, locale=locale, viewport={"width": 390, "height": 800}, dark=True)
    page = open_calendar(sa)
    expect(page.get_by_test_id("calendar-view-day")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("calendar-column")).to_have_count(1)
    expect(block(page, event["id"])).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_test_id("calendar-next").click()
    expect(block(page, event["id"])).to_have_count(0)
    page.get_by_test_id("calendar-today").click()
    expect(block(page, event["id"])).to_be_visible()
    screenshot(page, f"calendar-phone-dark{SUFFIX[locale]}")
    assert axe_violations(page, "phone calendar, dark") == []


def test_the_pure_calendar_rules_in_the_browser(axon, browser) -> None:
    """core/calendar_time.js and core/calendar.js rules, run as the page loads them (no DOM needed)."""
    context = browser.new_context(timezone_id="Asia/Shanghai", locale="en-US")
    page = context.new_page()
    page.goto(axon.base_url + "/")
    result = page.evaluate("""async () => {
      const m = await import('/js/core/calendar_time.js');
      const c = await import('/js/core/calendar.js');
      const H = 3600000;
      const lay = m.layoutDay([
        {id: 'a', start: 9 * H, end: 10 * H}, {id: 'b', start: 9.5 * H, end: 11 * H},
        {id: 'c', start: 10 * H, end: 10.5 * H}, {id: 'd', start: 12 * H, end: 13 * H},
      ]);
      const week = m.startOfWeek(new Date(2026, 11, 10), 1);   // a Thursday; weeks from Monday
      const sunday = m.startOfWeek(new Date(2026, 11, 10), 7);  // weeks from Sunday
      const day = new Date(2026, 11, 8);
      const clipped = m.clipToDay(new Date(2026, 11, 7, 23).getTime(), new Date(2026, 11, 8, 1).getTime(), day);
      const me = 'u_me';
      const ev = (response, start = 'S', status = 'confirmed') => ({organizer_id: 'u_o', status, start, end: 'E',
        attendees: [{user_id: 'u_o', response: 'accepted'}, {user_id: me, response}]});
      return {
        a: lay.get('a'), b: lay.get('b'), c: lay.get('c'), d: lay.get('d'),
        week: m.isoDate(week), sunday: m.isoDate(sunday),
        clipStart: new Date(clipped.start).getHours(), clipEnd: new Date(clipped.end).getHours(),
        none: m.clipToDay(0, 1, day),
        parsed: m.parseLocal('2026-12-08', '15:30').toISOString(), bad: m.parseLocal('2026-13', '25:00'),
        days: m.visibleDays(new Date(2026, 11, 10), 'week').length,
        oneDay: m.visibleDays(new Date(2026, 11, 10), 'day').length,
        newInvite: c.isNewInvitation(null, ev('needs_action'), me),
        answered: c.isNewInvitation(null, ev('accepted'), me),
        cancelled: c.isNewInvitation(null, ev('needs_action', 'S', 'cancelled'), me),
        moved: c.isNewInvitation(ev('accepted'), ev('needs_action', 'S2'), me),
        sameAgain: c.isNewInvitation(ev('needs_action'), ev('needs_action'), me),
        organiser: c.myResponse(ev('accepted'), 'u_o'), mine: c.myResponse(ev('tentative'), me),
        stranger: c.myResponse(ev('tentative'), 'u_x'),
      };
    }""")
    context.close()
    # a, b overlap; c overlaps b: one cluster of two columns; d alone takes the full width.
    assert result["a"] == {"col": 0, "cols": 2} and result["b"] == {"col": 1, "cols": 2}
    assert result["c"] == {"col": 0, "cols": 2} and result["d"] == {"col": 0, "cols": 1}
    assert result["week"] == "2026-12-07" and result["sunday"] == "2026-12-06"
    assert (result["clipStart"], result["clipEnd"], result["none"]) == (0, 1, None)
    assert result["parsed"] == "2026-12-08T07:30:00.000Z" and result["bad"] is None
    assert (result["days"], result["oneDay"]) == (7, 1)
    assert result["newInvite"] and result["moved"]
    assert not result["answered"] and not result["cancelled"] and not result["sameAgain"]
    assert (result["organiser"], result["mine"], result["stranger"]) == ("organizer", "tentative", None)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_create_whose_answer_was_lost_is_retried_into_one_event(axon, open_app, locale) -> None:
    """The server creates the event but the answer never arrives: Save again sends the same Idempotency-Key."""
    alice = axon.create_user("alice", "Alice Retry")
    sa = open_app(alice, locale=locale)
    day = local_day(3, 0)
    page = open_calendar(sa, day, "day")
    keys: list[str] = []

    def lose_first_answer(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key", ""))
        response = route.fetch()  # the server does the work…
        if len(keys) == 1:
            route.abort("connectionreset")  # …and the answer is lost on the way back
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/calendar/events", lose_first_answer)
    page.get_by_test_id("calendar-new").click()
    dialog = page.get_by_test_id("event-dialog")
    dialog.get_by_test_id("event-title").fill("Once only")
    dialog.get_by_test_id("event-date").fill(f"{day:%Y-%m-%d}")
    dialog.get_by_test_id("event-start").fill("09:00")
    dialog.get_by_test_id("event-end").fill("10:00")
    dialog.get_by_test_id("event-save").click()
    expect(page.get_by_test_id("toast").last).to_be_visible()
    expect(dialog.get_by_test_id("event-save")).to_be_enabled()
    dialog.get_by_test_id("event-save").click()
    expect(dialog).to_have_count(0)
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    events = axon.call(alice, "GET", "/calendar/events",
                       params={"start": wire(day), "end": wire(day + dt.timedelta(days=1))})["events"]
    assert [e["title"] for e in events] == ["Once only"]
    expect(page.get_by_test_id("calendar-event")).to_have_count(1)
