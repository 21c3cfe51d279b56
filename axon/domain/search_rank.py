"""Mixing keyword and semantic results: reciprocal rank fusion.

Each list votes ``1 / (K + rank)`` (rank from 1) for every message in it; a message in both lists
gets both votes. Scores of the two engines are not comparable (BM25 against cosine), ranks are: RRF
needs no tuning and is what Elasticsearch, OpenSearch and Vespa use for hybrid search. K = 60 keeps
the first few places of either list from drowning the rest (Cormack, Clarke and Büttcher, 2009).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

K = 60

Source = Literal["keyword", "semantic", "both"]


@dataclass(frozen=True, slots=True)
class Fused:
    message_id: str
    score: float
    match: Source


def fuse(keyword: Sequence[str], semantic: Sequence[str], k: int = K) -> list[Fused]:
    """Message ids of both lists (each best first, no repeats) by fused score, best first; ties keep
    keyword order before semantic order."""
    scores: dict[str, float] = {}
    order: dict[str, int] = {}
    sources: dict[str, set[str]] = {}
    for name, ids in (("keyword", keyword), ("semantic", semantic)):
        for rank, message_id in enumerate(dict.fromkeys(ids), start=1):
            scores[message_id] = scores.get(message_id, 0.0) + 1.0 / (k + rank)
            order.setdefault(message_id, len(order))
            sources.setdefault(message_id, set()).add(name)
    ranked = sorted(scores, key=lambda m: (-scores[m], order[m]))
    return [Fused(m, scores[m], _label(sources[m])) for m in ranked]


def _label(found_by: set[str]) -> Source:
    if len(found_by) == 2:
        return "both"
    return "keyword" if "keyword" in found_by else "semantic"
