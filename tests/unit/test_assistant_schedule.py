"""The pure part of scheduling through @axon (axon/domain/assistant_schedule.py): whom typed names
mean, what the meeting is called, how the proposal reads and how it closes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from axon.domain.assistant_schedule import (
    Attendee,
    Candidate,
    ProposalState,
    closed,
    match_person,
    meeting_title,
    next_state,
    proposal_card,
    proposal_text,
)
from axon.domain.errors import Conflict

LI = Candidate("u_li", "li", "Li Wei", "li wei li")
LINA = Candidate("u_lina", "lina", "Li Na", "li na lina")
SAM = Candidate("u_sam", "sam", "Sam Lee", "sam lee sam")
LEI = Candidate("u_lei", "lei", "李雷", "李雷 lilei ll lei")


def test_a_username_wins_then_a_whole_name_then_one_word_of_it() -> None:
    assert match_person("li", [LI, LINA]).user_id == "u_li"
    assert match_person("Li Na", [LI, LINA]).user_id == "u_lina"
    assert match_person("Sam", [SAM]).user_id == "u_sam"
    assert match_person("李雷", [LEI]).user_id == "u_lei"
    assert match_person("lilei", [LEI]).user_id == "u_lei"


def test_two_people_for_one_name_is_ambiguous_and_a_part_of_a_word_is_nobody() -> None:
    ambiguous = match_person("Lee", [SAM, Candidate("u_ann", "ann", "Ann Lee", "ann lee ann")])
    assert ambiguous.user_id is None and ambiguous.ambiguous
    unknown = match_person("Sa", [SAM])
    assert unknown.user_id is None and not unknown.ambiguous


@pytest.mark.parametrize(("said", "people", "lang", "title"), [
    ("schedule a meeting with and Sam", ["li", "Sam"], "en", "Meeting"),
    ("create an event: design review with", ["kim"], "en", "Design review"),
    ("set up a 1:1 with Ann", ["Ann"], "en", "1:1"),
    ("安排和开会", ["li"], "zh", "会议"),
    ("建个日程： 和设计评审", ["kim"], "zh", "设计评审"),
    ("约李雷和韩梅梅开会", ["李雷", "韩梅梅"], "zh", "会议"),
])
def test_the_title_is_what_is_left_of_the_request(said: str, people: list[str], lang: str, title: str) -> None:
    assert meeting_title(said, people, lang) == title


def test_the_proposal_text_names_the_time_in_the_askers_zone_and_the_people() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    start, end = datetime(2026, 12, 8, 15, 0, tzinfo=zone), datetime(2026, 12, 8, 15, 30, tzinfo=zone)
    people = [Attendee("u_li", "Li"), Attendee("u_sam", "Sam")]
    assert proposal_text("Design review", start, end, people, "en").startswith(
        "Schedule “Design review” on Tue 8 Dec 15:00–15:30 (Asia/Shanghai) with Li, Sam?")
    assert proposal_text("设计评审", start, end, people, "zh").startswith(
        "安排“设计评审”，12月8日（周二）15:00–15:30（Asia/Shanghai），参加者：Li、Sam？")


def test_a_proposal_closes_once_and_a_retry_changes_nothing() -> None:
    card = proposal_card("u_me", "Sync", "2026-12-08T07:00:00.000Z", "2026-12-08T07:30:00.000Z",
                         "Asia/Shanghai", [Attendee("u_li", "Li")], None)
    assert card["state"] == "pending" and card["event_id"] is None
    assert next_state(card, ProposalState.SCHEDULED)
    done = closed(card, ProposalState.SCHEDULED, "ev_1")
    assert (done["state"], done["event_id"]) == ("scheduled", "ev_1")
    assert not next_state(done, ProposalState.SCHEDULED)
    with pytest.raises(Conflict) as refused:
        next_state(done, ProposalState.DISMISSED)
    assert refused.value.code == "proposal_closed"
