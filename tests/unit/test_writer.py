"""Group commit: batching, per-caller results and failures, publish after commit.

The database is a fake whose ``write(fn)`` runs ``fn`` on a stub connection, as
the real one runs it inside a transaction: an exception from ``fn`` is a
rolled-back transaction. The operations below never touch the connection except
through ``Tx`` event recording, so no SQL semantics are being faked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite

from axon.domain.clock import FakeClock
from axon.domain.errors import Conflict
from axon.store.tx import Tx
from axon.store.writer import Committed, Failed, GroupCommitWriter, WriteOp


class StubConnection:
    dialect = sqlite.dialect()

    def __init__(self) -> None:
        self.info: dict[str, Any] = {}  # no keyring attached: sealing is off (store/sealing.py)

    def execute(self, statement: Any, params: Any = None) -> None:
        pass

    def exec_driver_sql(self, statement: str, params: Any = None) -> None:
        pass  # Tx.flush inserts the event rows here


class FakeDatabase:
    dialect = "fake"

    def __init__(self) -> None:
        self.transactions = 0

    async def write(self, fn: Callable[[Any], Any]) -> Any:
        self.transactions += 1
        return fn(StubConnection())


@dataclass
class Echo(WriteOp):
    value: Any

    def apply(self, tx: Tx) -> Any:
        return self.value


class Boom(WriteOp):
    def apply(self, tx: Tx) -> Any:
        raise ValueError("this operation is broken")


@dataclass
class Batched(WriteOp):
    """An operation type applied many-at-once, recording each group it was given."""

    value: int
    groups: list[list[int]]
    refuse: bool = False

    def apply(self, tx: Tx) -> Any:
        return Batched.apply_many(tx, [self])[0]

    @classmethod
    def apply_many(cls, tx: Tx, ops: Sequence[Batched]) -> list[Any]:
        ops[0].groups.append([op.value for op in ops])
        return [Failed(Conflict("refused")) if op.refuse else op.value for op in ops]


@dataclass
class Emit(WriteOp):
    seq: int

    def apply(self, tx: Tx) -> int:
        return tx.conversation_event("c_1", "message.new", "u_1", {"n": self.seq}, seq=self.seq).seq


@dataclass
class Recorder:
    """A publisher that notes each committed batch and whether any caller had already been answered."""

    futures: list[asyncio.Future[Any]] = field(default_factory=list)
    published: list[list[int]] = field(default_factory=list)
    answered_before_publish: bool = False

    def __call__(self, committed: Committed) -> None:
        self.published.append([e.seq for e in committed.conversation_events])
        self.answered_before_publish |= any(f.done() for f in self.futures)


def outcome(future: asyncio.Future[Any]) -> Any:
    return future.exception() or future.result()


async def drain(writer: GroupCommitWriter, ops: list[Any]) -> list[asyncio.Future[Any]]:
    """Queue ``ops`` as concurrent callers would, then let the writer commit them all and stop."""
    futures = [writer.enqueue(op) for op in ops]
    writer.stop()
    await writer.run()
    return futures


def make_writer(publish: Callable[[Committed], Any] = lambda _: None, max_batch: int = 512) -> GroupCommitWriter:
    return GroupCommitWriter(FakeDatabase(), FakeClock(), publish, max_batch)  # type: ignore[arg-type]


def transactions(writer: GroupCommitWriter) -> int:
    return writer._db.transactions  # type: ignore[attr-defined, no-any-return]


async def test_queued_operations_share_one_transaction_and_each_caller_gets_its_result() -> None:
    writer = make_writer()
    futures = await drain(writer, [Echo(i) for i in range(5)])
    assert [outcome(f) for f in futures] == [0, 1, 2, 3, 4]
    assert transactions(writer) == 1
    assert (writer.batches, writer.ops) == (1, 5)


async def test_consecutive_operations_of_a_batched_type_are_applied_together_in_order() -> None:
    groups: list[list[int]] = []
    ops = [Batched(1, groups), Batched(2, groups), Echo("x"), Batched(3, groups), Batched(4, groups)]
    futures = await drain(make_writer(), ops)
    assert groups == [[1, 2], [3, 4]]
    assert [outcome(f) for f in futures] == [1, 2, "x", 3, 4]


async def test_a_refused_operation_fails_only_its_caller_without_aborting_the_batch() -> None:
    groups: list[list[int]] = []
    writer = make_writer()
    futures = await drain(writer, [Batched(1, groups), Batched(2, groups, refuse=True), Batched(3, groups)])
    assert outcome(futures[0]) == 1
    assert isinstance(outcome(futures[1]), Conflict)
    assert outcome(futures[2]) == 3
    assert transactions(writer) == 1


async def test_a_failing_operation_fails_only_its_caller() -> None:
    writer = make_writer()
    futures = await drain(writer, [Echo(1), Boom(), Echo(3)])
    assert outcome(futures[0]) == 1
    assert isinstance(outcome(futures[1]), ValueError)
    assert outcome(futures[2]) == 3
    assert transactions(writer) == 1 + 3  # the failed batch, then each operation alone


async def test_events_are_published_once_per_commit_before_any_caller_is_answered() -> None:
    recorder = Recorder()
    writer = make_writer(recorder)
    futures = [writer.enqueue(Emit(1)), writer.enqueue(Emit(2))]
    recorder.futures = futures
    writer.stop()
    await writer.run()
    assert recorder.published == [[1, 2]]
    assert not recorder.answered_before_publish
    assert [outcome(f) for f in futures] == [1, 2]


async def test_events_of_a_rolled_back_batch_are_never_published() -> None:
    recorder = Recorder()
    futures = await drain(make_writer(recorder), [Emit(1), Boom(), Emit(2)])
    assert recorder.published == [[1], [2]]
    assert isinstance(outcome(futures[1]), ValueError)


async def test_events_carry_the_commit_time_from_the_clock() -> None:
    seen: list[int] = []
    writer = make_writer(lambda c: seen.extend(e.created_at for e in c.conversation_events))
    await drain(writer, [Emit(1)])
    assert seen == [FakeClock().now_ms()]


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_a_failing_publisher_does_not_fail_durable_writes(asynchronous: bool) -> None:
    def broken(_: Committed) -> None:
        raise ConnectionError("bus down")

    async def broken_async(_: Committed) -> None:
        raise ConnectionError("bus down")

    futures = await drain(make_writer(broken_async if asynchronous else broken), [Emit(1), Emit(2)])
    assert [outcome(f) for f in futures] == [1, 2]


async def test_an_asynchronous_publisher_is_awaited() -> None:
    published: list[int] = []

    async def publish(committed: Committed) -> None:
        await asyncio.sleep(0)
        published.extend(e.seq for e in committed.conversation_events)

    await drain(make_writer(publish), [Emit(1)])
    assert published == [1]


async def test_operations_of_callers_who_gave_up_are_not_applied() -> None:
    groups: list[list[int]] = []
    writer = make_writer()
    futures = [writer.enqueue(Batched(1, groups)), writer.enqueue(Batched(2, groups))]
    futures[0].cancel()
    writer.stop()
    await writer.run()
    assert groups == [[2]]
    assert outcome(futures[1]) == 2


async def test_batches_are_bounded_by_max_batch() -> None:
    writer = make_writer(max_batch=2)
    futures = await drain(writer, [Echo(i) for i in range(5)])
    assert [outcome(f) for f in futures] == [0, 1, 2, 3, 4]
    assert transactions(writer) == 3


async def test_concurrent_callers_share_transactions_and_stop_lets_the_queue_finish() -> None:
    writer = make_writer()
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(writer.run())
        assert await writer.submit(Echo("first")) == "first"
        results = await asyncio.gather(*(writer.submit(Echo(i)) for i in range(10)))
        late = writer.enqueue(Echo("queued before stop"))
        writer.stop()
    assert results == list(range(10))
    assert late.result() == "queued before stop"
    assert writer.ops == 12
    assert writer.batches <= 3  # group commit: far fewer transactions than operations
