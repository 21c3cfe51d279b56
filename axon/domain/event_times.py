"""Meeting times in chat messages: from what a date-time recognizer found to one event, or none.

A recognizer (``axon/timeparse``, behind the ``EventExtractor`` port) reports every date or time
expression it sees, each with one or more readings (``Reading``): "三点" may be 03:00 or 15:00,
"Friday at 4pm" last Friday or next, "the 20th" this month's or last month's. This module, pure and
without the recognizer, decides what a chat message means by them (docs/ai/events.md):

- **False positives are dropped**: a ratio or meeting kind ("1:1", "2:1"), a clock-like number
  with nothing that makes it a time of day ("the build took 3:45": no "at"/"am"/"pm"/"点"), a
  misread "12点一起" (the "一" belongs to "一起": 12:00, not 12:01).
- **One expression is chosen**: the first with a clock time, else the first date; a date and a
  time recognised apart ("9am PST tomorrow") are joined.
- **Each reading is brought to the future** (a weekday, a day of the month, a date without year roll
  forward) and the reading chosen is the earliest future one in working hours (07:00–21:59), else
  the earliest future one: "三点" said at 10:00 is 15:00 today, "at 4" is 16:00, "midnight" the
  coming one. Past times are no event.
- **Gaps are filled**: a date alone is an all-day event; a Chinese part of the day after a date
  ("明天中午", "今天午夜") gives its usual hour; "下下周三" is a week after "下周三"; a named zone
  ("9am PST", "北京时间…", "10:00 UTC") reads the clock time in that zone on the sender's calendar
  day; the end is the range's end, else start + 30 minutes (all day: the next midnight).
- **The title** is the message without the time expression, the zone, mentions and the little
  words that tied them together ("let's", "at", "on"), or "Meeting"/"会议" when nothing is left.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_DURATION = timedelta(minutes=30)
PAST_GRACE = timedelta(minutes=1)
WORK_HOURS = range(7, 22)
MAX_TITLE = 80
MAX_TEXT = 1000  # characters given to a recognizer: a longer message is read up to there


@dataclass(frozen=True, slots=True)
class ExtractedEvent:
    """A meeting time found in a message: aware datetimes in the sender's zone, and where the time
    expression is in the text (``span``: start and end character offsets, end exclusive)."""

    title: str
    start: datetime
    end: datetime
    all_day: bool
    span: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of an expression, as the recognizer wrote it (naive, the sender's wall clock):
    ``value`` for a point ("2026-12-08 15:00:00", "15:00:00", "2026-12-08"), ``start``/``end``
    for a range; ``timex`` its TIMEX3 form ("XXXX-WXX-5T16": any Friday, "2026-12-15TMO": a morning)."""

    timex: str = ""
    value: str | None = None
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True, slots=True)
class Found:
    """An expression a recognizer found: ``kind`` is "date", "time", "datetime", "daterange",
    "timerange", "datetimerange", "duration" or "set"; ``start``/``end`` character offsets (end
    exclusive) in the text given."""

    start: int
    end: int
    kind: str
    readings: tuple[Reading, ...]


# --- a cheap look before the recognizer ----------------------------------------------------------

_MAYBE_TIME = re.compile(
    r"\d|[点時时天周週星期礼拜月号號日午晚早夜宵]|\b(?:today|tonight|tomorrow|noon|midnight|hours?|minutes?|mins?|"
    r"mon|tue|wed|thu|fri|sat|sun|morning|afternoon|evening|week|month|jan|feb|mar|apr|may|jun|jul|aug|sep|"
    r"oct|nov|dec)", re.IGNORECASE)


def may_mention_time(text: str) -> bool:
    """False when ``text`` surely names no time (no digit, no time word): the recognizer, some
    milliseconds a message, is then not asked at all."""
    return bool(_MAYBE_TIME.search(text))


def cut_for_recognizer(text: str) -> str:
    return text[:MAX_TEXT]


# --- false positives ------------------------------------------------------------------------------

_RATIO = re.compile(r"^\d:\d$")  # "1:1", "2:1": a meeting kind or a score, not a clock time
_TIME_WORD = re.compile(r"am\b|pm\b|a\.m\.|p\.m\.|noon|midnight|o'?clock|点|點|时|時|午|晚|早|夜", re.IGNORECASE)
_TIME_PREPOSITION = re.compile(r"(?:\bat|\bby|\bfrom|\buntil|\btill|\baround|\bbefore|\bafter|@|\bto|-)\s*$",
                               re.IGNORECASE)


def plausible(text: str, found: Found) -> bool:
    """Is this expression a time someone could be meeting at (and not a count, ratio or duration)?"""
    said = text[found.start:found.end]
    if _RATIO.match(said.strip()):
        return False
    if found.kind == "time" and not _TIME_WORD.search(said):
        # A bare clock-like number ("3:45", "4") is a time only after "at", "by", "from"…
        return bool(_TIME_PREPOSITION.search(text[:found.start]))
    return found.kind != "duration" and found.kind != "set"


def _fix_yi_qi(text: str, found: Found) -> Found:
    """"12点一起吃饭": the recognizer reads "12点一" (12:01); the "一" starts "一起" (together)."""
    if text[found.end - 1:found.end] == "一" and text[found.end:found.end + 1] in ("起", "下", "共", "会", "趟"):
        return replace(found, end=found.end - 1,
                       readings=tuple(replace(r, value=_zero_minutes(r.value)) for r in found.readings))
    return found


def _zero_minutes(value: str | None) -> str | None:
    return re.sub(r"(\d\d):01:00$", r"\1:00:00", value) if value else value


# --- explicit zones -------------------------------------------------------------------------------

_ZONES: dict[str, tzinfo] = {
    "utc": UTC, "gmt": UTC, "z": UTC,
    "pst": ZoneInfo("America/Los_Angeles"), "pdt": ZoneInfo("America/Los_Angeles"),
    "pt": ZoneInfo("America/Los_Angeles"),
    "est": ZoneInfo("America/New_York"), "edt": ZoneInfo("America/New_York"), "et": ZoneInfo("America/New_York"),
    "cet": ZoneInfo("Europe/Paris"), "cest": ZoneInfo("Europe/Paris"), "bst": ZoneInfo("Europe/London"),
    "jst": ZoneInfo("Asia/Tokyo"), "sgt": ZoneInfo("Asia/Singapore"),
    "北京时间": ZoneInfo("Asia/Shanghai"), "北京時間": ZoneInfo("Asia/Shanghai"), "东京时间": ZoneInfo("Asia/Tokyo"),
    "伦敦时间": ZoneInfo("Europe/London"), "美西时间": ZoneInfo("America/Los_Angeles"),
    "美东时间": ZoneInfo("America/New_York"), "太平洋时间": ZoneInfo("America/Los_Angeles"),
}
_ZONE_AFTER = re.compile(r"^\s*\(?(utc|gmt|pst|pdt|pt|est|edt|et|cet|cest|bst|jst|sgt)(?:([+-])(\d{1,2}))?\)?\b",
                         re.IGNORECASE)
_ZONE_BEFORE = re.compile(r"(北京时间|北京時間|东京时间|伦敦时间|美西时间|美东时间|太平洋时间)\s*$")


def named_zone(text: str, start: int, end: int) -> tuple[tzinfo, tuple[int, int]] | None:
    """A time zone named right after ("3pm PST", "10:00 UTC+8") or right before ("北京时间下午3点")
    the expression, and where it is in the text."""
    after = _ZONE_AFTER.match(text[end:])
    if after:
        zone = _ZONES[after.group(1).lower()]
        if after.group(2):
            hours = int(after.group(3)) * (1 if after.group(2) == "+" else -1)
            zone = timezone(timedelta(hours=hours))
        return zone, (end, end + after.end())
    before = _ZONE_BEFORE.search(text[:start])
    if before:
        return _ZONES[before.group(1)], (before.start(), start)
    return None


# --- readings to datetimes ------------------------------------------------------------------------

_PART_OF_DAY = {"TMO": 9, "TAF": 14, "TEV": 19, "TNI": 20}
_CHINESE_PART_AFTER_DATE = (("午夜", 24), ("半夜", 24), ("中午", 12), ("上午", 9), ("早上", 9), ("下午", 14),
                            ("晚上", 19))


def _parse(value: str) -> datetime | date | time:
    if " " in value:
        return datetime.fromisoformat(value)
    if ":" in value:
        return time.fromisoformat(value)
    return date.fromisoformat(value)


def _roll(moment: datetime, timex: str, now: datetime) -> datetime:
    """A reading of a repeating expression ("XXXX-WXX-1": a Monday; "XXXX-XX-20"; "XXXX-12-15")
    brought forward to its next occurrence after ``now``."""
    for _ in range(60):
        if moment >= now - PAST_GRACE:
            break
        if "WXX" in timex:
            moment += timedelta(days=7)
        elif timex.startswith("XXXX-XX"):
            moment = _add_month(moment)
        elif timex.startswith("XXXX"):
            moment = moment.replace(year=moment.year + 1)
        else:
            break
    return moment


def _add_month(moment: datetime) -> datetime:
    year, month = moment.year, moment.month
    while True:  # the 31st skips the months without one
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        try:
            return moment.replace(year=year, month=month)
        except ValueError:
            continue


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: datetime  # naive, the sender's wall clock (or the named zone's)
    end: datetime | None
    all_day: bool


def _candidates(found: Found, now: datetime) -> list[_Candidate]:
    out: list[_Candidate] = []
    for r in found.readings:
        try:
            candidate = _candidate(r, now)
        except ValueError:  # a reading no calendar has (the recognizer's "24:00:00"): not a time
            continue
        if candidate is not None:
            out.append(candidate)
    return out


def _candidate(r: Reading, now: datetime) -> _Candidate | None:
    if r.value is not None:
        return _point(_parse(r.value), r.timex, now)
    if r.start is None or r.end is None:
        return None
    first, last = _parse(r.start), _parse(r.end)
    if isinstance(first, datetime) and isinstance(last, datetime):
        part = _PART_OF_DAY.get(r.timex[-3:])
        if part is not None:  # "下周二上午": a part of the day is its usual hour
            return _Candidate(_roll(first.replace(hour=part, minute=0), r.timex, now), None, False)
        if last <= first:  # "22:00 to 24:00 tomorrow" is read as ending at that day's 00:00
            last += timedelta(days=1)
        shift = _roll(first, r.timex, now) - first
        return _Candidate(first + shift, last + shift, False)
    if isinstance(first, time) and isinstance(last, time):
        begin = _point(first, r.timex, now).start
        finish = datetime.combine(begin.date(), last)
        return _Candidate(begin, finish if finish > begin else finish + timedelta(days=1), False)
    if isinstance(first, date) and not isinstance(first, datetime):
        return _point(first, r.timex, now)
    return None


def _point(point: datetime | date | time, timex: str, now: datetime) -> _Candidate:
    if isinstance(point, datetime):
        return _Candidate(_roll(point.replace(second=0, microsecond=0), timex, now), None, False)
    if isinstance(point, time):
        moment = datetime.combine(now.date(), point.replace(second=0, microsecond=0))
        return _Candidate(moment if moment >= now - PAST_GRACE else moment + timedelta(days=1), None, False)
    day = datetime.combine(point, time())
    if day.date() < now.date():
        day = _roll(day, timex, now.replace(hour=0, minute=0, second=0, microsecond=0))
    return _Candidate(day, None, True)


def _best(candidates: list[_Candidate], now: datetime) -> _Candidate | None:
    future = [c for c in candidates
              if (c.start.date() >= now.date() if c.all_day else c.start >= now - PAST_GRACE)]
    if not future:
        return None
    working = [c for c in future if c.all_day or c.start.hour in WORK_HOURS]
    return min(working or future, key=lambda c: c.start)


# --- choosing the expression ----------------------------------------------------------------------

_HAS_CLOCK = ("time", "datetime", "timerange", "datetimerange")


def _join_date_and_time(kept: list[Found]) -> tuple[Found, Found] | None:
    """The expression to use: the first with a clock time (joined with a separate date, as in
    "9am PST tomorrow"), else the first date; and the part of it that has the clock time."""
    clocked = [f for f in kept if f.kind in _HAS_CLOCK]
    dates = [f for f in kept if f.kind in ("date", "daterange")]
    if not clocked:
        return (dates[0], dates[0]) if dates else None
    first = clocked[0]
    if first.kind in ("time", "timerange") and dates:
        day = dates[0]
        days = {_parse(r.value) for r in day.readings if r.value and " " not in r.value and ":" not in r.value}
        if len(days) == 1:
            (on,) = days
            assert isinstance(on, date)
            readings = tuple(_on_day(r, on) for r in first.readings)
            return Found(min(first.start, day.start), max(first.end, day.end), first.kind.replace("time", "datetime"),
                         readings), first
    return first, first


def _on_day(r: Reading, on: date) -> Reading:
    def at(v: str | None) -> str | None:
        return f"{on.isoformat()} {v}" if v else v
    return Reading(on.isoformat(), at(r.value), at(r.start), at(r.end))


def _chinese_part_after(text: str, found: Found) -> Found:
    """"明天中午", "今天午夜": a date the recognizer read without the part of the day after it."""
    if found.kind != "date":
        return found
    rest = text[found.end:]
    for word, hour in _CHINESE_PART_AFTER_DATE:
        if rest.startswith(word):
            readings = tuple(_with_hour(r, hour) for r in found.readings if r.value)
            return Found(found.start, found.end + len(word), "datetime", readings)
    return found


def _with_hour(r: Reading, hour: int) -> Reading:
    assert r.value is not None
    day = date.fromisoformat(r.value) + timedelta(days=hour // 24)
    return replace(r, value=f"{day.isoformat()} {hour % 24:02d}:00:00")


_HOUR_24 = re.compile(r"(?<![\d:])24\s*(?::\s*00(?!\d)|点|點|时|時)")


def _hour_24(text: str, found: Found) -> Found:
    """"24:00", "24点": midnight at the end of that day. The recognizer reads it as that day's 00:00
    or 12:00 ("今晚24点": 12:00); every reading becomes the next day's 00:00 (a bare time: 00:00, whose
    next occurrence is tonight's end)."""
    if found.kind not in ("time", "datetime") or not _HOUR_24.search(text[found.start:found.end]):
        return found
    readings = tuple(dict.fromkeys(_end_of_day(r) for r in found.readings if r.value))
    return replace(found, readings=readings) if readings else found


def _end_of_day(r: Reading) -> Reading:
    assert r.value is not None
    point = _parse(r.value)
    if not isinstance(point, datetime):
        return Reading("T00:00", "00:00:00", None, None)
    midnight = datetime.combine(point.date() + timedelta(days=1), time())
    return Reading(midnight.strftime("%Y-%m-%dT%H:%M"), midnight.isoformat(sep=" "), None, None)


def _week_after_next(text: str, found: Found) -> tuple[Found, timedelta]:
    """"下下周三": the recognizer reads "下周三"; one more "下" before it is one more week."""
    if text[found.start:found.start + 2] in ("下周", "下週") and text[found.start - 1:found.start] == "下":
        return replace(found, start=found.start - 1), timedelta(days=7)
    return found, timedelta()


def choose(text: str, found: Sequence[Found], now: datetime) -> ExtractedEvent | None:
    """The event ``text`` proposes, from the recognizer's ``found`` expressions, or None.
    ``now`` is aware, in the sender's zone; the result is in that zone too."""
    kept = [_fix_yi_qi(text, f) for f in found if plausible(text, f)]
    joined = _join_date_and_time([_chinese_part_after(text, f) for f in kept])
    if joined is None:
        return None
    chosen, clock = joined
    chosen, extra = _week_after_next(text, _hour_24(text, chosen))
    local_now = now.replace(tzinfo=None)
    zone = named_zone(text, clock.start, clock.end)
    best = _best(_candidates(chosen, local_now), local_now)
    if best is None:
        return None
    here = now.tzinfo
    assert here is not None, "now must be aware"
    start_tz = zone[0] if zone and not best.all_day else here
    start = (best.start + extra).replace(tzinfo=start_tz).astimezone(here)
    if best.all_day:
        end = start + timedelta(days=1)
    elif best.end is not None:
        end = (best.end + extra).replace(tzinfo=start_tz).astimezone(here)
    else:
        end = start + DEFAULT_DURATION
    if not best.all_day and start < now - PAST_GRACE:
        return None  # a named zone can move it into the past
    cut = [(chosen.start, chosen.end)] + ([zone[1]] if zone else [])
    span = (min(a for a, _ in cut), max(b for _, b in cut))
    return ExtractedEvent(title_for(text, [span]), start, end, best.all_day, span)


# --- the title ------------------------------------------------------------------------------------

_MENTION = re.compile(r"@[\w.-]+")
_LEAD = re.compile(r"^(?:(?:let'?s|let us|we|shall we|can we|please|pls|我们|咱们)\s*)+", re.IGNORECASE)
_TIE = re.compile(r"^(?:\s|at\b|on\b|from\b|in\b|by\b|for\b|the\b|this\b|在|于|,|，|:|：|-)+|"
                  r"(?:\s|\bat|\bon|\bfrom|\bin|\bby|\bfor|\bthe|\bthis|在|于|,|，|:|：|-|[.!?。！？~])+$",
                  re.IGNORECASE)


def title_for(text: str, cut: Sequence[tuple[int, int]]) -> str:
    """The message without the cut ranges (the time expression, a zone), mentions and the words that
    tied them in, whitespace tidied; "Meeting"/"会议" when nothing is left."""
    kept, at = [], 0
    for a, b in sorted(cut):
        kept.append(text[at:a])
        at = max(at, b)
    kept.append(text[at:])
    rest = " ".join(part.strip() for part in kept if part.strip())
    rest = _MENTION.sub(" ", rest)
    rest = re.sub(r"\s+", " ", rest).strip()
    rest = re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", rest)
    for _ in range(3):
        rest = _TIE.sub("", _LEAD.sub("", rest)).strip()
    if not rest:
        return "会议" if re.search(r"[\u4e00-\u9fff]", text) else "Meeting"
    return rest[:MAX_TITLE]
