"""Group commit: concurrent writes share one durable transaction.

Callers ``submit`` an operation and await its result. One owned task takes
everything queued (up to ``max_batch``), applies it in a single transaction,
commits durably, hands the committed events to the after-commit step, and only
then resolves each caller's future. While one batch is being fsynced the next
one fills up, so throughput grows with concurrency while nothing is acked
before it is durable.

Operations are ``WriteOp`` subclasses. Consecutive operations of one type are
applied together by that type's ``apply_many`` (the default applies them one by
one; ``SendMessage`` overrides it to write all sends of a batch with one
statement per table).

Two hooks see every batch that produced events (the event spine plugs in here,
see ``axon/spine``): ``in_commit`` runs inside the transaction, after the event
rows are written (an exception aborts the batch like any failed operation);
``after_commit`` runs once the commit is durable, before any caller is answered,
and its failures are logged, never turned into failed writes.

If the batch transaction fails, nothing of it was committed: each operation is
then retried alone in its own transaction, so one bad operation fails only its
own caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from ..domain.clock import Clock
from ..domain.events import ConversationEvent, UserEvent
from .database import Database
from .tx import Tx

log = logging.getLogger("axon.writer")


class WriteOp:
    """One operation of a group commit."""

    __slots__ = ()

    def apply(self, tx: Tx) -> Any:
        raise NotImplementedError

    @classmethod
    def apply_many(cls, tx: Tx, ops: Sequence[Any]) -> list[Any]:
        """Apply consecutive operations of this type; override to share statements between them."""
        return [op.apply(tx) for op in ops]


@dataclass(slots=True)
class Committed:
    conversation_events: list[ConversationEvent] = field(default_factory=list)
    user_events: list[UserEvent] = field(default_factory=list)
    # user_event_after[i]: how many of conversation_events were appended before user_events[i]
    # (their interleaving in the transaction; empty means "after all of them").
    user_event_after: list[int] = field(default_factory=list)
    log_pos: int | None = None  # the batch's position in the durable outbox, when it is written

    def __bool__(self) -> bool:
        return bool(self.conversation_events or self.user_events)


@dataclass(frozen=True, slots=True)
class Failed:
    """Returned by ``apply_many`` for one operation that is refused without aborting the batch."""

    error: Exception


AfterCommit = Callable[[Committed], Awaitable[None] | None]
InCommit = Callable[[Tx, Committed], None]


def _nothing_in_commit(tx: Tx, committed: Committed) -> None:
    return None


@dataclass(slots=True)
class _Pending:
    op: WriteOp
    future: asyncio.Future[Any]


_STOP: Any = object()


class GroupCommitWriter:
    def __init__(self, db: Database, clock: Clock, after_commit: AfterCommit, max_batch: int = 512,
                 in_commit: InCommit = _nothing_in_commit) -> None:
        self._db = db
        self._clock = clock
        self._after_commit = after_commit
        self._in_commit = in_commit
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
            results, committed = await self._db.write(
                lambda conn: apply_all(conn, now, [p.op for p in live], self._in_commit))
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
        if committed:
            await self._after_commit_safely(committed)
        for pending, result in zip(live, results, strict=True):
            if pending.future.done():
                continue
            if isinstance(result, Failed):
                pending.future.set_exception(result.error)
            else:
                pending.future.set_result(result)

    async def _after_commit_safely(self, committed: Committed) -> None:
        # The events are durable whatever happens here (live readers repair gaps from the
        # database), so a failing consumer must not fail the writes.
        try:
            maybe = self._after_commit(committed)
            if maybe is not None:
                await maybe
        except Exception:
            log.exception("the after-commit step failed")


def _fail(pending: _Pending, exc: BaseException) -> None:
    if not pending.future.done():
        pending.future.set_exception(exc)


def apply_all(conn: Connection, now_ms: int, ops: Sequence[WriteOp],
              in_commit: InCommit = _nothing_in_commit) -> tuple[list[Any], Committed]:
    tx = Tx(conn, now_ms)
    results: list[Any] = []
    i = 0
    while i < len(ops):
        kind = type(ops[i])
        j = i + 1
        while j < len(ops) and type(ops[j]) is kind:
            j += 1
        results.extend(kind.apply_many(tx, ops[i:j]))
        i = j
    tx.flush()
    committed = Committed(tx.conversation_events, tx.user_events, tx.user_event_after)
    if committed:
        in_commit(tx, committed)
    return results, committed
