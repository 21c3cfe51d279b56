"""Calendar events: what a valid event is, who answered what, the card a message shows of it and
when its reminders are due. Pure: times are integer milliseconds (UTC), zones IANA names.

Limits (``docs/calendar.md``):

| field | rule |
|---|---|
| title | 1..200 characters after trimming |
| description | at most 5,000 characters |
| location | at most 500 characters |
| start, end | ISO 8601 with a zone (``Z`` or an offset); end after start; at most 7 days long; from 2000 to 2100 |
| time_zone | an IANA name the server's zone database knows (``Europe/Berlin``, ``UTC``) |
| attendees | at most 200 user ids (the organiser is always one of them) |
| reminders_minutes | at most 5, each 0..10080 (a week); default ``[10]``; duplicates merged |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ValidationFailed

TITLE_MAX = 200
DESCRIPTION_MAX = 5_000
LOCATION_MAX = 500
MAX_DURATION_MS = 7 * 24 * 3_600_000
MAX_ATTENDEES = 200
MAX_REMINDERS = 5
REMINDER_MAX_MINUTES = 10_080
DEFAULT_REMINDERS = (10,)
LATE_REMINDER_MS = 3_600_000  # a reminder more than an hour late is dropped, never sent
_EARLIEST_MS = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp() * 1000)
_LATEST_MS = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp() * 1000)


class Response(StrEnum):
    NEEDS_ACTION = "needs_action"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"


class Status(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


ANSWERS = (Response.ACCEPTED, Response.DECLINED, Response.TENTATIVE)  # what an attendee may answer


@dataclass(frozen=True, slots=True)
class EventFields:
    """The validated fields of a create (all set) or an edit (only those given; the rest ``None``)."""

    title: str | None = None
    description: str | None = None
    location: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    time_zone: str | None = None
    attendees: tuple[str, ...] | None = None
    reminders: tuple[int, ...] | None = None
    source_message_id: str | None = None


def parse_instant(value: Any, field: str) -> int:
    """An ISO 8601 date-time with a zone (``Z`` or an offset), as milliseconds since the epoch."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        raise ValidationFailed(f"{field} must be an ISO 8601 date-time.", field=field)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{field} must be an ISO 8601 date-time.", field=field) from None
    if moment.tzinfo is None:
        raise ValidationFailed(f"{field} needs a zone (Z or an offset).", field=field)
    ms = int(moment.timestamp() * 1000)
    if not _EARLIEST_MS <= ms < _LATEST_MS:
        raise ValidationFailed(f"{field} must be between 2000 and 2100.", field=field)
    return ms


def validate_time_zone(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 64 or value.startswith(("/", ".")) or ".." in value:
        raise ValidationFailed("time_zone must be an IANA time zone name.", field="time_zone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"Unknown time zone {value!r}.", field="time_zone") from None
    return value


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be text.", field=field)
    text: str = value.strip()
    if required and not text:
        raise ValidationFailed(f"{field} must not be empty.", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"{field} is longer than {limit} characters.", field=field, limit=limit)
    return text


def _attendees(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(u, str) and 0 < len(u) <= 32 for u in value):
        raise ValidationFailed("attendees must be a list of user ids.", field="attendees")
    unique = tuple(dict.fromkeys(value))
    if len(unique) > MAX_ATTENDEES:
        raise ValidationFailed(f"At most {MAX_ATTENDEES} attendees.", field="attendees", limit=MAX_ATTENDEES)
    return unique


def _reminders(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(type(m) is int for m in value):
        raise ValidationFailed("reminders_minutes must be a list of whole minutes.", field="reminders_minutes")
    unique = tuple(sorted(set(value), reverse=True))
    if len(unique) > MAX_REMINDERS or any(not 0 <= m <= REMINDER_MAX_MINUTES for m in unique):
        raise ValidationFailed(f"At most {MAX_REMINDERS} reminders, each 0..{REMINDER_MAX_MINUTES} minutes.",
                               field="reminders_minutes", limit=MAX_REMINDERS)
    return unique


def validate_fields(body: Mapping[str, Any], *, creating: bool) -> EventFields:
    """The event fields of a create (``creating``: title, start, end and time_zone required) or an
    edit (any of them); each problem is ``validation_failed`` naming its field."""
    if creating:
        for field in ("title", "start", "end", "time_zone"):
            if body.get(field) is None:
                raise ValidationFailed(f"{field} is required.", field=field)
    given = {k: v for k, v in body.items() if v is not None}
    source = given.get("source_message_id")
    if source is not None and (not isinstance(source, str) or not 0 < len(source) <= 32):
        raise ValidationFailed("source_message_id must be a message id.", field="source_message_id")
    fields = EventFields(
        title=_text(given["title"], "title", TITLE_MAX, required=True) if "title" in given else None,
        description=_text(given["description"], "description", DESCRIPTION_MAX) if "description" in given else None,
        location=_text(given["location"], "location", LOCATION_MAX) if "location" in given else None,
        start_ms=parse_instant(given["start"], "start") if "start" in given else None,
        end_ms=parse_instant(given["end"], "end") if "end" in given else None,
        time_zone=validate_time_zone(given["time_zone"]) if "time_zone" in given else None,
        attendees=_attendees(given["attendees"]) if "attendees" in given else (() if creating else None),
        reminders=_reminders(given["reminders_minutes"]) if "reminders_minutes" in given
        else (DEFAULT_REMINDERS if creating else None),
        source_message_id=source,
    )
    if creating:
        check_span(fields.start_ms or 0, fields.end_ms or 0)
    return fields


def check_span(start_ms: int, end_ms: int) -> None:
    """An event ends after it starts and lasts at most ``MAX_DURATION_MS``."""
    if end_ms <= start_ms:
        raise ValidationFailed("end must be after start.", field="end")
    if end_ms - start_ms > MAX_DURATION_MS:
        raise ValidationFailed("An event lasts at most 7 days.", field="end", limit=MAX_DURATION_MS // 60_000)


def validate_answer(value: Any) -> Response:
    if value not in {r.value for r in ANSWERS}:
        raise ValidationFailed("response must be accepted, declined or tentative.", field="response")
    return Response(value)


def responses_after_reschedule(responses: Mapping[str, str], organizer_id: str) -> dict[str, str]:
    """A new time asks everyone again: every attendee but the organiser goes back to ``needs_action``."""
    return {user: (answer if user == organizer_id else Response.NEEDS_ACTION.value)
            for user, answer in responses.items()}


def tally(responses: Mapping[str, str]) -> dict[str, int]:
    counts = {r.value: 0 for r in (Response.ACCEPTED, Response.DECLINED, Response.TENTATIVE, Response.NEEDS_ACTION)}
    for answer in responses.values():
        counts[answer] += 1
    return counts


def event_card(event: Mapping[str, Any]) -> dict[str, Any]:
    """The card a message shows of ``event`` (its wire shape: ``id``, ``title``, ``start``, ``end``,
    ``time_zone``, ``status``, ``organizer_id`` and ``attendees``)."""
    responses = {a["user_id"]: a["response"] for a in event["attendees"]}
    return {"type": "event", "event": {
        "id": event["id"], "title": event["title"], "start": event["start"], "end": event["end"],
        "time_zone": event["time_zone"], "status": event["status"], "organizer_id": event["organizer_id"],
        "responses": tally(responses)}}


def card_text(title: str, start_ms: int, time_zone: str) -> str:
    """The card message's plain-text fallback: "📅 <title> · <start in the organiser's zone>"."""
    local = datetime.fromtimestamp(start_ms / 1000, tz=ZoneInfo(time_zone))
    return f"📅 {title} · {local.strftime('%Y-%m-%d %H:%M')} ({time_zone})"


def due_reminders(start_ms: int, reminders: tuple[int, ...] | list[int], now_ms: int) -> list[int]:
    """The reminders (minutes before the start) due at ``now_ms``: their time has come, and it came
    at most ``LATE_REMINDER_MS`` ago (a later one is dropped: a reminder after the fact helps nobody)."""
    return [m for m in reminders if 0 <= now_ms - (start_ms - m * 60_000) <= LATE_REMINDER_MS]
