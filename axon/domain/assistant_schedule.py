"""Scheduling a meeting through the @axon assistant, the pure part: who the typed names are, what the
meeting is called, what the proposal says, and how a proposal moves from ``pending`` to done.

- **Names** (``match_person``): a name typed in a request is a username exactly, else the one person
  whose display name is exactly it, else the one person with a word of their name (a first name,
  the pinyin of a Chinese name) that is it — each compared without case. Two or more at the first
  level that finds any is ambiguous: the assistant asks for an @-mention instead of guessing.
- **The title** is what the request names once the scheduling words, the people and the time are
  taken out ("create an event: design review with @kim…" → "Design review"); a bare "meeting" or
  "开会" is "Meeting"/"会议".
- **The proposal** is an ``assistant.proposal`` card (``docs/protocol.md``) with a plain-text
  fallback. Its ``state`` is ``pending`` until the asker confirms (``scheduled``, with the event's id)
  or dismisses it (``dismissed``); a closed proposal never opens again (``next_state``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from .assistant_replies import say
from .errors import Conflict

CARD_TYPE = "assistant.proposal"
MAX_TITLE = 80

WHEN = {
    "en": "When should it be? e.g. tomorrow 3pm",
    "zh": "什么时间？例如：明天下午三点",
}
WHO_UNCLEAR = {
    "en": "I could not tell who {names} is — please @-mention them, e.g. “schedule a meeting with @name tomorrow 3pm”.",
    "zh": "我不确定 {names} 是谁，请用 @ 提及他们，例如：“安排明天下午三点和 @某人 开会”。",
}
WITH_NOBODY = {
    "en": "Who should I invite? @-mention them, e.g. “schedule a meeting with @name tomorrow 3pm”.",
    "zh": "要邀请谁？请用 @ 提及他们，例如：“安排明天下午三点和 @某人 开会”。",
}
PROPOSAL = {
    "en": ("Schedule “{title}” on {when} ({zone}) with {people}? Confirm in Axon's web client or with "
           "POST /api/v1/assistant/proposals/<this message's id>/confirm."),
    "zh": ("安排“{title}”，{when}（{zone}），参加者：{people}？请在 Axon 网页版确认，或调用 "
           "POST /api/v1/assistant/proposals/<本消息的 id>/confirm。"),
}
DEFAULT_TITLE = {"en": "Meeting", "zh": "会议"}


class ProposalState(StrEnum):
    PENDING = "pending"
    SCHEDULED = "scheduled"
    DISMISSED = "dismissed"


# --- who the names are ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person the asker may see whose search key holds the typed name."""

    user_id: str
    username: str
    display_name: str
    search_key: str  # lower-cased names and pinyin (``domain.names.search_key``)


@dataclass(frozen=True, slots=True)
class Match:
    """A typed name's person (``user_id``), or why there is none: ``ambiguous`` or unknown."""

    typed: str
    user_id: str | None
    ambiguous: bool = False


def match_person(typed: str, candidates: Sequence[Candidate]) -> Match:
    name = _fold(typed.lstrip("@"))
    levels = (
        [c for c in candidates if c.username.casefold() == name],
        [c for c in candidates if _fold(c.display_name) == name],
        [c for c in candidates if name in _fold(c.display_name).split() or name in c.search_key.split()],
    )
    for found in levels:
        ids = list(dict.fromkeys(c.user_id for c in found))
        if len(ids) == 1:
            return Match(typed, ids[0])
        if ids:
            return Match(typed, None, ambiguous=True)
    return Match(typed, None)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def unclear_names(matches: Iterable[Match], lang: str) -> str | None:
    """The answer asking for @-mentions when any name is unknown or ambiguous, else None."""
    unclear = [m.typed for m in matches if m.user_id is None]
    if not unclear:
        return None
    quoted = ", ".join(f"“{n}”" for n in unclear) if lang == "en" else "、".join(f"“{n}”" for n in unclear)
    return say(WHO_UNCLEAR, lang, names=quoted)


# --- the title -----------------------------------------------------------------------------------

_EN_LEAD = re.compile(
    r"^.*?\b(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?(?:schedule|set\s+up|book|arrange|organi[sz]e|plan|create"
    r"|add|make|let'?s\s+(?:have|do|meet))\b\s*(?:(?:a|an|the|our|my)\s+)?(?:(?:new\s+)?(?:event|calendar\s+event"
    r"|invite)\s*[:：]?\s*)?", re.IGNORECASE)
_EN_WITH_TAIL = re.compile(r"\s*\bwith\b.*$", re.IGNORECASE)
_EN_GENERIC = re.compile(r"^(?:a\s+|an\s+)?(?:meeting|meet|call|sync|catch-?up|chat|event)?\s*$", re.IGNORECASE)
_ZH_LEAD = re.compile(r"^.*?(?:帮我|请|麻烦)?(?:安排|预约|预定|约|建|加|创建)(?:一下|个|一个)?"
                      r"(?:会议|日程|活动|事件)?\s*[:：，,]?\s*")
_ZH_GLUE = re.compile(r"(?:^|\s)(?:和|跟|与|同)(?=\s|$)|^[和跟与同]|[，,。：:、\s]+")
_ZH_GENERIC = re.compile(r"^(?:开|一起|帮我)?(?:个|一个)?"
                         r"(?:会|会议|开会|同步会|例会|通话|电话|通个电话|见面|见个面|聊聊)?(?:吧|一下)?$")


def meeting_title(said: str, people: Iterable[str], lang: str) -> str:
    """The meeting's name from ``said`` (the request, or the extractor's title: the time already out)."""
    text = said
    for name in sorted({p.lstrip("@") for p in people if p}, key=len, reverse=True):
        glue = r"[和跟与同约]?\s*" if lang == "zh" else ""
        text = re.sub(rf"{glue}@?{re.escape(name)}", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"@[\w.\-]+", " ", text)
    if lang == "zh":
        text = _ZH_GLUE.sub(" ", _ZH_LEAD.sub("", text.strip())).strip()
        text = re.sub(r"^(?:一起)?开(?:个|一个)?(?=.)", "", text.replace(" ", ""))
        generic = _ZH_GENERIC.match(text) is not None
        title = text
    else:
        text = _EN_WITH_TAIL.sub("", _EN_LEAD.sub("", text.strip()))
        title = re.sub(r"^(?:a|an|the)\s+", "", " ".join(text.split()).strip(" .,:;!?"), flags=re.IGNORECASE)
        generic = _EN_GENERIC.match(title) is not None
        title = title[:1].upper() + title[1:]
    return DEFAULT_TITLE.get(lang, "Meeting") if generic or not title else title[:MAX_TITLE]


# --- the proposal --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attendee:
    user_id: str
    display_name: str


def proposal_card(asker_id: str, title: str, start: str, end: str, time_zone: str,
                  attendees: Sequence[Attendee], conversation_id: str | None) -> dict[str, Any]:
    """A pending ``assistant.proposal`` card (``start``/``end``: ISO 8601 instants)."""
    return {"type": CARD_TYPE, "state": ProposalState.PENDING.value, "asker_id": asker_id, "title": title,
            "start": start, "end": end, "time_zone": time_zone,
            "attendees": [{"user_id": a.user_id, "display_name": a.display_name} for a in attendees],
            "conversation_id": conversation_id, "event_id": None}


def proposal_text(title: str, start: datetime, end: datetime, attendees: Sequence[Attendee], lang: str) -> str:
    """The card's plain-text fallback; ``start`` and ``end`` are aware, in the asker's zone."""
    zone = start.tzinfo.key if isinstance(start.tzinfo, ZoneInfo) else "UTC"
    joiner = ", " if lang == "en" else "、"
    return say(PROPOSAL, lang, title=title, when=when_text(start, end, lang), zone=zone,
               people=joiner.join(a.display_name for a in attendees))


_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZH_WEEKDAYS = "一二三四五六日"


def when_text(start: datetime, end: datetime, lang: str) -> str:
    """"Tue 8 Dec 15:00–15:30" / "12月8日（周二）15:00–15:30"; the end's day too when it differs."""
    def day(d: datetime) -> str:
        if lang == "zh":
            return f"{d.month}月{d.day}日（周{_ZH_WEEKDAYS[d.weekday()]}）"
        return f"{_EN_WEEKDAYS[d.weekday()]} {d.day} {_EN_MONTHS[d.month - 1]}"

    gap = "" if lang == "zh" else " "
    if start.date() == end.date():
        return f"{day(start)}{gap}{start:%H:%M}–{end:%H:%M}"
    return f"{day(start)}{gap}{start:%H:%M} – {day(end)}{gap}{end:%H:%M}"


def next_state(card: dict[str, Any], wanted: ProposalState) -> bool:
    """Whether moving the proposal to ``wanted`` changes it: True from ``pending``, False when it is
    there already (a retry); a proposal closed the other way is 409 ``proposal_closed``."""
    state = card.get("state")
    if state == ProposalState.PENDING.value:
        return True
    if state == wanted.value:
        return False
    raise Conflict(f"The proposal was already {state}.", code="proposal_closed", state=state)


def closed(card: dict[str, Any], state: ProposalState, event_id: str | None = None) -> dict[str, Any]:
    """The card once confirmed (``scheduled`` with the event's id) or dismissed."""
    return {**card, "state": state.value, "event_id": event_id if event_id is not None else card.get("event_id")}
