"""@axon reminders, the pure rules (``domain.reminders``): relative times, a day's 09:00, the subject,
past words, how due times read in both languages and the late rule."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec
import pytest

from axon.domain.assistant_intents import parse
from axon.domain.reminders import (
    LATE_MS,
    State,
    card,
    due_instant,
    due_message,
    names_past,
    relative_minutes,
    state_of,
    subject,
    when_text,
)
from axon.protocol.rest_cards import AssistantReminderCard, Card

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = int(datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI).timestamp() * 1000)


@pytest.mark.parametrize(("text", "minutes"), [
    ("remind me to send the report in 2 hours", 120), ("in half an hour", 30), ("in an hour and a half", 90),
    ("in 90 minutes", 90), ("in a minute", 1), ("in 3 days", 3 * 1440), ("in 1.5 hours", 90),
    ("两小时后提醒我交周报", 120), ("半小时后", 30), ("一个半小时后", 90), ("十分钟后提醒我喝水", 10),
    ("二十五分钟后", 25), ("3天后", 3 * 1440), ("两个小时以后", 120),
])
def test_relative_times_are_minutes_from_now(text: str, minutes: float) -> None:
    assert relative_minutes(text) == minutes


@pytest.mark.parametrize("text", ["tomorrow at 9am", "明天早上9点", "下周一", "remind me about this", "in the morning"])
def test_absolute_times_are_left_to_the_extractor(text: str) -> None:
    assert relative_minutes(text) is None


def test_a_day_without_a_time_is_due_at_nine() -> None:
    midnight = datetime(2026, 12, 8, 0, 0, tzinfo=SHANGHAI)
    assert due_instant(midnight, all_day=True) == datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)
    three_pm = datetime(2026, 12, 8, 15, 0, tzinfo=SHANGHAI)
    assert due_instant(three_pm, all_day=False) == three_pm


@pytest.mark.parametrize(("request_text", "expected"), [
    ("remind me about this tomorrow 9am", ""), ("明天早上9点提醒我这件事", ""),
    ("remind me to send the report in 2 hours", "send the report"), ("两小时后提醒我交周报", "交周报"),
    ("一个半小时后提醒我开会", "开会"), ("remind me about this in 3 hours: ship the build", "ship the build"),
    ("remind me in 2 hours: lunch, then gym", "lunch, then gym"),
])
def test_this_is_no_subject_of_its_own(request_text: str, expected: str) -> None:
    assert subject(parse(request_text).what) == expected


def test_past_words() -> None:
    assert names_past("remind me yesterday") and names_past("两小时前提醒我") and names_past("昨天提醒我")
    assert not names_past("remind me tomorrow") and not names_past("两小时后提醒我")


def test_due_times_read_in_the_askers_zone_and_language() -> None:
    assert when_text(DUE, SHANGHAI, "en", DUE) == "Tue 8 Dec at 09:00 (Asia/Shanghai)"
    assert when_text(DUE, SHANGHAI, "zh", DUE) == "12月8日周二 09:00（Asia/Shanghai）"
    next_year = DUE + 365 * 86_400_000
    assert when_text(next_year, SHANGHAI, "en", DUE) == "Wed 8 Dec 2027 at 09:00 (Asia/Shanghai)"


def test_more_than_a_day_late_says_so() -> None:
    row = {"id": "rm_1", "text": "send the report", "due_at": DUE, "message_id": None, "created_at": DUE}
    assert due_message(row, SHANGHAI, "en", DUE + 60_000) == "⏰ Reminder: send the report"
    late = due_message(row, SHANGHAI, "en", DUE + LATE_MS + 1)
    assert late == "⏰ Reminder (late, it was due Tue 8 Dec at 09:00 (Asia/Shanghai)): send the report"
    assert due_message(row, SHANGHAI, "zh", DUE + 1).startswith("⏰ 提醒：")


def test_the_card_follows_the_state() -> None:
    row = {"id": "rm_1", "text": "x", "due_at": DUE, "conversation_id": "c_1", "message_id": "m_1", "seq": 4,
           "delivered_at": None, "cancelled_at": None}
    assert state_of(row) is State.SCHEDULED
    assert card(row) == {"type": "assistant.reminder", "state": "scheduled", "reminder_id": "rm_1", "text": "x",
                         "due_at": "2026-12-08T01:00:00.000Z",
                         "about": {"conversation_id": "c_1", "message_id": "m_1", "seq": 4}}
    assert card({**row, "cancelled_at": DUE})["state"] == "cancelled"
    assert card(row, State.DELIVERED)["state"] == "delivered"


def test_the_card_is_a_declared_card_shape() -> None:
    row = {"id": "rm_1", "text": "x", "due_at": DUE, "message_id": None, "delivered_at": DUE, "cancelled_at": None}
    decoded = msgspec.convert(card(row), Card)
    assert isinstance(decoded, AssistantReminderCard) and decoded.state == "delivered" and decoded.about is None
