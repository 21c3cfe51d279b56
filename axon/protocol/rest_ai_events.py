"""Response bodies of event hints (``GET /conversations/{cid}/event-hints``; the same ``EventHint`` is
the ``hint`` of the ``ai.event_hint`` user event): the one definition, published in ``/openapi.json``."""

from __future__ import annotations

from typing import Annotated

import msgspec

from .shape import Shape


class EventHint(Shape):
    title: Annotated[str, msgspec.Meta(description="The message without its time expression and mentions.")]
    start: Annotated[str, msgspec.Meta(description="ISO 8601 UTC with milliseconds.")]
    end: Annotated[str, msgspec.Meta(description="ISO 8601 UTC; start + 30 min when the message gives no end.")]
    time_zone: Annotated[str, msgspec.Meta(description="The sender's IANA time zone the message was read in.")]
    all_day: Annotated[bool, msgspec.Meta(description="A date without a clock time: local midnight to midnight.")]
    participants: Annotated[list[str], msgspec.Meta(
        description="The author, then the people the message is addressed to (user ids).")]


class EventHintItem(Shape):
    message_id: str
    seq: int
    hint: EventHint


class EventHintPage(Shape):
    hints: Annotated[list[EventHintItem], msgspec.Meta(
        description="Oldest first, at most 200; only hints the caller is the author or an addressee of.")]


EVENT_HINT_SHAPES = (EventHint, EventHintItem, EventHintPage)
