"""The event spine on a real store: the outbox, durable runners and their cursors, sink isolation.

Each test builds the writer and spine over a migrated SQLite file (or a fresh PostgreSQL
database when ``AXON_TEST_DATABASE_URL`` is set) and drives runners step by step.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from axon.domain.activity import DayCounts
from axon.spine.durable import CursorMoved, DurableRunner
from axon.spine.spine import EventSpine
from axon.store import activity, event_log
from axon.store.database import Database, open_database
from axon.store.event_log import CommittedPage
from axon.store.tx import Tx
from axon.store.writer import Committed, GroupCommitWriter, WriteOp
from axon.testing.clock import FakeClock
from tests.support.people import eventually


class Emit(WriteOp):
    """Commit ``count`` events in one conversation (and one user event), as a use case would."""

    def __init__(self, conversation_id: str, first_seq: int, count: int = 1, user_id: str | None = None) -> None:
        self.conversation_id, self.first_seq, self.count, self.user_id = conversation_id, first_seq, count, user_id

    def apply(self, tx: Tx) -> None:
        for seq in range(self.first_seq, self.first_seq + self.count):
            tx.conversation_event(self.conversation_id, "message.new", "u_1",
                                  {"message": {"id": f"m{seq}", "reply_to": None}}, seq=seq)
        if self.user_id:
            tx.user_events.append(_user_event(self.user_id, self.first_seq))


def _user_event(user_id: str, seq: int) -> Any:
    from axon.domain.events import UserEvent

    return UserEvent(user_id, seq, "read_marker", 1, '{"seq": 1}')


class Fn(WriteOp):
    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def apply(self, tx: Tx) -> Any:
        return self.fn(tx)


class CountingConsumer:
    """Adds one message per event to ``org_activity`` (a real effect in the same transaction).

    ``fail_after_effect`` makes the next apply raise *after* writing: the transaction must
    roll the effect back with the cursor, so the retry counts the page once."""

    def __init__(self, name: str = "counting") -> None:
        self.name = name
        self.fail_after_effect = 0
        self.pages: list[tuple[int, int]] = []

    def apply(self, tx: Tx, page: CommittedPage) -> None:
        activity.add(tx.conn, {("o_1", "2026-12-01"): DayCounts(messages=len(page.conversation_events))})
        if self.fail_after_effect:
            self.fail_after_effect -= 1
            raise RuntimeError("consumer crashed mid-page")
        self.pages.append((page.first_pos, page.last_pos))


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[tuple[Database, GroupCommitWriter, EventSpine]]:
    db = open_database(database_url)
    spine = EventSpine()
    writer = GroupCommitWriter(db, FakeClock(), spine.after_commit, 512, spine.in_commit)
    task = asyncio.create_task(writer.run())
    yield db, writer, spine
    writer.stop()
    await task
    await db.close()


def _runner(consumer: Any, db: Database, writer: GroupCommitWriter, spine: EventSpine, node: str = "n_a",
            **kwargs: Any) -> DurableRunner:
    runner = DurableRunner(consumer, db, writer, FakeClock(), node, **kwargs)
    spine.add_durable_listener(runner.offer)
    return runner


async def _open(runner: DurableRunner, writer: GroupCommitWriter) -> None:
    from axon.spine.durable import _OpenCursor

    runner.position = await writer.submit(_OpenCursor(runner.consumer.name))


async def _counted(db: Database) -> int:
    days = await db.read(lambda c: activity.days(c, "o_1", "2026-12-01", "2026-12-01"))
    return days["2026-12-01"].messages if days else 0


async def _drain(runner: DurableRunner) -> None:
    while await runner.step():
        pass


async def test_the_outbox_holds_every_committed_batch_once_in_commit_order(store: Any) -> None:
    db, writer, spine = store
    runner = _runner(CountingConsumer(), db, writer, spine, page_size=1000)
    await _open(runner, writer)
    await asyncio.gather(*(writer.submit(Emit(f"c_{i % 3}", 1 + i // 3, user_id="u_1" if i == 4 else None))
                           for i in range(30)))
    await writer.submit(Emit("c_9", 1, count=5))
    page = await db.read(lambda c: event_log.page_after(c, 0, 1000))
    assert page is not None and page.first_pos == 1
    assert sorted((e.conversation_id, e.seq) for e in page.conversation_events) == sorted(
        [(f"c_{i % 3}", 1 + i // 3) for i in range(30)] + [("c_9", s) for s in range(1, 6)])
    assert [(e.user_id, e.seq) for e in page.user_events] == [("u_1", 2)]
    head = await db.read(event_log.head)
    assert page.last_pos == head  # positions are dense: one per batch, no hole


async def test_a_batch_without_events_leaves_no_outbox_row(store: Any) -> None:
    db, writer, spine = store
    _runner(CountingConsumer(), db, writer, spine)
    await writer.submit(Fn(lambda tx: None))
    assert await db.read(event_log.head) == 0


async def test_a_runner_applies_every_page_once_even_when_the_consumer_fails_mid_page(store: Any) -> None:
    db, writer, spine = store
    consumer = CountingConsumer()
    runner = _runner(consumer, db, writer, spine, page_size=4)
    await _open(runner, writer)
    for i in range(10):
        await writer.submit(Emit("c_1", 1 + 2 * i, count=2))
    consumer.fail_after_effect = 1
    with pytest.raises(RuntimeError, match="mid-page"):
        await runner.step()
    assert await _counted(db) == 0  # the effect rolled back with the cursor
    assert runner.position == 0
    await _drain(runner)
    assert await _counted(db) == 20
    assert consumer.pages == [(1, 4), (5, 8), (9, 10)]
    assert await db.read(lambda c: event_log.cursor(c, "counting")) == 10


async def test_pages_every_consumer_has_passed_are_deleted(store: Any) -> None:
    db, writer, spine = store
    fast, slow = CountingConsumer("fast"), CountingConsumer("slow")
    runners = [_runner(fast, db, writer, spine), _runner(slow, db, writer, spine)]
    for runner in runners:
        runner.prune_with = ["fast", "slow"]
        await _open(runner, writer)
    for i in range(5):
        await writer.submit(Emit("c_1", 1 + i))
    await _drain(runners[0])
    assert (await db.read(lambda c: event_log.page_after(c, 0, 100))).first_pos == 1  # "slow" still needs them
    await _drain(runners[1])
    assert await db.read(lambda c: event_log.page_after(c, 0, 100)) is None


async def test_two_nodes_running_one_consumer_apply_each_page_once(store: Any) -> None:
    db, writer, spine = store
    a = _runner(CountingConsumer(), db, writer, spine, node="n_a", page_size=3)
    b = _runner(CountingConsumer(), db, writer, spine, node="n_b", page_size=3)
    await _open(a, writer)
    await _open(b, writer)
    for i in range(12):
        await writer.submit(Emit("c_1", 1 + i))
    await a.step()  # n_a takes the lease
    with pytest.raises(CursorMoved):
        await b.step()  # n_b read position 0, which n_a already left: it applies nothing
    await _drain(a)
    assert await _counted(db) == 12
    assert a.consumer.pages and not b.consumer.pages


async def test_a_new_consumer_starts_at_the_head_and_one_behind_pruned_rows_restarts_there(store: Any) -> None:
    db, writer, spine = store
    first = _runner(CountingConsumer("first"), db, writer, spine)
    await _open(first, writer)
    for i in range(3):
        await writer.submit(Emit("c_1", 1 + i))
    late = _runner(CountingConsumer("late"), db, writer, spine)
    await _open(late, writer)
    assert late.position == 3  # what was committed before it existed is not replayed to it
    await writer.submit(Emit("c_1", 4))
    await _drain(first)  # prunes everything "first" passed ("late" is not in its prune set)
    await writer.submit(Emit("c_1", 5))
    await _open(late, writer)  # its position 3 lies before the oldest row kept (5): rows 4.. are gone
    assert late.position == await db.read(event_log.head) == 5


async def test_a_failing_after_commit_sink_is_isolated_from_the_writes_and_the_other_sinks(store: Any) -> None:
    db, writer, spine = store
    seen: list[list[int]] = []

    def broken(_: Committed) -> None:
        raise ConnectionError("bus down")

    async def recorder(committed: Committed) -> None:
        seen.append([e.seq for e in committed.conversation_events])

    spine.add_after_commit("broken", broken)
    spine.add_after_commit("recorder", recorder)
    await writer.submit(Emit("c_1", 1, count=2))
    assert seen == [[1, 2]]
    assert spine.sink_names == ["broken", "recorder"]


async def test_a_failing_in_commit_sink_fails_the_write_and_commits_nothing(store: Any) -> None:
    db, writer, spine = store
    runner = _runner(CountingConsumer(), db, writer, spine)
    await _open(runner, writer)

    def broken(tx: Tx, committed: Committed) -> None:
        raise ValueError("in-commit sink failed")

    spine.add_in_commit("broken", broken)
    with pytest.raises(ValueError):
        await writer.submit(Emit("c_1", 1))
    assert await db.read(event_log.head) == 0
    assert await db.read(lambda c: event_log.page_after(c, 0, 10)) is None


async def test_a_runner_wakes_on_a_local_commit_and_runs_until_cancelled(store: Any) -> None:
    db, writer, spine = store
    consumer = CountingConsumer()
    runner = _runner(consumer, db, writer, spine, poll_interval=3600)
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: runner.position is not None)
        await writer.submit(Emit("c_1", 1, count=3))  # no poll for an hour: only the wake can bring it

        async def counted_all() -> bool:
            return await _counted(db) == 3

        await eventually(counted_all)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_page_spanning_hundreds_of_conversations_loads_every_event(store: Any) -> None:
    db, writer, spine = store
    runner = _runner(CountingConsumer(), db, writer, spine, page_size=100)
    await _open(runner, writer)
    # 450 conversations in one batch: more ranges than one query may carry.
    await writer.submit(Fn(lambda tx: [tx.conversation_event(f"c_{i:04d}", "message.new", "u_1", {"i": i}, seq=1)
                                       for i in range(450)]))
    await writer.submit(Emit("c_0000", 2, count=3))
    page = await db.read(lambda c: event_log.page_after(c, 0, 100))
    assert page is not None and (page.first_pos, page.last_pos) == (1, 2)
    assert len(page.conversation_events) == 453
    mine = [e.seq for e in page.conversation_events if e.conversation_id == "c_0000"]
    assert mine == [1, 2, 3, 4]  # each stream in seq order
    assert next(e for e in page.conversation_events if e.conversation_id == "c_0449").data_json == '{"i":449}'


async def test_a_lease_left_by_a_dead_node_is_taken_over_once_it_expires(store: Any) -> None:
    db, writer, spine = store
    dead = _runner(CountingConsumer(), db, writer, spine, node="n_dead", lease=10, page_size=2)
    alive = _runner(CountingConsumer(), db, writer, spine, node="n_alive", lease=10, page_size=2)
    for runner in (dead, alive):
        await _open(runner, writer)
    for i in range(4):
        await writer.submit(Emit("c_1", 1 + i))
    await dead.step()  # takes the lease, then its node dies
    alive.position = dead.position  # even knowing where the cursor stands…
    with pytest.raises(CursorMoved):
        await alive.step()  # …it may not move it while the lease (10 s of commit time) is the dead node's
    assert await _counted(db) == 2
    writer._clock.advance(11)  # type: ignore[attr-defined]
    await _drain(alive)
    assert await _counted(db) == 4 and alive.consumer.pages == [(3, 4)]


async def test_registered_consumers_run_in_a_known_order(tmp_path: Path) -> None:
    from axon.app import build_services
    from axon.config import Settings

    services = build_services(Settings(database_url=f"sqlite:///{tmp_path / 'axon.db'}"))
    try:
        assert services.spine.sink_names == ["event_log", "bus", "revocations", "link-previews"]
        assert [r.consumer.name for r in services.durable] == ["org_activity", "search_index", "assistant"]
    finally:
        await services.core.db.close()


async def test_a_failing_consumer_is_retried_later_and_later_on_the_same_page(store: Any) -> None:
    db, writer, spine = store
    clock = FakeClock()
    consumer = CountingConsumer()
    runner = DurableRunner(consumer, db, writer, clock, "n_a", poll_interval=1.0)
    spine.add_durable_listener(runner.offer)
    consumer.fail_after_effect = 2
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: runner.position is not None)
        await writer.submit(Emit("c_1", 1, count=2))  # wakes the runner at once: no poll needed
        await eventually(lambda: consumer.fail_after_effect == 1)  # first failure…
        await clock.until_sleeping()  # …backs off 2 s (the poll interval, doubled)
        clock.advance(1.9)
        await clock.until_sleeping()
        assert await _counted(db) == 0 and consumer.fail_after_effect == 1  # not retried early
        clock.advance(0.1)
        await eventually(lambda: consumer.fail_after_effect == 0)  # second failure: 4 s this time
        await clock.until_sleeping()
        clock.advance(3.9)
        await clock.until_sleeping()
        assert await _counted(db) == 0
        clock.advance(0.1)

        async def counted_once() -> bool:
            return await _counted(db) == 2

        await eventually(counted_once)
        assert consumer.pages == [(1, 1)]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_caught_up_runner_lingers_so_that_many_commits_share_one_consumer_transaction(store: Any) -> None:
    db, writer, spine = store
    clock = FakeClock()
    consumer = CountingConsumer()
    runner = DurableRunner(consumer, db, writer, clock, "n_a", poll_interval=3600, linger=0.5)
    spine.add_durable_listener(runner.offer)
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: runner.position is not None)
        await writer.submit(Emit("c_1", 1))
        await eventually(lambda: consumer.pages == [(1, 1)])
        await clock.until_sleeping()  # lingering, although the next commits wake it
        for seq in (2, 3, 4):
            await writer.submit(Emit("c_1", seq))
        assert consumer.pages == [(1, 1)]
        clock.advance(0.5)
        await eventually(lambda: consumer.pages == [(1, 1), (2, 4)])  # three commits, one transaction
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class RecordingConsumer:
    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: list[tuple[int, int, list[Any], list[Any]]] = []

    def apply(self, tx: Tx, page: CommittedPage) -> None:
        self.seen.append((page.first_pos, page.last_pos, page.conversation_events, page.user_events))


async def test_pages_kept_from_local_commits_are_the_pages_another_node_reads_back(store: Any) -> None:
    db, writer, spine = store
    local, remote = RecordingConsumer("local"), RecordingConsumer("remote")
    here = _runner(local, db, writer, spine, page_size=3)  # offered every local commit
    there = DurableRunner(remote, db, writer, FakeClock(), "n_b", page_size=3)  # reads the outbox
    for runner in (here, there):
        runner.prune_with = ["local", "remote"]
        await _open(runner, writer)
    for i in range(7):
        await writer.submit(Emit(f"c_{i % 2}", 1 + i // 2, count=1, user_id="u_1" if i == 3 else None))
    await _drain(here)
    await _drain(there)
    assert here.pages_from_memory == 3 and there.pages_from_memory == 0
    assert [s[:2] for s in local.seen] == [s[:2] for s in remote.seen] == [(1, 3), (4, 6), (7, 7)]
    # The contract is per stream: each conversation's (user's) events in seq order, streams in any order.
    assert [_streams(s) for s in local.seen] == [_streams(s) for s in remote.seen]
    assert _streams(local.seen[0]) == ({"c_0": [1, 2], "c_1": [1]}, {})


def _streams(seen: tuple[int, int, list[Any], list[Any]]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    _, _, conversation, user = seen
    by_conversation: dict[str, list[int]] = {}
    by_user: dict[str, list[int]] = {}
    for event in conversation:
        by_conversation.setdefault(event.conversation_id, []).append(event.seq)
    for event in user:
        by_user.setdefault(event.user_id, []).append(event.seq)
    return by_conversation, by_user


async def test_a_runner_far_behind_forgets_the_oldest_local_batches_and_reads_them_back(
        store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import axon.spine.durable as durable

    monkeypatch.setattr(durable, "_RECENT_LIMIT", 3)
    db, writer, spine = store
    consumer = RecordingConsumer("behind")
    runner = _runner(consumer, db, writer, spine, page_size=10)
    await _open(runner, writer)
    for i in range(5):
        await writer.submit(Emit("c_1", 1 + i))  # five local batches, only the newest three kept
    await _drain(runner)
    assert runner.pages_from_memory == 0  # position 1 was forgotten: the page is read back
    assert [(first, last) for first, last, _, _ in consumer.seen] == [(1, 5)]
    assert [e.seq for e in consumer.seen[0][2]] == [1, 2, 3, 4, 5]


async def test_the_activity_consumer_tells_replies_from_messages_and_ignores_other_events(store: Any) -> None:
    from axon.services.activity import OrgActivityCounter
    from axon.store.schema import conversations, orgs

    db, writer, spine = store

    def seed(tx: Tx) -> None:
        tx.conn.execute(orgs.insert().values(id="o_1", name="One", slug="one", signup_domains="", created_at=1))
        tx.conn.execute(conversations.insert().values(id="c_1", org_id="o_1", kind="group", name="g",
                                                      created_by="u_1", created_at=1))

    await writer.submit(Fn(seed))
    runner = _runner(OrgActivityCounter(), db, writer, spine)
    await _open(runner, writer)

    def happen(tx: Tx) -> None:
        tx.conversation_event("c_1", "message.new", "u_1", {"message": {"id": "m1", "reply_to": None}}, seq=1)
        tx.conversation_event("c_1", "message.new", "u_2", {"message": {"id": "m2", "reply_to": "m1"}}, seq=2)
        tx.conversation_event("c_1", "message.edited", "u_1", {"message_id": "m1", "text": "x"}, seq=3)
        tx.conversation_event("c_1", "reaction.added", "u_2", {"message_id": "m1", "emoji": "+1"}, seq=4)
        tx.conversation_event("c_1", "member.joined", "u_3", {"user_id": "u_3"}, seq=5)
        tx.conversation_event("c_gone", "message.new", "u_1", {"message": {"id": "m9", "reply_to": None}}, seq=1)

    await writer.submit(Fn(happen))
    await _drain(runner)
    day = await db.read(lambda c: activity.days(c, "o_1", "0000-00-00", "9999-99-99"))
    assert list(day.values()) == [DayCounts(messages=1, replies=1, reactions=1, joins=1)]


async def test_the_activity_consumer_counts_later_pages_and_conversations_created_after_it_started(
        store: Any) -> None:
    from axon.services.activity import OrgActivityCounter
    from axon.store.schema import conversations, orgs

    db, writer, spine = store

    def seed_org(org_id: str, conversation_id: str) -> Fn:
        def seed(tx: Tx) -> None:
            tx.conn.execute(orgs.insert().values(id=org_id, name=org_id, slug=org_id, signup_domains="",
                                                 created_at=1))
            tx.conn.execute(conversations.insert().values(id=conversation_id, org_id=org_id, kind="group",
                                                          name="g", created_by="u_1", created_at=1))
        return Fn(seed)

    await writer.submit(seed_org("o_1", "c_1"))
    runner = _runner(OrgActivityCounter(), db, writer, spine)
    await _open(runner, writer)
    await writer.submit(Emit("c_1", 1, count=2))
    await _drain(runner)
    await writer.submit(seed_org("o_2", "c_2"))  # a conversation the consumer has never seen
    await writer.submit(Emit("c_1", 3))
    await writer.submit(Emit("c_2", 1, count=4))
    await _drain(runner)

    async def messages(org_id: str) -> int:
        days = await db.read(lambda c: activity.days(c, org_id, "0000-00-00", "9999-99-99"))
        return sum(d.messages for d in days.values())

    assert (await messages("o_1"), await messages("o_2")) == (3, 4)


class PreparingCounter:
    """Works out its effect before the transaction (``prepare``), from the page alone, and records
    where each step ran: preparation must not take the writer's thread or transaction."""

    name = "preparing"

    def __init__(self) -> None:
        self.prepared_in: list[bool] = []  # was the writer's transaction open while preparing?
        self.in_transaction = False
        self.fail_after_effect = 0

    async def prepare(self, page: CommittedPage) -> object:
        self.prepared_in.append(self.in_transaction)
        return {("o_1", "2026-12-01"): DayCounts(messages=len(page.conversation_events))}

    def apply_prepared(self, tx: Tx, page: CommittedPage, prepared: object) -> None:
        self.in_transaction = True
        try:
            activity.add(tx.conn, prepared)  # type: ignore[arg-type]
            if self.fail_after_effect:
                self.fail_after_effect -= 1
                raise RuntimeError("consumer crashed mid-page")
        finally:
            self.in_transaction = False


async def test_a_preparing_consumer_works_out_each_page_off_the_writer_and_commits_it_with_the_cursor(
        store: Any) -> None:
    db, writer, spine = store
    consumer = PreparingCounter()
    runner = _runner(consumer, db, writer, spine, page_size=3)
    await _open(runner, writer)
    for i in range(7):
        await writer.submit(Emit("c_1", 1 + i))
    consumer.fail_after_effect = 1
    with pytest.raises(RuntimeError, match="mid-page"):
        await runner.step()
    assert await _counted(db) == 0 and runner.position == 0  # prepared, failed: nothing committed
    await _drain(runner)
    assert await _counted(db) == 7  # the failed page prepared again and applied once
    assert consumer.prepared_in == [False] * 4
    assert await db.read(lambda c: event_log.cursor(c, "preparing")) == 7


async def test_a_runner_that_lost_the_lease_waits_only_until_it_runs_out(store: Any) -> None:
    """After a node is killed, its consumers are taken over when its lease ends, not up to half a
    lease later (a restarted node's search index stood still for 15 s instead of 10)."""
    db, writer, spine = store
    clock = writer._clock  # type: ignore[attr-defined]
    dead = DurableRunner(CountingConsumer(), db, writer, clock, "n_dead", lease=10, page_size=2)
    alive = DurableRunner(CountingConsumer(), db, writer, clock, "n_alive", lease=10, page_size=2)
    for runner in (dead, alive):
        spine.add_durable_listener(runner.offer)
        await _open(runner, writer)
    await writer.submit(Emit("c_1", 1))
    await dead.step()  # holds the lease for 10 s of commit time
    assert await alive._until_lease_ends() == 5  # still far: look again at half a lease
    clock.advance(7)
    assert await alive._until_lease_ends() == pytest.approx(3.05)
    clock.advance(4)
    assert await alive._until_lease_ends() == pytest.approx(0.05)
