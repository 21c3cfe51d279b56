"""The calendar's use cases and reminders on a real store (SQLite, or PostgreSQL with
``AXON_TEST_DATABASE_URL``) with a fake clock: a reminder goes out once per (event, attendee,
minutes), never to who declined or for a cancelled event, is dropped when more than an hour late,
is due again after the event moved, and two nodes' jobs send it once; event texts and cards are
sealed at rest; the .ics of an event parses back with icalendar."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar
from sqlalchemy import select

from axon.app import Services
from axon.domain.clock import iso
from axon.domain.model import Actor, OrgRole
from axon.services.calendar_reminders import CalendarReminders
from axon.services.people import NewUser
from axon.store import accounts
from axon.store.schema import calendar_events, messages
from axon.testing.clock import FakeClock
from tests.integration.conftest import running_services

MINUTE = 60_000


async def people(services: Services, name: str) -> tuple[Actor, Actor, Actor]:
    """A new organisation's admin (the organiser) and two members."""
    await services.encryption.start()
    org = await services.people.create_org(name, admin=NewUser("boss", "Boss", "a-long-password-1", role=OrgRole.ADMIN))
    actors = []
    for username in ("boss", "bob", "cy"):
        if username != "boss":
            await services.people.create_user(org.id, NewUser(username, username.title(), "a-long-password-1"))
        user = await services.core.read(lambda c, u=username: accounts.get_user_by_username(c, org.id, u))
        role = OrgRole.ADMIN if username == "boss" else OrgRole.MEMBER
        actors.append(Actor(user["id"], org.id, f"d_{username}", role))
    return actors[0], actors[1], actors[2]


async def reminders_of(services: Services, user_id: str) -> list[tuple[str, int]]:
    events = await services.sync.user_page(user_id, 0)
    return [(json.loads(e.data_json)["event"]["title"], json.loads(e.data_json)["minutes_before"])
            for e in events if e.type == "calendar.reminder"]


def event_at(title: str, start_ms: int, attendees: list[str], reminders: list[int], **extra: Any) -> dict[str, Any]:
    return {"title": title, "start": iso(start_ms), "end": iso(start_ms + 30 * MINUTE), "time_zone": "Asia/Shanghai",
            "attendees": attendees, "reminders_minutes": reminders, **extra}


async def test_reminders_go_out_once_to_who_comes_and_never_late(database_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_services(database_url, clock, data_dir=tmp_path) as services:
        boss, bob, cy = await people(services, "Reminders")
        now = clock.now_ms()
        calendar, job = services.calendar, services.calendar_reminders
        soon, _ = await calendar.create(boss, event_at("Soon", now + 30 * MINUTE, [bob.user_id, cy.user_id], [10, 60]))
        await calendar.respond(cy, soon.id, "declined")
        dropped, _ = await calendar.create(boss, event_at("Too late", now - 2 * 3600_000 + 5 * MINUTE,
                                                          [bob.user_id], [0]))
        called_off, _ = await calendar.create(boss, event_at("Called off", now + 5 * MINUTE, [bob.user_id], [10]))
        await calendar.cancel(boss, called_off.id)
        assert dropped.id and await job.send_due() == 2  # "Soon" 60 min before: boss and bob, not cy
        assert await job.send_due() == 0  # once
        assert await reminders_of(services, bob.user_id) == [("Soon", 60)]
        clock.advance(20 * 60)  # 10 minutes before "Soon"
        assert await job.send_due() == 2
        assert await reminders_of(services, bob.user_id) == [("Soon", 60), ("Soon", 10)]
        assert await reminders_of(services, cy.user_id) == []
        await calendar.update(boss, soon.id, {"start": iso(clock.now_ms() + 15 * MINUTE),
                                              "end": iso(clock.now_ms() + 45 * MINUTE)})
        # Moved: every reminder is due again, and the new time asks cy again (she no longer declines).
        assert await job.send_due() == 3
        assert await reminders_of(services, bob.user_id) == [("Soon", 60), ("Soon", 10), ("Soon", 60)]
        assert await reminders_of(services, cy.user_id) == [("Soon", 60)]
        await calendar.respond(cy, soon.id, "declined")
        clock.advance(5 * 60)  # 10 minutes before the new start
        assert await job.send_due() == 2
        assert await reminders_of(services, cy.user_id) == [("Soon", 60)]


async def test_two_nodes_send_a_reminder_once(database_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_services(database_url, clock, data_dir=tmp_path) as services:
        boss, bob, _ = await people(services, "Two nodes")
        await services.calendar.create(boss, event_at("Stand-up", clock.now_ms() + 5 * MINUTE, [bob.user_id], [10]))
        other = CalendarReminders(services.core, "another-node")
        assert await other.send_due() == 2 and await services.calendar_reminders.send_due() == 0  # its lease
        clock.advance(121)  # the lease expired: the other node takes over, and sends nothing twice
        assert await services.calendar_reminders.send_due() == 0
        assert await reminders_of(services, bob.user_id) == [("Stand-up", 10)]


async def test_event_texts_and_cards_are_sealed_and_the_ics_parses_back(database_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_services(database_url, clock, data_dir=tmp_path) as services:
        boss, bob, cy = await people(services, "Sealed")
        conv = await services.conversations.create(boss, "group", "Planning", "", [bob.user_id])
        start = clock.now_ms() + 3600_000
        event, _ = await services.calendar.create(boss, event_at(
            "Secret merger talk", start, [bob.user_id, cy.user_id], [10], description="Bring the numbers",
            location="Room 9", conversation_id=conv["id"]))
        await services.calendar.respond(cy, event.id, "declined")
        stored = await services.core.read(lambda c: c.execute(select(calendar_events)).mappings().all())
        card_row = await services.core.read(lambda c: c.execute(
            select(messages.c.card, messages.c.text).where(messages.c.id == event.card_message_id)).first())
        raw = json.dumps([dict(r) for r in stored]) + str(card_row)
        assert "Secret merger" not in raw and "Bring the numbers" not in raw and "Room 9" not in raw
        page = await services.messages.history(boss, conv["id"], None, 10)
        assert page["items"][-1].card.event.title == "Secret merger talk"

        parsed = icalendar.Calendar.from_ical(await services.calendar_feeds.event_ics(bob, event.id))
        assert (str(parsed["method"]), str(parsed["version"])) == ("PUBLISH", "2.0")
        [vevent] = parsed.walk("VEVENT")
        assert str(vevent["uid"]) == f"{event.id}@axon"
        assert vevent.decoded("dtstart") == datetime.fromtimestamp(start / 1000, tz=UTC).replace(microsecond=0)
        assert vevent.decoded("dtend") - vevent.decoded("dtstart") == (datetime.fromtimestamp(1800, tz=UTC)
                                                                       - datetime.fromtimestamp(0, tz=UTC))
        assert (str(vevent["summary"]), str(vevent["description"]), str(vevent["location"])) == (
            "Secret merger talk", "Bring the numbers", "Room 9")
        assert (str(vevent["status"]), int(vevent["sequence"])) == ("CONFIRMED", 2)
        assert str(vevent["organizer"]) == f"urn:axon:user:{boss.user_id}"
        assert vevent["organizer"].params["CN"] == "Boss"
        answers = {str(a): a.params["PARTSTAT"] for a in vevent["attendee"]}
        assert answers == {f"urn:axon:user:{boss.user_id}": "ACCEPTED", f"urn:axon:user:{bob.user_id}": "NEEDS-ACTION",
                           f"urn:axon:user:{cy.user_id}": "DECLINED"}
        assert vevent.get("dtstamp") is not None
        await services.calendar.cancel(boss, event.id)
        [vevent] = icalendar.Calendar.from_ical(await services.calendar_feeds.event_ics(boss, event.id)).walk("VEVENT")
        assert (str(vevent["status"]), int(vevent["sequence"])) == ("CANCELLED", 3)


async def test_a_deleted_card_message_keeps_no_card_and_the_event_lives_on(database_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_services(database_url, clock, data_dir=tmp_path) as services:
        boss, bob, _ = await people(services, "Deleted card")
        conv = await services.conversations.create(boss, "group", "Planning", "", [bob.user_id])
        event, _ = await services.calendar.create(boss, event_at("Offsite", clock.now_ms() + 3600_000, [bob.user_id],
                                                                 [10], conversation_id=conv["id"]))
        await services.messages.delete(boss, conv["id"], event.card_message_id)
        assert (await services.messages.get(bob, conv["id"], event.card_message_id)).card is None
        log = (await services.sync.conversation_events(bob, conv["id"], 0, 100))["items"]
        sent = [json.loads(e.data_json)["message"] for e in log if e.type == "message.new"]
        assert [m["card"] for m in sent if m["id"] == event.card_message_id] == [None]  # erased from the log too
        answered = await services.calendar.respond(bob, event.id, "accepted")  # no card to replace: no event
        assert answered.version == 2
        log = (await services.sync.conversation_events(bob, conv["id"], 0, 100))["items"]
        assert [e.type for e in log if e.type == "message.card"] == []
