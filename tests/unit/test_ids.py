"""Ids: typed by prefix, sortable by creation time, never repeated."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axon.domain.ids import PREFIXES, new_id, new_token

NOW_MS = 1_780_000_000_000
_BODY = re.compile(r"[0-9a-hjkmnp-tv-z]{23}")  # Crockford base32: no i, l, o, u


@pytest.mark.parametrize(
    ("kind", "prefix"),
    [("org", "o_"), ("user", "u_"), ("device", "d_"), ("conversation", "c_"), ("message", "m_"), ("invite", "i_")],
)
def test_ids_carry_their_type_prefix(kind: str, prefix: str) -> None:
    value = new_id(kind, NOW_MS)
    assert value.startswith(prefix)
    assert _BODY.fullmatch(value[len(prefix):])


def test_every_kind_has_a_distinct_prefix() -> None:
    assert len(set(PREFIXES.values())) == len(PREFIXES)


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        new_id("banana", NOW_MS)


@given(st.integers(0, 2**48 - 2), st.integers(1, 10**9), st.sampled_from(sorted(PREFIXES)))
def test_later_ids_sort_after_earlier_ones(earlier: int, delta: int, kind: str) -> None:
    later = min(earlier + delta, 2**48 - 1)
    assert new_id(kind, earlier) < new_id(kind, later)


def test_ids_made_in_the_same_millisecond_are_unique() -> None:
    ids = {new_id("message", NOW_MS) for _ in range(10_000)}
    assert len(ids) == 10_000


def test_tokens_are_long_url_safe_and_unique() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)


@given(st.integers(0, 2**130), st.integers(1, 30))
def test_the_body_is_the_value_in_crockford_base32_digits(value: int, length: int) -> None:
    from axon.domain.ids import _ALPHABET, _b32

    encoded = _b32(value, length)
    assert len(encoded) == length
    assert sum(_ALPHABET.index(ch) * 32 ** i for i, ch in enumerate(reversed(encoded))) == value % 32 ** length


def test_a_known_id_body_is_unchanged() -> None:
    from axon.domain.ids import _b32

    # Stored ids must keep their form: this is what the per-digit encoder produced.
    assert _b32((1_780_000_000_000 << 64) | 0x0123456789ABCDEF, 23) == "00sww24h00028t5cy4tqkff"


def test_a_forked_process_makes_other_ids_than_its_parent() -> None:
    # Nodes forked from one parent (worker processes, the tests' zygote) must not replay its random
    # sequence: they would make the same ids at the same millisecond and collide on insert.
    import os

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then gone without running the parent's clean-up
        os.close(read)
        os.write(write, ",".join(new_id("invite", 0) for _ in range(5)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        child = pipe.read().decode().split(",")
    os.waitpid(pid, 0)
    parent = [new_id("invite", 0) for _ in range(5)]
    assert len(child) == 5 and not set(child) & set(parent)
