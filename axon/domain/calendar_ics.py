"""Calendar events as iCalendar (RFC 5545) text, for ``GET /calendar/events/{id}/ics`` and the feed.

Times are written in UTC (``DTSTART:20261208T140000Z``): an Axon event is an instant range, so UTC
says it exactly, needs no VTIMEZONE (which would have to carry the zone's rules), and every
calendar shows it in its reader's own zone. The zone it was planned in goes along as
``X-AXON-TIME-ZONE`` for clients that want it.

People are ``urn:axon:user:<id>`` addresses with their display name as ``CN``: e-mail addresses
are private in Axon, and a feed must not reveal them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Axon//Calendar//EN"
_PARTSTAT = {"needs_action": "NEEDS-ACTION", "accepted": "ACCEPTED", "declined": "DECLINED",
             "tentative": "TENTATIVE"}
_STATUS = {"confirmed": "CONFIRMED", "cancelled": "CANCELLED"}


def ics_uid(event_id: str) -> str:
    return f"{event_id}@axon"


def render(events: Iterable[Mapping[str, Any]], names: Mapping[str, str], *, name: str | None = None) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) with one VEVENT per event. ``events`` are the events' wire
    shapes (``GET /calendar/events/{id}``); ``names``: user id → display name; ``name``: the
    calendar's name (``X-WR-CALNAME``, for feeds)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name is not None:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_vevent(event, names))
    return bytes(calendar.to_ical())


def _vevent(event: Mapping[str, Any], names: Mapping[str, str]) -> Event:
    vevent = Event()
    vevent.add("uid", ics_uid(event["id"]))
    vevent.add("dtstamp", _instant(event["updated_at"]))
    vevent.add("created", _instant(event["created_at"]))
    vevent.add("last-modified", _instant(event["updated_at"]))
    vevent.add("dtstart", _instant(event["start"]))
    vevent.add("dtend", _instant(event["end"]))
    vevent.add("summary", event["title"])
    if event["description"]:
        vevent.add("description", event["description"])
    if event["location"]:
        vevent.add("location", event["location"])
    vevent.add("status", _STATUS[event["status"]])
    vevent.add("sequence", int(event["version"]))
    vevent.add("x-axon-time-zone", vText(event["time_zone"]))
    vevent.add("organizer", _person(event["organizer_id"], names))
    for attendee in event["attendees"]:
        address = _person(attendee["user_id"], names)
        address.params["PARTSTAT"] = _PARTSTAT[attendee["response"]]
        address.params["ROLE"] = "CHAIR" if attendee["user_id"] == event["organizer_id"] else "REQ-PARTICIPANT"
        vevent.add("attendee", address)
    return vevent


def _person(user_id: str, names: Mapping[str, str]) -> vCalAddress:
    address = vCalAddress(f"urn:axon:user:{user_id}")
    address.params["CN"] = names.get(user_id, user_id)
    return address


def _instant(wire: str) -> datetime:
    """A wire timestamp (``2026-12-08T14:00:00.000Z``) as an aware UTC datetime, to the second."""
    return datetime.fromisoformat(wire).astimezone(UTC).replace(microsecond=0)
