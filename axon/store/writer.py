"""Group commit: concurrent writes share one durable transaction.

Callers ``submit`` an operation and await its result. One owned task takes
everything queued (up to ``max_batch``), applies it in a single transaction,
commits durably, publishes the committed events, and only then resolves each
caller's future. While one batch is being fsynced the next one fills up, so
throughput grows with concurrency while nothing is acked before it is durable.

Consecutive operations of a type that defines ``apply_many`` are applied
together (for example all sends of a batch with one insert per table).

If the batch transaction fails, nothing of it was committed: each operation is
then retried alone in its own transaction, so one bad operation fails only its
own caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection

from ..domain.clock import Clock
from ..domain.events import ConversationEvent, UserEvent
from .database import Database
from .tx import Tx

log = logging.getLogger("axon.writer")


class WriteOp(Protocol):
    def apply(self, tx: Tx) -> Any: ...


@dataclass(slots=True)
class Committed:
    conversation_events: list[ConversationEvent] = field(default_factory=list)
    user_events: list[UserEvent] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Failed:
    """Returned by ``apply_many`` for one operation that is refused without aborting the batch."""

    error: Exception


Publisher = Callable[[Committed], Awaitable[None] | None]


@dataclass(slots=True)
class _Pending:
    op: WriteOp
    future: asyncio.Future[Any]


_STOP: Any = object()


class GroupCommitWriter:
    def __init__(self, db: Database, clock: Clock, publish: Publisher, max_batch: int = 512) -> None:
        self._db = db
        self._clock = clock
        self._publish = publish
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self.batches = 0
        self.ops = 0

    async def submit(self, op: WriteOp) -> Any:
        return await self.enqueue(op)

    def enqueue(self, op: WriteOp) -> asyncio.Future[Any]:
        """Queue ``op`` now (so operations keep the order they were enqueued in); await the future for its result."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(op, future))
        return future

    async def run(self) -> None:
        """The writer loop: runs until ``stop``, then commits what is still queued and returns."""
        stopping = False
        while not (stopping and self._queue.empty()):
            item = await self._queue.get()
            batch: list[_Pending] = []
            for pending in [item, *self._take(self._max_batch - 1)]:
                if pending is _STOP:
                    stopping = True
                else:
                    batch.append(pending)
            if batch:
                await self._commit(batch)

    def _take(self, limit: int) -> list[_Pending]:
        taken = []
        while len(taken) < limit and not self._queue.empty():
            taken.append(self._queue.get_nowait())
        return taken

    def stop(self) -> None:
        """Ask ``run`` to finish: operations queued before this call are still committed."""
        self._queue.put_nowait(_STOP)

    async def _commit(self, batch: list[_Pending]) -> None:
        live = [p for p in batch if not p.future.cancelled()]
        if not live:
            return
        now = self._clock.now_ms()
        try:
            results, committed = await self._db.write(lambda conn: apply_all(conn, now, [p.op for p in live]))
        except Exception as exc:
            if len(live) == 1:
                _fail(live[0], exc)
                return
            log.debug("batch of %d failed; retrying each alone", len(live), exc_info=True)
            for pending in live:
                await self._commit([pending])
            return
        self.batches += 1
        self.ops += len(live)
        await self._publish_safely(committed)
        for pending, result in zip(live, results, strict=True):
            if pending.future.done():
                continue
            if isinstance(result, Failed):
                pending.future.set_exception(result.error)
            else:
                pending.future.set_result(result)

    async def _publish_safely(self, committed: Committed) -> None:
        # Publishing is best effort: the events are durable and readers repair
        # gaps from the database, so a failing bus must not fail the writes.
        try:
            maybe = self._publish(committed)
            if maybe is not None:
                await maybe
        except Exception:
            log.exception("publishing committed events failed")


def _fail(pending: _Pending, exc: BaseException) -> None:
    if not pending.future.done():
        pending.future.set_exception(exc)


def apply_all(conn: Connection, now_ms: int, ops: Sequence[WriteOp]) -> tuple[list[Any], Committed]:
    tx = Tx(conn, now_ms)
    results: list[Any] = []
    i = 0
    while i < len(ops):
        kind = type(ops[i])
        apply_many = getattr(kind, "apply_many", None)
        j = i + 1
        if apply_many is not None:
            while j < len(ops) and type(ops[j]) is kind:
                j += 1
            results.extend(apply_many(tx, ops[i:j]))
        else:
            results.append(ops[i].apply(tx))
        i = j
    tx.flush()
    return results, Committed(tx.conversation_events, tx.user_events)
