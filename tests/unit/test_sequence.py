"""Seq rules: what a reader does with each arriving event, and what a resume replays."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axon.domain.sequence import Arrival, Gap, ResumeWindow, SeqTracker, classify, missing_range, plan_resume

CONV = "c_1"


@pytest.mark.parametrize(
    ("applied", "seq", "expected"),
    [
        (0, 1, Arrival.NEXT),
        (5, 6, Arrival.NEXT),
        (5, 5, Arrival.DUPLICATE),
        (5, 1, Arrival.DUPLICATE),
        (0, 2, Arrival.GAP),
        (5, 9, Arrival.GAP),
    ],
)
def test_classify(applied: int, seq: int, expected: Arrival) -> None:
    assert classify(applied, seq) is expected


def test_missing_range_names_the_events_between() -> None:
    assert missing_range(CONV, 5, 9) == Gap(CONV, 6, 8)
    assert missing_range(CONV, 5, 7) == Gap(CONV, 6, 6)


@pytest.mark.parametrize(("applied", "seq"), [(5, 6), (5, 5), (5, 2)])
def test_missing_range_is_none_without_a_gap(applied: int, seq: int) -> None:
    assert missing_range(CONV, applied, seq) is None


# --- plan_resume ---------------------------------------------------------------------


def test_resume_within_the_limit_sends_everything_missed() -> None:
    assert plan_resume(CONV, 10, 15, limit=100) == ResumeWindow(CONV, after=10, upto=15, truncated=False)


def test_resume_beyond_the_limit_sends_the_newest_and_says_truncated() -> None:
    assert plan_resume(CONV, 10, 1000, limit=100) == ResumeWindow(CONV, after=900, upto=1000, truncated=True)


def test_resume_of_exactly_limit_events_is_not_truncated() -> None:
    assert plan_resume(CONV, 0, 100, limit=100) == ResumeWindow(CONV, after=0, upto=100, truncated=False)


@pytest.mark.parametrize(("client_seq", "server_seq"), [(7, 7), (9, 7)])
def test_nothing_to_resume_when_the_device_is_up_to_date(client_seq: int, server_seq: int) -> None:
    assert plan_resume(CONV, client_seq, server_seq, limit=100) is None


@given(
    client_seq=st.integers(0, 10_000),
    server_seq=st.integers(0, 10_000),
    limit=st.integers(1, 5_000),
)
def test_resume_window_is_exactly_the_missed_events_or_their_newest_limit(
    client_seq: int, server_seq: int, limit: int
) -> None:
    missed = list(range(client_seq + 1, server_seq + 1))
    window = plan_resume(CONV, client_seq, server_seq, limit)
    if not missed:
        assert window is None
        return
    assert window is not None
    assert window.conversation_id == CONV
    assert list(range(window.after + 1, window.upto + 1)) == missed[-limit:]
    assert window.truncated == (len(missed) > limit)


# --- SeqTracker ----------------------------------------------------------------------


def test_in_order_events_are_applied_one_by_one() -> None:
    tracker = SeqTracker()
    assert tracker.offer(CONV, 1, "e1") == ["e1"]
    assert tracker.offer(CONV, 2, "e2") == ["e2"]
    assert tracker.position(CONV) == 2
    assert tracker.gap(CONV) is None


def test_events_after_a_gap_are_held_until_it_is_filled() -> None:
    tracker = SeqTracker()
    assert tracker.offer(CONV, 1, "e1") == ["e1"]
    assert tracker.offer(CONV, 4, "e4") == []
    assert tracker.offer(CONV, 3, "e3") == []
    assert tracker.gap(CONV) == Gap(CONV, 2, 2)
    assert tracker.offer(CONV, 2, "e2") == ["e2", "e3", "e4"]
    assert tracker.position(CONV) == 4
    assert tracker.gap(CONV) is None


def test_duplicates_and_old_events_are_dropped() -> None:
    tracker = SeqTracker({CONV: 5})
    assert tracker.offer(CONV, 5, "again") == []
    assert tracker.offer(CONV, 3, "old") == []
    assert tracker.offer(CONV, 6, "e6") == ["e6"]


def test_starting_positions_are_respected_and_conversations_are_independent() -> None:
    tracker = SeqTracker({"c_a": 10})
    assert tracker.position("c_a") == 10
    assert tracker.position("c_b") == 0
    assert tracker.offer("c_b", 2, "b2") == []
    assert tracker.offer("c_a", 11, "a11") == ["a11"]
    assert tracker.gap("c_a") is None
    assert tracker.gap("c_b") == Gap("c_b", 1, 1)


def test_gap_reports_only_the_first_missing_range() -> None:
    tracker = SeqTracker()
    tracker.offer(CONV, 1, "e1")
    tracker.offer(CONV, 5, "e5")
    tracker.offer(CONV, 9, "e9")
    assert tracker.gap(CONV) == Gap(CONV, 2, 4)
    assert tracker.offer(CONV, 2, "e2") == ["e2"]
    assert tracker.gap(CONV) == Gap(CONV, 3, 4)


@st.composite
def shuffled_with_duplicates(draw: st.DrawFn) -> tuple[int, list[int]]:
    n = draw(st.integers(0, 40))
    extra = draw(st.lists(st.integers(1, n), max_size=20)) if n else []
    arrivals = draw(st.permutations(list(range(1, n + 1)) + extra))
    return n, arrivals


@given(shuffled_with_duplicates())
def test_any_arrival_order_yields_each_event_once_in_order(case: tuple[int, list[int]]) -> None:
    n, arrivals = case
    tracker = SeqTracker()
    applied: list[object] = []
    for seq in arrivals:
        applied.extend(tracker.offer(CONV, seq, f"e{seq}"))
    assert applied == [f"e{seq}" for seq in range(1, n + 1)]
    assert tracker.position(CONV) == n
    assert tracker.gap(CONV) is None


@given(shuffled_with_duplicates())
def test_gap_always_names_the_first_missing_range_while_events_are_held(case: tuple[int, list[int]]) -> None:
    _, arrivals = case
    tracker = SeqTracker()
    seen: set[int] = set()
    for seq in arrivals:
        tracker.offer(CONV, seq, seq)
        seen.add(seq)
        contiguous = 0
        while contiguous + 1 in seen:
            contiguous += 1
        held = {s for s in seen if s > contiguous}
        assert tracker.position(CONV) == contiguous
        expected = Gap(CONV, contiguous + 1, min(held) - 1) if held else None
        assert tracker.gap(CONV) == expected
