"""Durable consumers: every committed batch exactly once, in commit order, across crashes.

A consumer implements ``apply(tx, page)``. Its runner reads the outbox
(``store/event_log``) after the consumer's cursor, a page at a time, and submits one
write operation that moves the cursor from where it was read to the page's end *and*
applies the consumer's effect. Both commit together or not at all, so after a
``kill -9`` the consumer resumes exactly after the last page whose effect is durable:
nothing skipped, nothing applied twice.

With several nodes each runs the consumer, but only one at a time makes progress: the
cursor row carries a lease (renewed by every move) and the move is conditional on the
position read, so a node that lost the race applies nothing and backs off.

A consumer with work that needs no transaction (cutting text into words, computing vectors)
implements ``PreparingConsumer`` instead: the runner awaits ``prepare(page)`` first, outside the
writer, and hands its result to ``apply_prepared`` inside the transaction. The writer — which every
send waits for — then runs only the consumer's statements. Preparing a page again after a crash
or a lost race must give the same effect: so preparation depends on the page (committed events
never change), or on current state that a later page corrects (the keyword index re-reads an
edited message and upserts what it is now; a newer edit brings its own page).

A consumer whose effect lies outside the database (a webhook, a push) cannot commit it
with the cursor; such consumers belong on the same runner with at-least-once delivery
(effect first, then the move) and idempotent receivers — added with the first of them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from typing_extensions import TypeIs

from ..domain.clock import Clock
from ..store import event_log
from ..store.database import Database
from ..store.event_log import CommittedPage
from ..store.tx import Tx
from ..store.writer import Committed, GroupCommitWriter, WriteOp

log = logging.getLogger("axon.spine")
_RECENT_LIMIT = 4096  # local batches kept for a runner that has not applied them yet


class DurableConsumer(Protocol):
    name: str  # the cursor's key: stable across releases

    def apply(self, tx: Tx, page: CommittedPage) -> None:
        """Apply the page's effect inside the transaction that moves the cursor past it."""


class PreparingConsumer(Protocol):
    name: str

    async def prepare(self, page: CommittedPage) -> object:
        """The page's effect worked out off the writer (in a worker thread if it is CPU work)."""

    def apply_prepared(self, tx: Tx, page: CommittedPage, prepared: object) -> None:
        """Write what ``prepare`` worked out, inside the transaction that moves the cursor."""


def _prepares(consumer: DurableConsumer | PreparingConsumer) -> TypeIs[PreparingConsumer]:
    return hasattr(consumer, "apply_prepared")


class CursorMoved(Exception):
    """Another node holds the consumer's lease or moved its cursor first."""


class _Advance(WriteOp):
    __slots__ = ("runner", "expected", "page", "prepared")

    def __init__(self, runner: DurableRunner, expected: int, page: CommittedPage, prepared: object) -> None:
        self.runner = runner
        self.expected = expected
        self.page = page
        self.prepared = prepared

    def apply(self, tx: Tx) -> int:
        r = self.runner
        if not event_log.advance_cursor(tx.conn, r.consumer.name, self.expected, self.page.last_pos, r.node_id,
                                        tx.now_ms, int(r.lease * 1000)):
            raise CursorMoved(r.consumer.name)
        consumer = r.consumer
        if _prepares(consumer):
            consumer.apply_prepared(tx, self.page, self.prepared)
        else:
            consumer.apply(tx, self.page)
        event_log.prune(tx.conn, r.prune_with)
        return self.page.last_pos


class _OpenCursor(WriteOp):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def apply(self, tx: Tx) -> int:
        return event_log.open_cursor(tx.conn, self.name)


class DurableRunner:
    """Runs one durable consumer: owned by the node's runtime, cancelled on shutdown."""

    def __init__(self, consumer: DurableConsumer | PreparingConsumer, db: Database, writer: GroupCommitWriter,
                 clock: Clock, node_id: str, *, page_size: int = 32, poll_interval: float = 1.0, lease: float = 10.0,
                 linger: float = 0.25) -> None:
        self.consumer = consumer
        self.node_id = node_id
        self.lease = lease
        self.prune_with = [consumer.name]  # the durable consumers whose cursors bound what may be deleted
        self._db = db
        self._writer = writer
        self._clock = clock
        self._page_size = page_size
        self._poll = poll_interval
        self._linger = linger
        self._wake = asyncio.Event()
        self.position: int | None = None
        self.applied_pages = 0
        self.pages_from_memory = 0
        self._page_was_full = False
        # Batches this node committed, by outbox position, until applied: most pages are served
        # from here instead of being read back from the database (bounded: older ones are read).
        self._recent: dict[int, Committed] = {}

    def wake(self) -> None:
        self._wake.set()

    def offer(self, committed: Committed) -> None:
        """A local commit is durable (the spine's listener): keep its batch and wake up."""
        if committed.log_pos is not None:
            self._recent[committed.log_pos] = committed
            if len(self._recent) > _RECENT_LIMIT:
                del self._recent[next(iter(self._recent))]
        self._wake.set()

    async def run(self) -> None:
        self.position = await self._writer.submit(_OpenCursor(self.consumer.name))
        failures = 0
        while True:
            self._wake.clear()
            try:
                moved = await self.step()
                failures = 0
                if moved and not self._page_was_full:
                    # Caught up: let the next commits gather for a moment, so that a busy node
                    # pays one consumer transaction per ``linger`` rather than one per commit.
                    await self._clock.sleep(self._linger)
                    continue
            except CursorMoved:
                moved = False
                await self._reload()
                await self._clock.sleep(await self._until_lease_ends())
            except Exception:
                # The page is not skipped: the same page is tried again, later and later.
                failures += 1
                log.exception("durable consumer %r failed (attempt %d)", self.consumer.name, failures)
                await self._clock.sleep(min(self._poll * 2 ** failures, 60.0))
                continue
            if not moved:
                await self._idle()

    async def step(self) -> bool:
        """Apply the next page if there is one; True if the cursor moved."""
        after = self.position
        assert after is not None, "run() opens the cursor first"
        page = self._page_from_memory(after)
        if page is None:
            page = await self._db.read(lambda c: event_log.page_after(c, after, self._page_size))
        else:
            self.pages_from_memory += 1
        if page is None:
            return False
        self._page_was_full = page.last_pos - page.first_pos + 1 >= self._page_size
        consumer = self.consumer
        prepared = await consumer.prepare(page) if _prepares(consumer) else None
        self.position = await self._writer.submit(_Advance(self, after, page, prepared))
        self.applied_pages += 1
        for pos in [p for p in self._recent if p <= page.last_pos]:
            del self._recent[pos]
        return True

    def _page_from_memory(self, after: int) -> CommittedPage | None:
        """The next positions, if this node committed every one of them (otherwise: read them)."""
        batches: list[Committed] = []
        while len(batches) < self._page_size and (batch := self._recent.get(after + len(batches) + 1)) is not None:
            batches.append(batch)
        if not batches:
            return None
        # Commit order already keeps each conversation's (and user's) events in seq order.
        conversation = [e for b in batches for e in b.conversation_events]
        user = [e for b in batches for e in b.user_events]
        return CommittedPage(after + 1, after + len(batches), conversation, user)

    async def _reload(self) -> None:
        name = self.consumer.name
        self.position = await self._db.read(lambda c: event_log.cursor(c, name))

    async def _until_lease_ends(self) -> float:
        """Seconds until another node's lease runs out (a node killed a moment ago holds one for up
        to ``lease``): try again then, not later; at most ``lease / 2`` while that node still moves it."""
        name = self.consumer.name
        ends = await self._db.read(lambda c: event_log.lease_until(c, name))
        return min(self.lease / 2, max(0.05, (ends - self._clock.now_ms()) / 1000 + 0.05))

    async def _idle(self) -> None:
        """Until a local commit wakes us or the poll interval passes (commits of other nodes)."""
        if self._wake.is_set():
            return
        waiter = asyncio.ensure_future(self._wake.wait())
        sleeper = asyncio.ensure_future(self._clock.sleep(self._poll))
        try:
            await asyncio.wait((waiter, sleeper), return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            sleeper.cancel()
            await asyncio.gather(waiter, sleeper, return_exceptions=True)
