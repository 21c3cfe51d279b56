"""The pure half of meeting-time extraction (``axon.domain.event_times``, ``axon.domain.event_hints``):
choosing among a recognizer's readings, filling in dates and durations, refusing past times and
numbers that are no times, titles, and who a hint is addressed to. No recognizer here: its output is
written by hand as ``Found``/``Reading`` (the adapter's own test is at the end)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from axon.domain.event_hints import participants, zone_named
from axon.domain.event_times import (
    Found,
    Reading,
    choose,
    may_mention_time,
    named_zone,
    plausible,
    title_for,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=SH)  # a Monday


def at(text: str, said: str, kind: str, *readings: Reading) -> Found:
    start = text.index(said)
    return Found(start, start + len(said), kind, readings)


def test_a_datetime_resolves_in_the_senders_zone_with_the_default_duration() -> None:
    text = "明天下午三点开会"
    event = choose(text, [at(text, "明天下午三点", "datetime", Reading("2026-12-08T15", "2026-12-08 15:00:00"))], NOW)
    assert event is not None
    assert event.start == datetime(2026, 12, 8, 15, 0, tzinfo=SH)
    assert event.end == datetime(2026, 12, 8, 15, 30, tzinfo=SH)
    assert (event.title, event.span, event.all_day) == ("开会", (0, 6), False)


def test_an_ambiguous_clock_time_takes_the_next_one_in_working_hours() -> None:
    text = "会议改到三点"
    found = at(text, "三点", "time", Reading("T03", "03:00:00"), Reading("T15", "15:00:00"))
    morning = NOW.replace(hour=10)
    assert choose(text, [found], morning).start == morning.replace(hour=15)  # type: ignore[union-attr]
    # At 16:00 both have passed today: 03:00 tomorrow is out of hours, so 15:00 tomorrow.
    late = NOW.replace(hour=16)
    assert choose(text, [found], late).start == late.replace(hour=15) + timedelta(days=1)  # type: ignore[union-attr]


def test_midnight_is_the_coming_one_and_a_weekday_rolls_to_the_next_week() -> None:
    text = "Deploy at midnight"
    event = choose(text, [at(text, "midnight", "time", Reading("T00", "00:00:00"))], NOW)
    assert event is not None and event.start == datetime(2026, 12, 8, 0, 0, tzinfo=SH) and event.title == "Deploy"
    text = "Sprint planning Monday at 10"
    found = at(text, "Monday at 10", "datetime", Reading("XXXX-WXX-1T10", "2026-11-30 10:00:00"),
               Reading("XXXX-WXX-1T10", "2026-12-07 10:00:00"))
    event = choose(text, [found], NOW)
    assert event is not None and event.start == datetime(2026, 12, 14, 10, 0, tzinfo=SH)


def test_hour_24_is_midnight_at_the_end_of_that_day() -> None:
    """The recognizer's readings of "24:00" are 00:00 or 12:00 of the day ("今晚24点": only 12:00):
    read as noon, "上线 at 24:00" became a lunchtime meeting."""
    text = "今晚24点上线"
    event = choose(text, [at(text, "今晚24点", "datetime", Reading("2026-12-07T12", "2026-12-07 12:00:00"))], NOW)
    assert event is not None and event.start == datetime(2026, 12, 8, 0, 0, tzinfo=SH) and event.title == "上线"
    text = "deadline is 24:00 today"
    found = at(text, "24:00 today", "datetime", Reading("2026-12-07T00:00", "2026-12-07 00:00:00"),
               Reading("2026-12-07T12:00", "2026-12-07 12:00:00"))
    event = choose(text, [found], NOW)
    assert event is not None and event.start == datetime(2026, 12, 8, 0, 0, tzinfo=SH)


def test_a_range_ending_at_24_ends_after_it_starts_and_an_impossible_reading_is_skipped() -> None:
    text = "from 22:00 to 24:00 tomorrow"
    found = at(text, text, "datetimerange", Reading("(2026-12-08T22:00,2026-12-08T00:00,PT2H)", None,
                                                    "2026-12-08 22:00:00", "2026-12-08 00:00:00"))
    event = choose(text, [found], NOW)
    assert event is not None
    assert (event.start, event.end) == (datetime(2026, 12, 8, 22, 0, tzinfo=SH), datetime(2026, 12, 9, 0, 0, tzinfo=SH))
    text = "ship it 24:30"  # a reading no clock has: no event, and no error that stops the consumer
    assert choose(text, [at(text, "24:30", "time", Reading("T24:30", "24:30:00"))], NOW) is None


def test_a_date_alone_is_an_all_day_event_and_a_past_time_is_none() -> None:
    text = "Release planning next Wednesday"
    event = choose(text, [at(text, "next Wednesday", "date", Reading("2026-12-16", "2026-12-16"))], NOW)
    assert event is not None and event.all_day
    assert (event.start, event.end) == (datetime(2026, 12, 16, tzinfo=SH), datetime(2026, 12, 17, tzinfo=SH))
    text = "昨天下午三点开会"
    assert choose(text, [at(text, "昨天下午三点", "datetime", Reading("2026-12-06T15", "2026-12-06 15:00:00"))],
                  NOW) is None


def test_ranges_give_their_end() -> None:
    text = "下午三点到四点开评审会"
    found = at(text, "下午三点到四点", "timerange", Reading("(T15,T16,PT1H)", start="15:00:00", end="16:00:00"))
    event = choose(text, [found], NOW.replace(hour=10))
    assert event is not None and (event.start.hour, event.end.hour) == (15, 16) and event.title == "开评审会"


def test_numbers_that_are_no_meeting_time_are_refused() -> None:
    assert not plausible("1:1 with Alice", Found(0, 3, "time", (Reading("T01:01", "01:01:00"),)))
    assert not plausible("The build took 3:45", at("The build took 3:45", "3:45", "time"))
    assert plausible("Let's grab coffee at 4", at("Let's grab coffee at 4", "4", "time"))
    assert plausible("会议改到三点", at("会议改到三点", "三点", "time"))
    assert not plausible("for an hour", at("for an hour", "an hour", "duration"))
    assert not may_mention_time("sounds good, see you there")
    assert may_mention_time("明天见") and may_mention_time("v1.2")  # a digit: the recognizer decides


def test_twelve_oclock_together_is_noon_and_not_one_past() -> None:
    text = "12点一起吃饭"
    found = at(text, "12点一", "time", Reading("T12:01", "12:01:00"), Reading("T00:01", "00:01:00"))
    event = choose(text, [found], NOW.replace(hour=10))
    assert event is not None and event.start == NOW.replace(hour=12) and event.title == "一起吃饭"


def test_week_after_next_and_a_part_of_the_day_after_a_date() -> None:
    text = "下下周三评审"
    event = choose(text, [at(text, "下周三", "date", Reading("2026-12-16", "2026-12-16"))], NOW)
    assert event is not None and event.start == datetime(2026, 12, 23, tzinfo=SH) and event.span == (0, 4)
    text = "今天午夜上线"
    event = choose(text, [at(text, "今天", "date", Reading("2026-12-07", "2026-12-07"))], NOW)
    assert event is not None and event.start == datetime(2026, 12, 8, 0, 0, tzinfo=SH) and not event.all_day
    assert event.title == "上线"


def test_a_named_zone_reads_the_clock_there_and_a_separate_date_is_joined() -> None:
    text = "call at 9am PST tomorrow"
    found = [at(text, "9am", "time", Reading("T09", "09:00:00")), at(text, "tomorrow", "date",
                                                                        Reading("2026-12-08", "2026-12-08"))]
    event = choose(text, found, NOW)
    assert event is not None and event.start == datetime(2026, 12, 9, 1, 0, tzinfo=SH)  # 09:00 PST = 01:00 +08
    assert event.title == "call"
    zone, where = named_zone("北京时间明天上午9点", 4, 10) or (None, None)
    assert zone == ZoneInfo("Asia/Shanghai") and where == (0, 4)
    assert named_zone("at 10:00 UTC+8", 3, 8) is not None


@pytest.mark.parametrize(("text", "cut", "title"), [
    ("let's sync next Monday 10:30", (11, 28), "sync"),
    ("Meeting tomorrow at 3pm @bob", (8, 23), "Meeting"),
    ("lunch at noon tomorrow", (9, 22), "lunch"),
    ("@bob 明天下午三点", (5, 11), "会议"),
    ("tomorrow at 3pm", (0, 15), "Meeting"),
])
def test_titles_drop_the_time_mentions_and_the_words_that_tied_them(text: str, cut: tuple[int, int],
                                                                    title: str) -> None:
    assert title_for(text, [cut]) == title


def test_a_hint_goes_to_the_mentioned_or_a_small_conversation() -> None:
    assert participants("ann", ["bob", "ann"], "channel", None) == ["ann", "bob"]
    assert participants("ann", [], "channel", None) == ["ann"]  # a big channel, nobody named
    assert participants("ann", [], "direct", ["ann", "bob"]) == ["ann", "bob"]
    assert participants("ann", [], "group", ["ann", "bob", "cy"]) == ["ann", "bob", "cy"]
    assert participants("ann", [], "group", [f"u{i}" for i in range(21)] + ["ann"]) == ["ann"]
    assert zone_named("Nowhere/Atlantis") == ZoneInfo("UTC") and zone_named(None) == ZoneInfo("UTC")


def test_the_recognizer_adapter_resolves_relative_chinese_and_english() -> None:
    from axon.timeparse import RecognizersExtractor, language_of  # the adapter: installed, loaded once here

    x = RecognizersExtractor()
    event = x.extract("明天上午10点半过一下需求", NOW, None)
    assert event is not None and event.start == datetime(2026, 12, 8, 10, 30, tzinfo=SH) and event.title == "过一下需求"
    event = x.extract("Let's talk two hours from now", NOW, "en")
    assert event is not None and event.start == NOW + timedelta(hours=2)
    assert x.extract("1:1 with Alice", NOW, None) is None and x.extract("v1.2 is out", NOW, None) is None
    assert language_of("ok", "zh-CN") == "zh" and language_of("明天", "en") == "zh"
    with pytest.raises(ValueError):
        x.extract("tomorrow", NOW.replace(tzinfo=None), None)
