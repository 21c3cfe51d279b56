"""The node's runtime owns its background work: every task is named and in one group, and
shutdown is orderly — what was queued before it is committed, nothing is left running."""

from __future__ import annotations

import asyncio
from pathlib import Path

from axon.app import Runtime, build_services
from axon.config import Settings
from axon.store import activity, conversations, event_log
from axon.store.database import open_database
from axon.store.migrate import upgrade
from tests.support.people import eventually

EXPECTED_TASKS = {"axon-writer", "axon-markers", "axon-heartbeats", "axon-bus", "axon-reconcile", "axon-signals",
                  "axon-revocations",
                  "axon-consumer-org_activity", "axon-consumer-search_index", "axon-search-words"}


def _settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'axon.db'}", data_dir=tmp_path, admin_password="admin-pass-1",
                    argon2_memory_kib=1024, argon2_time_cost=1, argon2_parallelism=1)


async def test_shutdown_commits_what_was_queued_flushes_marks_and_leaves_no_task(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    upgrade(settings.effective_database_url)
    services = build_services(settings)
    before = asyncio.all_tasks()
    async with Runtime(services).running() as first:
        assert first is not None and first.username == "admin"  # the empty database was bootstrapped
        assert {t.get_name() for t in asyncio.all_tasks() - before} >= EXPECTED_TASKS
        session = await services.auth.login("admin", "admin-pass-1", None, "test", "127.0.0.1")
        admin = await services.auth.authenticate(session["token"])
        conv = await services.conversations.create(admin, "group", "Runtime", "", [])
        sent = await services.messages.send(admin, conv["id"], "k1", "committed before shutdown")
        services.markers.delivered(admin.user_id, {conv["id"]: sent.message.seq})  # not yet flushed
        queued = services.messages.enqueue_send(admin, conv["id"], "k2", "queued as shutdown begins")
    assert asyncio.all_tasks() == before  # every background task ended with the runtime
    assert queued.done() and queued.result().message.seq == sent.message.seq + 1  # committed, not dropped

    db = open_database(settings.effective_database_url)
    try:
        member = await db.read(lambda c: conversations.membership(c, conv["id"], admin.user_id))
        assert member is not None and member.delivered_seq == sent.message.seq  # the last marks were flushed
        assert await db.read(event_log.head) > 0  # the outbox saw the commits
        # Its consumers' leases were handed over: the next node takes them at once, not 10 s later.
        assert [await db.read(lambda c, n=name: event_log.lease_until(c, n)) for name in ("org_activity",
                                                                                         "search_index")] == [0, 0]
    finally:
        await db.close()


async def test_a_restarted_node_counts_what_the_last_run_committed_but_did_not_count(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    upgrade(settings.effective_database_url)
    services = build_services(settings)
    async with Runtime(services).running():
        session = await services.auth.login("admin", "admin-pass-1", None, "test", "127.0.0.1")
        admin = await services.auth.authenticate(session["token"])
        conv = await services.conversations.create(admin, "group", "Counted", "", [])
        for task in asyncio.all_tasks():  # the consumer stops first: what follows stays uncounted in this run
            if task.get_name() == "axon-consumer-org_activity":
                task.cancel()
        for i in range(5):
            await services.messages.send(admin, conv["id"], f"m{i}", "later")

    services = build_services(settings)
    async with Runtime(services).running():
        runner = services.durable[0]

        async def all_counted() -> bool:
            days = await services.core.read(lambda c: activity.days(c, admin.org_id, "0000-00-00", "9999-99-99"))
            return sum(d.messages for d in days.values()) == 5

        # The first run's node may still hold the consumer's lease (10 s) for a moment: it applied the
        # first start's events (#general's creation) before it was stopped. This node waits it out.
        await eventually(all_counted, timeout=30)
        assert runner.applied_pages >= 1
