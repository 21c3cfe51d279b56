"""Organisation activity per UTC day: what the ``org_activity`` consumer counts, as plain data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from .clock import iso_from_ms

COUNTED = ("messages", "replies", "reactions", "joins")
DAY_MS = 86_400_000


@dataclass(slots=True)
class DayCounts:
    messages: int = 0  # top-level messages
    replies: int = 0  # thread replies
    reactions: int = 0  # reactions added
    joins: int = 0  # people who joined a conversation

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.messages, self.replies, self.reactions, self.joins)


class Happening(NamedTuple):
    """One committed conversation event, reduced to what is counted (a tuple: one per event counted)."""

    org_id: str
    created_at: int  # ms since the epoch
    type: str
    is_reply: bool = False


def utc_day(ms: int) -> str:
    day = iso_from_ms(ms)
    assert day is not None
    return day[:10]


def tally(happenings: Iterable[Happening]) -> dict[tuple[str, str], DayCounts]:
    """Counts per (organisation, UTC day); events that are not counted leave no entry."""
    # Keyed by day number while counting: a page holds thousands of events of a day or two,
    # and formatting a date per event would cost more than the counting.
    by_day_number: dict[tuple[str, int], DayCounts] = {}
    for h in happenings:
        field = _FIELD.get(h.type)
        if field is None:
            continue
        if field == "messages" and h.is_reply:
            field = "replies"
        day = by_day_number.get((h.org_id, h.created_at // DAY_MS))
        if day is None:
            day = by_day_number[(h.org_id, h.created_at // DAY_MS)] = DayCounts()
        setattr(day, field, getattr(day, field) + 1)
    return {(org_id, utc_day(number * DAY_MS)): day for (org_id, number), day in by_day_number.items()}


def day_range(today_ms: int, days: int) -> list[str]:
    """The ``days`` UTC days ending today, oldest first."""
    return [utc_day(today_ms - i * DAY_MS) for i in range(days - 1, -1, -1)]


_FIELD = {"message.new": "messages", "reaction.added": "reactions", "member.joined": "joins"}
