"""The calendar's pure rules: validation and its limits, answers after a new time, the card and its
fallback text, and when reminders are due (and dropped)."""

from __future__ import annotations

from typing import Any

import pytest

from axon.domain import calendar as rules
from axon.domain.errors import ValidationFailed

BASE = {"title": "Sync", "start": "2030-01-01T09:00:00Z", "end": "2030-01-01T09:30:00Z", "time_zone": "UTC"}
START = 1_893_488_400_000  # 2030-01-01T09:00:00Z


def refused_field(body: dict[str, Any], *, creating: bool = True) -> str:
    with pytest.raises(ValidationFailed) as caught:
        rules.validate_fields(body, creating=creating)
    return str(caught.value.details["field"])


def test_a_create_gets_its_defaults_and_normalised_values() -> None:
    fields = rules.validate_fields({**BASE, "title": "  Sync  ", "attendees": ["u_a", "u_a", "u_b"],
                                    "start": "2030-01-01T17:00:00+08:00"}, creating=True)
    assert (fields.title, fields.attendees, fields.reminders) == ("Sync", ("u_a", "u_b"), (10,))
    assert fields.start_ms == START and fields.end_ms == START + 30 * 60_000
    assert rules.validate_fields({**BASE, "reminders_minutes": [5, 60, 5]}, creating=True).reminders == (60, 5)
    assert rules.validate_fields({**BASE, "reminders_minutes": []}, creating=True).reminders == ()


@pytest.mark.parametrize(("change", "field"), [
    ({"title": None}, "title"), ({"title": ""}, "title"), ({"title": "é" * 201}, "title"),
    ({"end": BASE["start"]}, "end"), ({"end": "2030-01-08T09:00:00.001Z"}, "end"),
    ({"start": "1999-12-31T23:00:00Z", "end": "2000-01-01T01:00:00Z"}, "start"),
    ({"start": "2030-01-01 09:00"}, "start"), ({"start": 1893488400}, "start"),
    ({"time_zone": "Europe/Atlantis"}, "time_zone"), ({"time_zone": "/etc/localtime"}, "time_zone"),
    ({"reminders_minutes": [-1]}, "reminders_minutes"), ({"reminders_minutes": [True]}, "reminders_minutes"),
    ({"reminders_minutes": list(range(6))}, "reminders_minutes"), ({"attendees": "u_a"}, "attendees"),
    ({"description": "x" * 5001}, "description"), ({"source_message_id": ""}, "source_message_id"),
])
def test_each_broken_rule_names_its_field(change: dict[str, Any], field: str) -> None:
    assert refused_field({**BASE, **change}) == field


def test_an_edit_takes_only_what_it_is_given() -> None:
    fields = rules.validate_fields({"location": "Room 2"}, creating=False)
    assert (fields.location, fields.title, fields.attendees, fields.reminders) == ("Room 2", None, None, None)
    assert refused_field({"title": " "}, creating=False) == "title"
    assert rules.validate_fields({"end": "2030-01-08T09:00:00Z"}, creating=False).end_ms is not None
    with pytest.raises(ValidationFailed):
        rules.check_span(START, START + rules.MAX_DURATION_MS + 1)
    rules.check_span(START, START + rules.MAX_DURATION_MS)  # exactly 7 days is allowed


def test_answers_and_a_new_time() -> None:
    assert rules.validate_answer("tentative") is rules.Response.TENTATIVE
    with pytest.raises(ValidationFailed):
        rules.validate_answer("needs_action")  # not an answer
    answered = {"u_org": "accepted", "u_a": "declined", "u_b": "tentative"}
    assert rules.responses_after_reschedule(answered, "u_org") == {
        "u_org": "accepted", "u_a": "needs_action", "u_b": "needs_action"}


def test_the_card_and_its_fallback_text() -> None:
    event = {"id": "ev_1", "title": "Sync", "start": "s", "end": "e", "time_zone": "Asia/Shanghai",
             "status": "confirmed", "organizer_id": "u_org",
             "attendees": [{"user_id": "u_org", "response": "accepted"}, {"user_id": "u_a", "response": "declined"},
                           {"user_id": "u_b", "response": "needs_action"}]}
    assert rules.event_card(event) == {"type": "event", "event": {
        "id": "ev_1", "title": "Sync", "start": "s", "end": "e", "time_zone": "Asia/Shanghai", "status": "confirmed",
        "organizer_id": "u_org", "responses": {"accepted": 1, "declined": 1, "tentative": 0, "needs_action": 1}}}
    assert rules.card_text("Sync", START, "Asia/Shanghai") == "📅 Sync · 2030-01-01 17:00 (Asia/Shanghai)"


def test_reminders_are_due_from_their_time_for_an_hour() -> None:
    minute = 60_000
    assert rules.due_reminders(START, (60, 10), START - 61 * minute) == []
    assert rules.due_reminders(START, (60, 10), START - 60 * minute) == [60]
    assert rules.due_reminders(START, (60, 10), START - 10 * minute) == [60, 10]
    assert rules.due_reminders(START, (60, 10), START + 50 * minute) == [10]  # 10: an hour late, still sent
    assert rules.due_reminders(START, (60, 10), START + 51 * minute) == []  # both more than an hour late: dropped
