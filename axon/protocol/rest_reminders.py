"""Response bodies of @axon reminders (``GET /reminders``; the same ``Reminder`` is the ``reminder``
of the ``reminder.due`` user event): the one definition, published in ``/openapi.json``."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from .rest_cards import ReminderAbout
from .shape import Shape


class Reminder(Shape):
    id: str
    text: Annotated[str, msgspec.Meta(description="What to be reminded of: plain text, never HTML.")]
    due_at: Annotated[str, msgspec.Meta(description="ISO 8601 UTC with milliseconds.")]
    time_zone: Annotated[str, msgspec.Meta(description="The owner's IANA zone the request was read in.")]
    state: Literal["scheduled", "delivered", "cancelled"]
    about: Annotated[ReminderAbout | None, msgspec.Meta(description="The message it is about, or null.")]
    created_at: str


class ReminderList(Shape):
    items: Annotated[list[Reminder], msgspec.Meta(description="The caller's pending reminders, soonest first.")]


REMINDER_SHAPES = (Reminder, ReminderList)
