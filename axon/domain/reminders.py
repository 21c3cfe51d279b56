"""@axon reminders, the pure part: when a reminder is due, what its card and answers say.

- **When**: the instant the meeting-time extractor found in the request, read against the question's
  send time in the asker's zone. A day without a clock time ("tomorrow", "下周一") is due at 09:00
  (``DAY_REMINDER_HOUR``) that day. Nothing found: the assistant asks when; words that name a time
  but no future instant ("today at 9am" said at 10:00, "yesterday"), or an instant not after the
  question: it says the time has passed.
- **What**: the request's words after "remind me to/about…", else the text of the message it is
  about; "this", "it", "这件事"… are no subject of their own, they name that message.
- **Late**: a reminder is delivered once, however late (the node was down, the assistant was
  switched off): one more than ``LATE_MS`` (a day) late says so ("(late)") and when it was due.
- **Card** (``assistant.reminder``, docs/protocol.md): ``{type, state, reminder_id, text, due_at,
  about}``; ``state`` ``scheduled`` → ``delivered`` or ``cancelled``, never back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from .clock import iso

DAY_REMINDER_HOUR = 9
LATE_MS = 24 * 3_600_000
MAX_TEXT = 500  # characters of a reminder's text (a long message it is about is cut)
THIS_WORDS = frozenset({"this", "that", "it", "this message", "that message", "this one", "这件事", "这个", "这事",
                        "这条", "这条消息", "此事", "那件事", "那个", "它"})


class State(StrEnum):
    SCHEDULED = "scheduled"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class About:
    """The message a reminder is about."""

    conversation_id: str
    message_id: str
    seq: int

    def wire(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "message_id": self.message_id, "seq": self.seq}


def due_instant(start: datetime, all_day: bool) -> datetime:
    """When a reminder for the extracted time is due: the time itself, or 09:00 of a day without one."""
    if all_day:
        return start.replace(hour=DAY_REMINDER_HOUR, minute=0, second=0, microsecond=0)
    return start


def subject(what: str) -> str:
    """The request's own subject, or "" when it only points at a message ("this", "这件事")."""
    cleaned = " ".join(what.split()).strip(" .,!?，。！？")
    return "" if cleaned.lower() in THIS_WORDS else cleaned


def shortened(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= MAX_TEXT else one_line[:MAX_TEXT - 1] + "…"


def state_of(row: dict[str, Any]) -> State:
    if row.get("cancelled_at") is not None:
        return State.CANCELLED
    return State.DELIVERED if row.get("delivered_at") is not None else State.SCHEDULED


def about_of(row: dict[str, Any]) -> About | None:
    if row.get("message_id") is None:
        return None
    return About(str(row["conversation_id"]), str(row["message_id"]), int(row["seq"]))


def card(row: dict[str, Any], state: State | None = None) -> dict[str, Any]:
    """The ``assistant.reminder`` card of a stored reminder (in ``state``, default its own)."""
    about = about_of(row)
    return {"type": "assistant.reminder", "state": (state or state_of(row)).value, "reminder_id": row["id"],
            "text": row["text"], "due_at": iso(int(row["due_at"])), "about": about.wire() if about else None}


def wire(row: dict[str, Any]) -> dict[str, Any]:
    """A reminder as ``GET /reminders`` lists it and ``reminder.due`` carries it."""
    about = about_of(row)
    return {"id": row["id"], "text": row["text"], "due_at": iso(int(row["due_at"])), "time_zone": row["time_zone"],
            "state": state_of(row).value, "about": about.wire() if about else None,
            "created_at": iso(int(row["created_at"]))}


def is_late(due_at_ms: int, now_ms: int) -> bool:
    return now_ms - due_at_ms > LATE_MS


# --- what the assistant says --------------------------------------------------------------------------

SET = {
    "en": "OK, I'll remind you on {when}: {text}",
    "zh": "好的，我会在 {when} 提醒你：{text}",
}
ASK_WHEN = {
    "en": "When should I remind you? For example: remind me to send the report tomorrow at 9am, or in 2 hours",
    "zh": "什么时候提醒你？例如：明天早上9点提醒我交周报，或 两小时后提醒我",
}
PAST = {
    "en": "That time has already passed. When should I remind you? For example: in 2 hours, or tomorrow at 9am",
    "zh": "这个时间已经过去了。要什么时候提醒你？例如：两小时后，或 明天早上9点",
}
DUE = {
    "en": "⏰ Reminder: {text}",
    "zh": "⏰ 提醒：{text}",
}
DUE_LATE = {
    "en": "⏰ Reminder (late, it was due {when}): {text}",
    "zh": "⏰ 提醒（迟到了，原定 {when}）：{text}",
}
_EN_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZH_DAYS = "一二三四五六日"


def when_text(due_at_ms: int, zone: ZoneInfo, lang: str, now_ms: int | None = None) -> str:
    """"Tue 8 Dec at 09:00 (Asia/Shanghai)" / "12月8日周二 09:00（Asia/Shanghai）"; the year is named
    when it is not the year of ``now_ms``."""
    at = datetime.fromtimestamp(due_at_ms / 1000, tz=UTC).astimezone(zone)
    this_year = datetime.fromtimestamp(now_ms / 1000, tz=UTC).astimezone(zone).year if now_ms is not None else at.year
    if lang == "zh":
        year = f"{at.year}年" if at.year != this_year else ""
        return f"{year}{at.month}月{at.day}日周{_ZH_DAYS[at.weekday()]} {at:%H:%M}（{zone.key}）"
    year = f" {at.year}" if at.year != this_year else ""
    return f"{_EN_DAYS[at.weekday()]} {at.day} {_EN_MONTHS[at.month - 1]}{year} at {at:%H:%M} ({zone.key})"


def due_message(row: dict[str, Any], zone: ZoneInfo, lang: str, now_ms: int) -> str:
    """The text @axon posts when the reminder is due (says so when it is more than a day late)."""
    if is_late(int(row["due_at"]), now_ms):
        when = when_text(int(row["due_at"]), zone, lang, now_ms)
        return (DUE_LATE.get(lang) or DUE_LATE["en"]).format(when=when, text=row["text"])
    return (DUE.get(lang) or DUE["en"]).format(text=row["text"])


_PAST_WORDS = re.compile(r"\b(?:yesterday|ago|last\s+(?:night|week|month|year|\w+day))\b|昨天|前天|昨晚|上周|上个?月|去年"
                         r"|[0-9零一二两三四五六七八九十]+\s*个?(?:小时|分钟|天|周)前", re.IGNORECASE)


def names_past(text: str) -> bool:
    """Whether the words name a time gone by ("yesterday", "2 hours ago", "昨天")."""
    return _PAST_WORDS.search(text) is not None


def passed(moment: datetime, now: datetime) -> bool:
    """A due time not after the question's send time."""
    return moment <= now
