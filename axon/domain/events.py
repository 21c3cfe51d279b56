"""Committed events, as plain records (encoded to frames by ``axon.protocol``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConversationEvent:
    conversation_id: str
    seq: int
    type: str
    actor_id: str | None
    created_at: int
    data_json: str  # the JSON object, encoded once when committed


@dataclass(frozen=True, slots=True)
class UserEvent:
    user_id: str
    seq: int
    type: str
    created_at: int
    data_json: str


# (stream key, first seq, last seq): a run of one conversation's or one user's events.
SeqRange = tuple[str, int, int]


def seq_ranges(keyed_seqs: list[tuple[str, int]]) -> list[SeqRange]:
    """Compress (key, seq) pairs into one range per key, keys in first-seen order.

    The seqs one transaction allocates for a stream are consecutive (the stream's row is
    locked until commit), so a committed batch's events of one key are exactly one range.
    Anything else is a bug upstream, and refused here rather than silently widened.
    """
    lows: dict[str, int] = {}
    highs: dict[str, int] = {}
    for key, seq in keyed_seqs:
        if key not in lows:
            lows[key] = highs[key] = seq
        elif seq == highs[key] + 1:
            highs[key] = seq
        else:
            raise ValueError(f"seqs of {key} in one batch are not consecutive ({highs[key]} then {seq})")
    return [(key, low, highs[key]) for key, low in lows.items()]
