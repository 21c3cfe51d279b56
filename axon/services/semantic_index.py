"""Semantic search, the reading side: the ``SemanticIndex`` port over vectors kept in memory.

Every node keeps, per organisation, a float32 matrix of the vectors in ``search_vectors``, built on
the organisation's first query and brought up to date before each query by reading the rows
written since its last look (``version`` only grows, in commit order: a row written by any node,
or emptied by a delete, is seen by every node's next query). A query is one matrix-vector product
over the rows of the conversations it may see (a mask), the top ``limit`` kept if at least
``floor`` similar. Brute force on purpose: measured faster than ``usearch`` and ``sqlite-vec``
with a conversation filter up to about a million vectors per organisation (docs/search.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import TypeVar

import numpy as np

from ..store import search_vectors as store
from ..store.database import Conn
from ..store.search_vectors import StoredVector
from .ports import Embedder, SemanticHit

T = TypeVar("T")
Read = Callable[[Callable[[Conn], T]], Awaitable[T]]

# Below this cosine a message is not "about" the query. Tuned on 20 related pairs (Chinese, English,
# across both) and 15 unrelated queries against 20 messages: unrelated queries' best match was at
# most 0.245, related pairs' at least 0.256 but for one (0.187). See docs/search.md.
SIMILARITY_FLOOR = 0.25
# Pseudo-relevance feedback: a short query's vector is a poor description of what it asks (it lands
# among short, generic messages such as "approved 👍" that sit near everything); moving it towards
# its FEEDBACK best matches (Rocchio's q + w · mean) pulls in more of what those are about. It does
# not rescue a query whose best matches are the generic ones ("发布日期": docs/search.md).
# Textbook values, not tuned per query: on the quality corpus (62 queries) semantic P@5 / R@10 went
# 0.38 / 0.56 → 0.43 / 0.66 and hybrid 0.46 / 0.67 → 0.48 / 0.74 (docs/search.md). It costs a second
# matrix-vector product per query.
FEEDBACK = 3
FEEDBACK_WEIGHT = 0.5
_MIN_CAPACITY = 1024
_READ_PAGE = 10_000


class OrgVectors:
    """One organisation's vectors: rows of a matrix, each tagged with its conversation."""

    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions
        self.version = -1  # the (version, message id) of the last row applied: where the next read starts
        self.after_id = ""
        self._matrix = np.zeros((0, dimensions), dtype=np.float32)
        self._conversation = np.zeros(0, dtype=np.int32)  # -1: a free row
        self._ids: list[str | None] = []
        self._row_of: dict[str, int] = {}
        self._code_of: dict[str, int] = {}
        self._names: list[str] = []  # conversation ids by code
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._row_of)

    @property
    def nbytes(self) -> int:
        return self._matrix.nbytes + self._conversation.nbytes

    def apply(self, changes: Iterable[StoredVector]) -> None:
        for change in changes:
            if change.vector is None:
                self._drop(change.message_id)
            else:
                self._put(change.message_id, change.conversation_id, change.vector)
            self.version, self.after_id = change.version, change.message_id

    def nearest(self, query: np.ndarray, conversation_ids: Iterable[str], limit: int,
                floor: float, feedback: int = 0) -> list[SemanticHit]:
        codes = [self._code_of[c] for c in conversation_ids if c in self._code_of]
        if not codes or limit <= 0:
            return []
        rows = np.flatnonzero(np.isin(self._conversation, np.asarray(codes, dtype=np.int32)))
        if not len(rows):
            return []
        similarity = self._similarity(rows, query)
        if feedback:
            # Pseudo-relevance feedback (Rocchio): the query moved towards its best few matches, if
            # it has any above the floor (a query about nothing here still finds nothing).
            f = min(feedback, len(rows))
            top = np.argpartition(-similarity, f - 1)[:f]
            top = top[similarity[top] >= floor]
            if not len(top):
                return []
            moved = query + FEEDBACK_WEIGHT * self._matrix[rows[top]].mean(axis=0)
            similarity = self._similarity(rows, (moved / np.linalg.norm(moved)).astype(np.float32))
        k = min(limit, len(rows))
        best = np.argpartition(-similarity, k - 1)[:k]
        best = best[np.argsort(-similarity[best], kind="stable")]
        return [SemanticHit(self._ids[r] or "", self._names[self._conversation[r]], float(similarity[i]))
                for i, r in ((i, int(rows[i])) for i in best) if similarity[i] >= floor]

    def _similarity(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        # A gather copies rows: for a small share of the organisation it beats the full product.
        if len(rows) * 4 < len(self._conversation):
            found: np.ndarray = self._matrix[rows] @ query
            return found
        everything: np.ndarray = (self._matrix @ query)[rows]
        return everything

    def _put(self, message_id: str, conversation_id: str, stored: bytes) -> None:
        row = self._row_of.get(message_id)
        if row is None:
            row = self._free.pop() if self._free else self._grow()
            self._row_of[message_id] = row
            self._ids[row] = message_id
        self._matrix[row] = np.frombuffer(stored, dtype="<f2")
        self._conversation[row] = self._code(conversation_id)

    def _drop(self, message_id: str) -> None:
        row = self._row_of.pop(message_id, None)
        if row is not None:
            self._ids[row] = None
            self._conversation[row] = -1
            self._matrix[row] = 0.0
            self._free.append(row)

    def _grow(self) -> int:
        used = len(self._ids)
        if used == len(self._conversation):
            capacity = max(_MIN_CAPACITY, used * 2)
            matrix = np.zeros((capacity, self.dimensions), dtype=np.float32)
            matrix[:used] = self._matrix
            conversation = np.full(capacity, -1, dtype=np.int32)
            conversation[:used] = self._conversation
            self._matrix, self._conversation = matrix, conversation
        self._ids.append(None)
        return used

    def _code(self, conversation_id: str) -> int:
        code = self._code_of.get(conversation_id)
        if code is None:
            code = self._code_of[conversation_id] = len(self._names)
            self._names.append(conversation_id)
        return code


class NearestMessages:
    """``SemanticIndex``: nearest messages by meaning, from this node's copy of the vectors."""

    enabled = True

    def __init__(self, read: Read, embedder: Embedder, floor: float = SIMILARITY_FLOOR,
                 feedback: int = FEEDBACK) -> None:
        self._read = read
        self.embedder = embedder
        self.floor = floor
        self.feedback = feedback
        self._orgs: dict[str, OrgVectors] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def nearest(self, org_id: str, conversation_ids: tuple[str, ...], text: str, limit: int) -> list[SemanticHit]:
        if not conversation_ids or not text.strip() or limit <= 0:
            return []
        query = np.frombuffer((await asyncio.to_thread(self.embedder.embed, [text]))[0], dtype="<f4")
        lock = self._locks.setdefault(org_id, asyncio.Lock())
        async with lock:  # one refresh at a time, and no search while the matrix changes
            vectors = await self.refreshed(org_id)
            return await asyncio.to_thread(vectors.nearest, query, conversation_ids, limit, self.floor,
                                           self.feedback)

    async def refreshed(self, org_id: str) -> OrgVectors:
        """The organisation's vectors with every row written since the last look applied."""
        vectors = self._orgs.get(org_id)
        if vectors is None:
            vectors = self._orgs[org_id] = OrgVectors(self.embedder.dimensions)
        while True:  # page by page: a first build of a million rows never holds them all as objects
            changes = await self._read(partial(store.changed_since, org_id=org_id, version=vectors.version,
                                               after_id=vectors.after_id, limit=_READ_PAGE))
            vectors.apply(changes)
            if len(changes) < _READ_PAGE:
                return vectors


class NoSemanticSearch:
    """The node runs without semantic search (``AXON_SEMANTIC_SEARCH=false``): nothing is near."""

    enabled = False

    async def nearest(self, org_id: str, conversation_ids: tuple[str, ...], text: str, limit: int) -> list[SemanticHit]:
        return []
