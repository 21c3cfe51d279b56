"""Sequence and gap rules shared by the gateway, the SDK and the tests.

Every conversation numbers its durable events 1, 2, 3... without gaps. A
reader that has applied everything up to ``applied`` and receives ``seq``:

- ``seq <= applied``: a duplicate (a retry, or a live event already read
  during resume): drop it;
- ``seq == applied + 1``: the next one: apply it;
- ``seq > applied + 1``: events ``applied+1 .. seq-1`` were missed: fetch them
  first, then apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

MAX_SEQ = 2**63 - 1  # seqs are stored as BIGINT: a position a client names is clamped into range


class Arrival(Enum):
    DUPLICATE = "duplicate"
    NEXT = "next"
    GAP = "gap"


def classify(applied: int, seq: int) -> Arrival:
    if seq <= applied:
        return Arrival.DUPLICATE
    if seq == applied + 1:
        return Arrival.NEXT
    return Arrival.GAP


@dataclass(frozen=True, slots=True)
class Gap:
    conversation_id: str
    first_missing: int
    last_missing: int


def missing_range(conversation_id: str, applied: int, seq: int) -> Gap | None:
    if classify(applied, seq) is not Arrival.GAP:
        return None
    return Gap(conversation_id, applied + 1, seq - 1)


@dataclass(frozen=True, slots=True)
class ResumeWindow:
    """What to send one conversation's device on resume: seqs ``after+1 .. upto``.

    ``truncated`` means the gap was larger than the window and only the newest
    ``limit`` events are sent: the device backfills older ones through history.
    """

    conversation_id: str
    after: int
    upto: int
    truncated: bool


def plan_resume(conversation_id: str, client_seq: int, server_seq: int, limit: int) -> ResumeWindow | None:
    if client_seq >= server_seq:
        return None
    missing = server_seq - client_seq
    if missing <= limit:
        return ResumeWindow(conversation_id, client_seq, server_seq, truncated=False)
    return ResumeWindow(conversation_id, server_seq - limit, server_seq, truncated=True)


class SeqTracker:
    """Per-conversation positions of one reader, with out-of-order buffering.

    ``offer`` returns the events that became applicable in order; events after a
    gap are held until the gap is filled (by a later ``offer`` of the missing ones).
    """

    def __init__(self, positions: dict[str, int] | None = None) -> None:
        self.applied: dict[str, int] = dict(positions or {})
        self._held: dict[str, dict[int, object]] = {}

    def position(self, conversation_id: str) -> int:
        return self.applied.get(conversation_id, 0)

    def offer(self, conversation_id: str, seq: int, item: object) -> list[object]:
        applied = self.applied.get(conversation_id, 0)
        kind = classify(applied, seq)
        if kind is Arrival.DUPLICATE:
            return []
        if kind is Arrival.GAP:
            self._held.setdefault(conversation_id, {})[seq] = item
            return []
        ready = [item]
        applied = seq
        held = self._held.get(conversation_id)
        while held and applied + 1 in held:
            applied += 1
            ready.append(held.pop(applied))
        if held is not None and not held:
            del self._held[conversation_id]
        self.applied[conversation_id] = applied
        return ready

    def gap(self, conversation_id: str) -> Gap | None:
        held = self._held.get(conversation_id)
        if not held:
            return None
        return Gap(conversation_id, self.position(conversation_id) + 1, min(held) - 1)
