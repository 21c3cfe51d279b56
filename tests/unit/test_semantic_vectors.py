"""A node's in-memory copy of an organisation's vectors (``services/semantic_index.OrgVectors``):
rows applied in version order, replaced by edits, freed by removals and reused, searched only in
the conversations asked for, closest first, nothing under the floor."""

from __future__ import annotations

import numpy as np

from axon.services.semantic_index import FEEDBACK, OrgVectors
from axon.store.search_vectors import StoredVector

DIMS = 8


def unit(*values: float) -> np.ndarray:
    v = np.zeros(DIMS, dtype=np.float32)
    v[:len(values)] = values
    return v / np.linalg.norm(v)


def row(message_id: str, conversation_id: str, version: int, vector: np.ndarray | None) -> StoredVector:
    return StoredVector(message_id, conversation_id, version,
                        None if vector is None else vector.astype("<f2").tobytes())


def ids(vectors: OrgVectors, query: np.ndarray, conversations: tuple[str, ...], limit: int = 10,
        floor: float = 0.1) -> list[str]:
    return [h.message_id for h in vectors.nearest(query, conversations, limit, floor)]


def test_closest_first_only_in_the_conversations_asked_for_and_above_the_floor() -> None:
    v = OrgVectors(DIMS)
    v.apply([row("m1", "c1", 1, unit(1, 0)), row("m2", "c1", 1, unit(1, 1)), row("m3", "c2", 2, unit(1, 0.1)),
             row("m4", "c1", 2, unit(0, 1))])
    assert (v.version, v.after_id, len(v)) == (2, "m4", 4)
    assert ids(v, unit(1, 0), ("c1",)) == ["m1", "m2"]  # m4 is orthogonal: under the floor
    assert ids(v, unit(1, 0), ("c1", "c2")) == ["m1", "m3", "m2"]
    assert ids(v, unit(1, 0), ("c1", "c2"), limit=1) == ["m1"]
    assert ids(v, unit(1, 0), ("c3",)) == [] and ids(v, unit(1, 0), ()) == []
    hit = v.nearest(unit(1, 0), ("c2",), 1, 0.1)[0]
    assert hit.conversation_id == "c2" and abs(hit.similarity - float(unit(1, 0.1) @ unit(1, 0))) < 1e-3


def test_edits_replace_removals_free_rows_and_new_rows_reuse_them() -> None:
    v = OrgVectors(DIMS)
    v.apply([row("m1", "c1", 1, unit(1, 0)), row("m2", "c1", 1, unit(0, 1))])
    v.apply([row("m1", "c1", 2, unit(0, 0, 1))])  # edited: now about something else
    assert ids(v, unit(1, 0), ("c1",)) == [] and ids(v, unit(0, 0, 1), ("c1",)) == ["m1"]
    v.apply([row("m2", "c1", 3, None), row("gone-before", "c1", 3, None)])
    assert ids(v, unit(0, 1), ("c1",)) == [] and len(v) == 1
    before = v.nbytes
    v.apply([row("m5", "c2", 4, unit(0, 1))])
    assert ids(v, unit(0, 1), ("c2",)) == ["m5"] and v.nbytes == before  # the freed row was reused


def test_grows_past_its_first_capacity_and_keeps_every_row() -> None:
    v = OrgVectors(DIMS)
    rng = np.random.default_rng(7)
    vectors = [unit(*rng.standard_normal(DIMS)) for _ in range(3000)]
    v.apply(row(f"m{i}", f"c{i % 3}", i, vec) for i, vec in enumerate(vectors))
    assert len(v) == 3000
    for i in (0, 1500, 2999):
        assert ids(v, vectors[i], (f"c{i % 3}",), limit=1, floor=0.99) == [f"m{i}"]


def test_feedback_moves_a_short_query_towards_what_its_best_matches_are_about() -> None:
    """A short query sits between a topic (its best matches, and one more message of the topic that
    it matches only weakly) and a generic message near everything. Feedback from its best matches
    (``FEEDBACK``, Rocchio) ranks the weak match of the topic above the generic one."""
    v = OrgVectors(DIMS)
    v.apply([row("topic-1", "c", 1, unit(1, 1, 0, 0.2)), row("topic-2", "c", 1, unit(1, 1, 0, -0.2)),
             row("topic-3", "c", 1, unit(1, 1)),
             row("topic-weak", "c", 1, unit(0.3, 1, 0, 0)), row("generic", "c", 1, unit(0.6, 0, 1, 0)),
             row("other", "c", 1, unit(0, 0, 0, 1))])
    query = unit(1, 0.2)
    assert ids(v, query, ("c",), limit=4, floor=0.25)[3:] == ["generic"]
    found = [h.message_id for h in v.nearest(query, ("c",), 4, 0.25, feedback=FEEDBACK)]
    assert found[3:] == ["topic-weak"]
    # Nothing above the floor: feedback invents nothing.
    assert v.nearest(unit(0, 0, 0, 0, 1), ("c",), 3, 0.25, feedback=FEEDBACK) == []
