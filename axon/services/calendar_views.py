"""How calendar events are shown (the REST body, the user events) and who is told of a change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..domain.calendar import event_card
from ..domain.clock import iso
from ..protocol.codec import decode
from ..protocol.rest_calendar import CalendarAttendee, CalendarEvent
from ..store import calendar as stored
from ..store.database import Conn
from ..store.tx import Tx

Row = dict[str, Any]


def event_view(row: Row, responses: dict[str, str]) -> CalendarEvent:
    """The event as the API answers it; ``responses``: its attendees (user → response)."""
    return CalendarEvent(
        id=row["id"], org_id=row["org_id"], title=row["title"], description=row["description"],
        location=row["location"], start=iso(int(row["start_at"])), end=iso(int(row["end_at"])),
        time_zone=row["time_zone"], organizer_id=row["organizer_id"], conversation_id=row["conversation_id"],
        source_message_id=row["source_message_id"], card_message_id=row["card_message_id"], status=row["status"],
        attendees=[CalendarAttendee(user_id, response) for user_id, response in _organiser_first(row, responses)],
        reminders_minutes=list(decode(row["reminders"])), created_at=iso(int(row["created_at"])),
        updated_at=iso(int(row["updated_at"])), version=int(row["version"]))


def _organiser_first(row: Row, responses: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(responses.items(), key=lambda item: (item[0] != row["organizer_id"], item[0]))


def views_of(conn: Conn, rows: list[Row]) -> list[CalendarEvent]:
    responses = stored.attendees_of(conn, [r["id"] for r in rows])
    return [event_view(r, responses[r["id"]]) for r in rows]


def load_view(conn: Conn, event_id: str) -> CalendarEvent:
    row = stored.get(conn, event_id)
    assert row is not None
    return views_of(conn, [row])[0]


def card_of(view: CalendarEvent) -> dict[str, Any]:
    return event_card({"id": view.id, "title": view.title, "start": view.start, "end": view.end,
                       "time_zone": view.time_zone, "status": view.status, "organizer_id": view.organizer_id,
                       "attendees": [{"user_id": a.user_id, "response": a.response} for a in view.attendees]})


def tell(tx: Tx, view: CalendarEvent, also: Iterable[str] = ()) -> None:
    """``calendar.event`` to the organiser, every attendee and ``also`` (people just removed from it)."""
    people = dict.fromkeys([view.organizer_id, *(a.user_id for a in view.attendees), *also])
    for user_id in people:
        tx.user_event(user_id, "calendar.event", {"event": view})
