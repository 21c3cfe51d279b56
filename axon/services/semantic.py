"""Semantic search, the writing side: a durable consumer that keeps one sentence vector per message.

``SemanticIndexer`` (consumer ``search_vectors``) embeds the texts of ``message.new`` and
``message.edited`` in ``prepare`` — in worker threads, off the group-commit writer that every send
waits for — and ``apply_prepared`` writes them with the cursor move; ``message.deleted`` (a delete,
or retention's erasure, which is the same ``erase_message``) empties the row. Committed events never
change, so preparing a page again after a crash gives the same rows. The reading side, the
nearest-neighbour search, is ``services/semantic_index.py``. See docs/search.md, "Semantic search".
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from ..store import search_vectors as store
from ..store.event_log import CommittedPage
from ..store.search_vectors import NewVector
from ..store.tx import Tx
from . import message_events as events
from .ports import Embedder

EMBED_BATCH = 256  # texts per worker-thread call: a query waiting for CPU waits for at most one batch
CPU_SHARE = 0.25  # of one core, at most, for embedding in the background (AXON_SEMANTIC_CPU_SHARE)
BUSY_PAUSE = 0.5  # seconds between looks at whether the node is still busy writing
BUSY_WRITES_PER_S = 500  # committed writes a second above which a node counts as busy (see WriteRate)
BACKGROUND_NICENESS = 19  # the embedding thread's: it runs when the node has nothing more urgent

_T = TypeVar("_T")


def _lower_priority() -> None:
    # Linux schedules threads one by one: this thread (and the BLAS work it runs without the GIL)
    # gets a core's idle time first, and little of it while the send path keeps the core busy.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


@functools.cache
def _background_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(1, thread_name_prefix="axon-embed", initializer=_lower_priority)


class WriteRate:
    """Is the node busy writing? Committed write operations per second since the last look, from the
    group-commit writer's counter (a send is one). Embedding waits while it is above the threshold."""

    def __init__(self, ops: Callable[[], int], threshold: float = BUSY_WRITES_PER_S) -> None:
        self._ops = ops
        self._threshold = threshold
        self._last = (time.monotonic(), ops())

    def busy(self) -> bool:
        now, ops = time.monotonic(), self._ops()
        then, before = self._last
        self._last = (now, ops)
        return (ops - before) / max(now - then, 1e-3) > self._threshold


class CpuShare:
    """Keeps background CPU work to a share of one core: after a piece of work that took t seconds, it
    rests t · (1 − share) / share. Embedding costs about 1 ms a message: unthrottled, a burst of sends
    made the consumer take the CPU the send path needed (W4 halved: 7.2k → 3.6k acked sends/s). With
    a share, a low priority (``BACKGROUND_NICENESS``) and a pause while the node is busy writing
    (``busy``, a ``WriteRate``), vectors fall behind under load and catch up when the node is quieter;
    words are indexed at once by the keyword index meanwhile."""

    def __init__(self, share: float = CPU_SHARE,
                 rest: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 busy: Callable[[], bool] = lambda: False) -> None:
        if not 0 < share <= 1:
            raise ValueError("the CPU share is above 0 and at most 1")
        self.share = share
        self._rest = rest
        self._busy = busy

    async def quiet(self) -> None:
        """Until the node is not busy writing. Background consumers call it before each page, so that
        under a burst of sends they read, decode and write nothing (their own work in the node's
        process cost W4 a third of its rate with meeting times and smart replies on); they catch up
        after the burst. Under load that never ends they wait (and the outbox keeps their events)."""
        while self._busy():
            await self._rest(BUSY_PAUSE)

    async def run(self, work: Callable[[], _T]) -> _T:
        """``work`` in the low-priority embedding thread once the node is not busy writing, then the
        rest its time calls for."""
        await self.quiet()
        began = time.perf_counter()
        result = await asyncio.get_running_loop().run_in_executor(_background_thread(), work)
        if self.share < 1:
            await self._rest((time.perf_counter() - began) * (1 - self.share) / self.share)
        return result
_LINK = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@[\w.-]+")


def meaningful(text: str) -> bool:
    """Does ``text`` say something in words? Not when it is empty, only links, only emoji,
    punctuation or mentions: their vectors would sit near everything and match nothing."""
    rest = _MENTION.sub(" ", _LINK.sub(" ", text))
    return any(ch.isalpha() for ch in rest)


@dataclass(frozen=True, slots=True)
class _Change:
    conversation_id: str
    created_at: int
    text: str  # "" : forget the message


def latest_texts(page: CommittedPage) -> dict[str, _Change]:
    """Each message's last text in the page (an edit after its send, a delete after both)."""
    found: dict[str, _Change] = {}
    for e in page.conversation_events:
        if e.type == "message.new":
            m = events.new.decode(e.data_json).message
            found[m.id] = _Change(e.conversation_id, e.created_at, m.text)
        elif e.type == "message.edited":
            ed = events.edited.decode(e.data_json)
            found[ed.message_id] = _Change(e.conversation_id, e.created_at, ed.text)
        elif e.type == "message.deleted":
            found[events.deleted.decode(e.data_json).message_id] = _Change(e.conversation_id, e.created_at, "")
    return found


@dataclass(frozen=True, slots=True)
class PreparedVectors:
    put: list[NewVector] = field(default_factory=list)
    forget: list[str] = field(default_factory=list)


class SemanticIndexer:
    name = "search_vectors"

    def __init__(self, embedder: Embedder, cpu: CpuShare | None = None) -> None:
        self.embedder = embedder
        self.cpu = cpu or CpuShare()

    async def prepare(self, page: CommittedPage) -> PreparedVectors:
        changes = latest_texts(page)
        if not changes:
            return PreparedVectors()
        await self.cpu.quiet()  # vectors wait while the node is busy writing: sends come first
        keep = [(mid, c) for mid, c in changes.items() if meaningful(c.text)]
        vectors: list[bytes] = []
        for start in range(0, len(keep), EMBED_BATCH):
            texts = [c.text for _, c in keep[start:start + EMBED_BATCH]]
            vectors += await self.cpu.run(lambda texts=texts: self.embedder.embed(texts))
        kept = {mid for mid, _ in keep}
        return PreparedVectors(
            put=[NewVector(mid, c.conversation_id, c.created_at, to_stored(v))
                 for (mid, c), v in zip(keep, vectors, strict=True)],
            forget=[mid for mid in changes if mid not in kept])

    def apply_prepared(self, tx: Tx, page: CommittedPage, prepared: object) -> None:
        assert isinstance(prepared, PreparedVectors)
        version = store.page_version(page.last_pos)
        store.forget_many(tx.conn, prepared.forget, version)
        store.put_many(tx.conn, prepared.put, version)


def to_stored(vector: bytes) -> bytes:
    """A float32 vector as stored: float16 (half the disk, cosines off by < 0.001; docs/search.md)."""
    return np.frombuffer(vector, dtype="<f4").astype("<f2").tobytes()
