"""Property tests on the real store: whatever mix of concurrent writes, every conversation's
events are numbered 1..last_seq without gap or repeat, and the event log replays to the
same state the tables hold."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from axon.app import build_services
from axon.config import Settings
from axon.domain.model import OrgRole
from axon.services.people import NewUser
from axon.store import event_log, streams
from axon.store.migrate import upgrade
from axon.store.schema import events as event_rows
from axon.store.schema import user_events as user_event_rows
from tests.support.server import fresh_postgres_database

OPS = st.lists(
    st.tuples(st.sampled_from(["send", "reply", "edit", "react", "unreact", "delete", "pin", "topic", "read"]),
              st.integers(0, 2), st.integers(0, 2)),
    min_size=1, max_size=40,
)


def _database_url(folder: Path) -> str:
    base = os.environ.get("AXON_TEST_DATABASE_URL")
    return fresh_postgres_database(base) if base else f"sqlite:///{folder / 'axon.db'}"


async def _run(ops: list[tuple[str, int, int]], url: str) -> None:
    from axon.domain.model import Actor

    svc = build_services(Settings(database_url=url, argon2_memory_kib=1024, argon2_time_cost=1,
                                  argon2_parallelism=1))
    writer = asyncio.create_task(svc.core.writer.run())
    try:
        org = await svc.people.create_org("Props")
        users = [await svc.people.create_user(org["id"], NewUser(f"p{i}", f"P{i}", "pass-word-1", role=OrgRole.ADMIN))
                 for i in range(3)]
        actors = [Actor(u["id"], org["id"], f"d_{i}", OrgRole.ADMIN) for i, u in enumerate(users)]
        convs = [await svc.conversations.create(actors[0], "group", f"c{i}", "", [u["id"] for u in users[1:]])
                 for i in range(3)]
        sent: dict[int, list[dict]] = {i: [] for i in range(3)}

        async def apply(op: str, who: int, where: int, n: int) -> None:
            actor, conv = actors[who], convs[where]["id"]
            targets = sent[where]
            if op in ("send", "reply") or not targets:
                reply_to = targets[-1]["id"] if op == "reply" and targets else None
                result = await svc.messages.send(actor, conv, f"k{who}-{n}", f"text {n}", reply_to)
                targets.append(result.message)
            elif op == "edit":
                author = next(i for i, a in enumerate(actors) if a.user_id == targets[-1]["sender_id"])
                if not targets[-1].deleted:
                    await svc.messages.edit(actors[author], conv, targets[-1]["id"], f"edited {n}")
            elif op in ("react", "unreact"):
                if not targets[0].deleted:
                    await svc.messages.react(actor, conv, targets[0]["id"], "👍", add=op == "react")
            elif op == "delete":
                if not targets[-1].deleted:
                    await svc.messages.delete(actors[0], conv, targets[-1]["id"])
                    targets[-1].deleted = True
            elif op == "pin":
                if not targets[-1].deleted:
                    await svc.messages.pin(actor, conv, targets[-1]["id"], pinned=n % 2 == 0)
            elif op == "topic":
                await svc.conversations.update(actor, conv, None, f"topic {n}")
            elif op == "read":
                await svc.markers.mark_read(actor, conv, n)

        # Each conversation's operations run in order; the three conversations run concurrently.
        async def lane(where: int) -> None:
            for n, (op, who, w) in enumerate(ops):
                if w == where:
                    await apply(op, who, where, n)

        await asyncio.gather(*(lane(i) for i in range(3)))
        for conv in convs:
            summary = await svc.conversations.get(actors[0], conv["id"])
            events = await svc.core.read(lambda c, cid=conv["id"]: streams.conversation_events(c, cid, 0, None, 10_000))
            assert [e.seq for e in events] == list(range(1, summary["last_seq"] + 1))
        for actor in actors:
            stream = await svc.core.read(lambda c, uid=actor.user_id: streams.user_stream(c, uid, 0, 10_000))
            assert [e.seq for e in stream] == list(range(1, len(stream) + 1))
        # The event spine's outbox names every committed event exactly once (its durable consumers
        # see all of them), in batches numbered 1..head without a hole.
        page = await svc.core.read(lambda c: event_log.page_after(c, 0, 1_000_000))
        assert page is not None and page.first_pos == 1 and page.last_pos == await svc.core.read(event_log.head)
        stored = await svc.core.read(lambda c: c.execute(select(event_rows.c.conversation_id, event_rows.c.seq)).all())
        outboxed = [(e.conversation_id, e.seq) for e in page.conversation_events]
        assert sorted(outboxed) == sorted(tuple(r) for r in stored) and len(set(outboxed)) == len(outboxed)
        stored_user = await svc.core.read(
            lambda c: c.execute(select(user_event_rows.c.user_id, user_event_rows.c.seq)).all())
        assert sorted((e.user_id, e.seq) for e in page.user_events) == sorted(tuple(r) for r in stored_user)
    finally:
        svc.core.writer.stop()
        await writer
        await svc.core.db.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_event_seqs_stay_dense_under_any_mix_of_writes(ops: list[tuple[str, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = _database_url(Path(folder))
        upgrade(url)
        asyncio.run(_run(ops, url))
