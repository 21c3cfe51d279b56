"""Read and delivery receipts from the members' markers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from axon.domain.receipts import tally_receipts

SENDER = "u_sender"


def mark(user: str, read: int, delivered: int) -> dict:
    return {"user_id": user, "read_seq": read, "delivered_seq": delivered}


def test_readers_and_recipients_are_those_whose_markers_reached_the_message() -> None:
    marks = [mark("u_a", 5, 5), mark("u_b", 4, 5), mark("u_c", 3, 4), mark(SENDER, 9, 9)]
    tally = tally_receipts(5, SENDER, marks, hiding_reads=set())
    assert tally.read_by == ["u_a"] and tally.delivered_to == ["u_a", "u_b"]


def test_a_member_who_hides_reads_still_counts_as_delivered_to() -> None:
    tally = tally_receipts(5, SENDER, [mark("u_shy", 7, 7)], hiding_reads={"u_shy"})
    assert tally.read_by == [] and tally.delivered_to == ["u_shy"]


@given(seq=st.integers(1, 50), hidden=st.sets(st.sampled_from(["u_a", "u_b", SENDER])),
       positions=st.lists(st.tuples(st.sampled_from(["u_a", "u_b", "u_c", SENDER]), st.integers(0, 60),
                                    st.integers(0, 60)), max_size=4, unique_by=lambda t: t[0]))
def test_the_sender_and_hidden_readers_are_never_listed_as_readers(
        seq: int, hidden: set[str], positions: list[tuple[str, int, int]]) -> None:
    tally = tally_receipts(seq, SENDER, [mark(u, r, d) for u, r, d in positions], hidden)
    assert SENDER not in tally.read_by and SENDER not in tally.delivered_to
    assert not set(tally.read_by) & hidden
    assert set(tally.read_by) <= {u for u, r, _ in positions if r >= seq}
