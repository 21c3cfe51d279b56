"""Who sees a message's event hint, and the hint as clients get it (docs/ai/events.md).

A hint goes to the message's author and the people it is addressed to: the people it mentions
(members of the conversation); with no mention, the other person of a direct conversation, or every
member of a group or channel of at most ``SMALL_CONVERSATION`` members; nobody else. These people
are also the event's proposed participants (the author first). "@all"/"@here" name nobody in
particular: the conversation's size decides, as with no mention.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .clock import iso
from .model import ConversationKind

SMALL_CONVERSATION = 20


def participants(sender_id: str, mentioned: Iterable[str], kind: str, members: Sequence[str] | None) -> list[str]:
    """The author, then the people the message is addressed to. ``mentioned`` are the mentioned
    people who are members; ``members`` every member, or None when the conversation is bigger than
    ``SMALL_CONVERSATION`` (not listed)."""
    addressed = [u for u in dict.fromkeys(mentioned) if u != sender_id]
    small = members is not None and (kind == ConversationKind.DIRECT or len(members) <= SMALL_CONVERSATION)
    if not addressed and small and members is not None:
        addressed = [u for u in members if u != sender_id]
    return [sender_id, *addressed]


def zone_named(name: str | None) -> ZoneInfo:
    """The IANA zone of a profile, or UTC when it is unset or unknown (Axon keeps no organisation time zone)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def hint_wire(title: str, start_ms: int, end_ms: int, time_zone: str, all_day: bool,
              people: Sequence[str]) -> dict[str, object]:
    """The ``hint`` object of ``ai.event_hint`` and of ``GET /conversations/{cid}/event-hints``."""
    return {"title": title, "start": iso(start_ms), "end": iso(end_ms), "time_zone": time_zone,
            "all_day": all_day, "participants": list(people)}


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
