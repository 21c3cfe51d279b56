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


# --- relative times: arithmetic, done here (the recognizer misses "in half an hour", "十分钟后" and
# reads "半小时后" as now) -----------------------------------------------------------------------------

_UNIT_MINUTES = {"minute": 1, "min": 1, "hour": 60, "hr": 60, "day": 1440, "week": 10080,
                 "分钟": 1, "分": 1, "小时": 60, "钟头": 60, "天": 1440, "周": 10080, "星期": 10080}
_EN_COUNT = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45}
_EN_RELATIVE = re.compile(
    r"\bin\s+(?:(?P<half>half\s+an?\s+hour)|(?P<n>\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine"
    r"|ten|fifteen|twenty|thirty|forty-five)\s+(?P<unit>minute|min|hour|hr|day|week)s?(?P<and_half>\s+and\s+a\s+half)?)"
    r"\b", re.IGNORECASE)
_ZH_DIGITS = "零一二三四五六七八九"
_ZH_RELATIVE = re.compile(r"(?P<n>[0-9]+|[零一二两三四五六七八九十]+)?\s*个?(?P<half>半)?\s*个?"
                          r"(?P<unit>小时|钟头|分钟|分|天|周|星期)(?:后|以后|之后)")


def _zh_number(text: str) -> int | None:
    """"3", "十", "十五", "二十", "两" → the number (up to 99)."""
    if text.isdigit():
        return int(text)
    text = text.replace("两", "二")
    if "十" not in text:
        return _ZH_DIGITS.index(text) if len(text) == 1 and text in _ZH_DIGITS else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or any(c not in _ZH_DIGITS for c in tens + ones):
        return None
    return (_ZH_DIGITS.index(tens) if tens else 1) * 10 + (_ZH_DIGITS.index(ones) if ones else 0)


def relative_minutes(text: str) -> float | None:
    """Minutes from now that a relative time ("in 2 hours", "in half an hour", "in 3 days", "两小时后",
    "半小时后", "一个半小时后", "十分钟后") says, or None when the text has none."""
    found = _EN_RELATIVE.search(text)
    if found is not None:
        if found["half"]:
            return 30.0
        n = found["n"].lower()
        count = float(n) if n[0].isdigit() else float(_EN_COUNT[n])
        return (count + (0.5 if found["and_half"] else 0)) * _UNIT_MINUTES[found["unit"].lower()]
    found = _ZH_RELATIVE.search(text)
    if found is None or not (found["n"] or found["half"]):
        return None
    whole = _zh_number(found["n"]) if found["n"] else 0
    if whole is None:
        return None
    return (whole + (0.5 if found["half"] else 0)) * _UNIT_MINUTES[found["unit"]]


def without_relative(text: str) -> str:
    """The text without its relative times (what the intent rules did not cut out of a subject)."""
    return " ".join(_ZH_RELATIVE.sub(" ", _EN_RELATIVE.sub(" ", text)).split())


def due_instant(start: datetime, all_day: bool) -> datetime:
    """When a reminder for the extracted time is due: the time itself, or 09:00 of a day without one."""
    if all_day:
        return start.replace(hour=DAY_REMINDER_HOUR, minute=0, second=0, microsecond=0)
    return start


_THIS_THEN = re.compile(r"^(.{1,12}?)\s*[:：,，\-—]\s*")


def subject(what: str) -> str:
    """The request's own subject, or "" when it only points at a message ("this", "这件事")."""
    cleaned = without_relative(what).strip(" .,!?:;，。！？：；")
    if cleaned.lower() in THIS_WORDS:
        return ""
    head = _THIS_THEN.match(cleaned)  # "this: ship the build" — the words after it are the subject
    return cleaned[head.end():] if head and head.group(1).lower() in THIS_WORDS else cleaned


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


_PAST_WORDS = re.compile(r"\b(?:yesterday|ago|last\s+(?:night|week|month|year|\w+day))\b"
                         r"|昨天|前天|昨晚|上周|上个?月|去年|[0-9零一二两三四五六七八九十]+\s*个?(?:小时|分钟|天|周)前",
                         re.IGNORECASE)


def names_past(text: str) -> bool:
    """Whether the words name a time gone by ("yesterday", "2 hours ago", "昨天")."""
    return _PAST_WORDS.search(text) is not None


def passed(moment: datetime, now: datetime) -> bool:
    """A due time not after the question's send time."""
    return moment <= now
