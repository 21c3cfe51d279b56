"""Response bodies of the calendar (``docs/calendar.md``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .shape import Shape, Timestamp


class CalendarAttendee(Shape):
    user_id: str
    response: Literal["needs_action", "accepted", "declined", "tentative"]


class CalendarEvent(Shape):
    id: str
    org_id: str
    title: str
    description: str
    location: str
    start: str
    end: str
    time_zone: Annotated[str, msgspec.Meta(description="IANA time zone the event was planned in.")]
    organizer_id: str
    conversation_id: str | None
    source_message_id: str | None
    card_message_id: Annotated[str | None, msgspec.Meta(description="The message showing the event's card.")]
    status: Literal["confirmed", "cancelled"]
    attendees: list[CalendarAttendee]
    reminders_minutes: list[int]
    created_at: str
    updated_at: str
    version: Annotated[int, msgspec.Meta(description="Grows with every change (clients keep the newest).")]


class CalendarEvents(Shape):
    events: list[CalendarEvent]


class CalendarFeed(Shape):
    url: Annotated[str | None, msgspec.Meta(description="The secret feed URL (no sign-in needed), or null.")]
    created_at: Timestamp


CALENDAR_SHAPES: tuple[Any, ...] = (CalendarAttendee, CalendarEvent, CalendarEvents, CalendarFeed,)
