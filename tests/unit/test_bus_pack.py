"""The Redis bus wire format: what one node packs, every node unpacks unchanged."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from axon.bus.base import Envelope
from axon.bus.redis import pack, unpack

envelopes = st.builds(
    Envelope,
    topic=st.sampled_from(["c", "u", "t", "r", "p", "d"]),
    key=st.text(),
    seq=st.integers(0, 2**63 - 1),
    frame=st.one_of(st.binary(), st.text().map(str.encode), st.just(b"\n"), st.just(b'["c","k",1,"",null,3]\n')),
    kind=st.text(),
    sender=st.none() | st.text(),
    conversation_id=st.text(),
    conversation_seq=st.integers(0, 2**63 - 1),
)


@given(st.lists(envelopes, max_size=20))
def test_pack_then_unpack_returns_the_same_envelopes(batch: list[Envelope]) -> None:
    assert unpack(pack(batch)) == batch


def test_frames_with_newlines_and_non_ascii_survive() -> None:
    batch = [
        Envelope("c", "c_1", 7, '{"t":"event","text":"line1\nline2 你好 👋"}'.encode(), "message.new", "u_1"),
        Envelope("t", "c_1", 0, b"", "", None),
        Envelope("p", "u_2", 0, b"\n\n", "", "u_2"),
    ]
    assert unpack(pack(batch)) == batch


def test_an_empty_batch_is_empty() -> None:
    assert unpack(pack([])) == []
