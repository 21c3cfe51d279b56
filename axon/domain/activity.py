"""Organisation activity per UTC day: what the ``org_activity`` consumer counts, as plain data."""

from __future__ import annotations

from collections import Counter
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
    # Counted by (organisation, day number, field) first: a page holds thousands of events of a
    # day or two, and building dates or touching a DayCounts per event would cost more than the count.
    counted = Counter((h.org_id, h.created_at // DAY_MS, "replies" if h.is_reply and field == "messages" else field)
                      for h in happenings if (field := _FIELD.get(h.type)) is not None)
    days: dict[tuple[str, str], DayCounts] = {}
    for (org_id, number, field), n in counted.items():
        day = days.setdefault((org_id, utc_day(number * DAY_MS)), DayCounts())
        setattr(day, field, getattr(day, field) + n)
    return days


def day_range(today_ms: int, days: int) -> list[str]:
    """The ``days`` UTC days ending today, oldest first."""
    return [utc_day(today_ms - i * DAY_MS) for i in range(days - 1, -1, -1)]


_FIELD = {"message.new": "messages", "reaction.added": "reactions", "member.joined": "joins"}
