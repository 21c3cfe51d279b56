"""Who has read or received a message, from the members' markers."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Receipts:
    read_by: list[str]
    delivered_to: list[str]


def tally_receipts(seq: int, sender_id: str, marks: Iterable[Mapping[str, Any]],
                   hiding_reads: Collection[str]) -> Receipts:
    """A member read (received) the message at ``seq`` when their read (delivered) marker reached it.

    The sender is never counted. Members in ``hiding_reads`` turned read receipts off: they
    are left out of ``read_by`` but still count as delivered to, which reveals no reading.
    """
    marks = [m for m in marks if m["user_id"] != sender_id]
    return Receipts(
        read_by=[m["user_id"] for m in marks if m["read_seq"] >= seq and m["user_id"] not in hiding_reads],
        delivered_to=[m["user_id"] for m in marks if m["delivered_seq"] >= seq],
    )
