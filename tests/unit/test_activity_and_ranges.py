"""Pure rules behind the event spine's outbox and the activity consumer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axon.domain.activity import DAY_MS, DayCounts, Happening, day_range, tally, utc_day
from axon.domain.events import seq_ranges

RUNS = st.dictionaries(st.text("abc", min_size=1, max_size=3), st.tuples(st.integers(1, 10**6), st.integers(1, 50)),
                       max_size=8)


@given(RUNS, st.randoms())
def test_ranges_name_exactly_the_events_of_a_batch(runs: dict[str, tuple[int, int]], rnd: object) -> None:
    # Interleave the streams as a batch does, each stream's seqs in order.
    pending = {key: list(range(first, first + count)) for key, (first, count) in runs.items()}
    pairs: list[tuple[str, int]] = []
    while pending:
        key = rnd.choice(sorted(pending))  # type: ignore[attr-defined]
        pairs.append((key, pending[key].pop(0)))
        if not pending[key]:
            del pending[key]
    ranges = seq_ranges(pairs)
    assert {(k, s) for k, low, high in ranges for s in range(low, high + 1)} == set(pairs)
    assert len(ranges) == len({k for k, _ in pairs})


def test_a_stream_with_a_hole_in_one_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="not consecutive"):
        seq_ranges([("c", 1), ("c", 3)])


def test_tally_counts_per_organisation_and_utc_day() -> None:
    midnight = 1_780_012_800_000  # 2026-05-29T00:00:00Z
    counts = tally([
        Happening("o1", midnight - 1, "message.new"),
        Happening("o1", midnight, "message.new"),
        Happening("o1", midnight + 5, "message.new", is_reply=True),
        Happening("o1", midnight + 6, "reaction.added"),
        Happening("o1", midnight + 7, "reaction.removed"),  # not counted
        Happening("o2", midnight + 8, "member.joined"),
        Happening("o2", midnight + 9, "message.edited"),  # not counted
    ])
    assert counts == {
        ("o1", "2026-05-28"): DayCounts(messages=1),
        ("o1", "2026-05-29"): DayCounts(messages=1, replies=1, reactions=1),
        ("o2", "2026-05-29"): DayCounts(joins=1),
    }


@given(st.integers(0, 4_000_000_000_000), st.integers(1, 400))
def test_day_range_ends_today_and_has_no_gap(now: int, days: int) -> None:
    wanted = day_range(now, days)
    assert len(wanted) == days == len(set(wanted))
    assert wanted[-1] == utc_day(now) and wanted == sorted(wanted)
    assert wanted[0] == utc_day(now - (days - 1) * DAY_MS)
