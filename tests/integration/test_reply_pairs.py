"""Smart replies' learned pairs on the real store, the ``reply_pairs`` consumer driven step by step:
what is a pair (the next message of another person in the stream, soon, short), edits both ways,
retention's erasure, the organisation's switch, sealing at rest and key rotation, and a node that
learns nothing. The consumer embeds in the test's process (the same vectors as the background
embedder, without waiting on its nice-19 child on a loaded machine)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from axon.app import Services, build_embedder
from axon.domain.model import Actor, OrgRole
from axon.domain.sealing import key_id_of
from axon.services.semantic import CpuShare
from axon.spine.durable import DurableRunner
from axon.store import event_log
from axon.store import reply_pairs as store
from axon.testing.clock import FakeClock
from tests.integration.conftest import running_services
from tests.support.at_rest import sqlite_files
from tests.support.semantic import person, send


def _runner(svc: Services) -> DurableRunner:
    runner = next(r for r in svc.durable if r.consumer.name == "reply_pairs")
    runner.consumer.embedder, runner.consumer.cpu = build_embedder(), CpuShare(1.0)  # type: ignore[union-attr]
    return runner


async def start_learning(svc: Services) -> None:
    _runner(svc).position = await svc.core.write(lambda tx: event_log.open_cursor(tx.conn, "reply_pairs"))


async def learn_everything(svc: Services) -> None:
    runner = _runner(svc)
    while await runner.step():
        pass


@pytest.fixture
async def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def learning(database_url: str, clock: FakeClock) -> AsyncIterator[Services]:
    async with running_services(database_url, clock=clock, smart_reply_learning=True) as svc:
        await start_learning(svc)
        yield svc


async def team(svc: Services) -> tuple[Actor, Actor, str]:
    org = await svc.people.create_org("Replies")
    ann = await person(svc, org["id"], OrgRole.ADMIN)
    bob = await person(svc, org["id"])
    return ann, bob, (await svc.conversations.create(ann, "group", "Team", "", [bob.user_id]))["id"]


async def live_pairs(svc: Services, org_id: str) -> dict[str, Any]:
    rows = await svc.core.read(lambda c: store.changed_since(c, org_id, -1))
    return {r.reply_id: r.reply_text for r in rows if r.vector is not None}


async def test_a_pair_is_the_next_short_message_of_someone_else_soon_after(learning: Services,
                                                                          clock: FakeClock) -> None:
    svc = learning
    ann, bob, team_id = await team(svc)
    await send(svc, ann, team_id, "Can you review my PR?")
    sure = await send(svc, bob, team_id, "Sure")
    await send(svc, bob, team_id, "after lunch")  # the same person going on: not a reply
    await send(svc, ann, team_id, "https://example.com/spec")  # a link is not a reply
    root = await send(svc, ann, team_id, "Who has the release checklist?")
    in_thread = await send(svc, bob, team_id, "我有", )
    await svc.messages.send(bob, team_id, "c-thread", "I do, sending it", reply_to=root)
    clock.advance(11 * 60)  # too late to be an answer
    await send(svc, ann, team_id, "ok")
    await learn_everything(svc)
    pairs = await live_pairs(svc, ann.org_id)
    assert pairs[sure] == "Sure" and pairs[in_thread] == "我有"
    assert "I do, sending it" in pairs.values()  # a thread's first reply answers its root
    assert "after lunch" not in pairs.values() and "ok" not in pairs.values()
    assert len(pairs) == 3


async def test_edits_and_retention_change_or_remove_pairs(learning: Services, clock: FakeClock) -> None:
    svc = learning
    ann, bob, team_id = await team(svc)
    asked = await send(svc, ann, team_id, "Lunch at noon?")
    reply = await send(svc, bob, team_id, "Yes")
    await learn_everything(svc)
    before = (await svc.core.read(lambda c: store.changed_since(c, ann.org_id, -1)))[0].vector

    await svc.messages.edit(ann, team_id, asked, "明天的发布推迟了吗？")  # the message answered: embedded again
    await learn_everything(svc)
    after = (await svc.core.read(lambda c: store.changed_since(c, ann.org_id, -1)))[-1]
    assert after.reply_id == reply and after.vector is not None and after.vector != before

    await svc.messages.edit(bob, team_id, reply, "是的")  # the reply: its new words, its language
    await learn_everything(svc)
    assert await live_pairs(svc, ann.org_id) == {reply: "是的"}
    assert (await svc.core.read(lambda c: store.changed_since(c, ann.org_id, -1)))[-1].lang == "zh"

    await svc.messages.edit(bob, team_id, reply, "y" * 200)  # no longer a short reply
    await learn_everything(svc)
    assert await live_pairs(svc, ann.org_id) == {}

    await send(svc, ann, team_id, "Coffee?")
    await send(svc, bob, team_id, "Sure")
    await learn_everything(svc)
    # "Coffee?" answers Bob's long message as far as the rules can tell; "Sure" answers it.
    assert set((await live_pairs(svc, ann.org_id)).values()) == {"Coffee?", "Sure"}
    await svc.retention.set_conversation_retention(ann, team_id, 1)
    clock.advance(3 * 86_400)
    assert await svc.retention.apply_policies() >= 1
    await learn_everything(svc)
    assert await live_pairs(svc, ann.org_id) == {}


async def test_nothing_is_learned_while_the_organisation_has_the_helper_off(learning: Services) -> None:
    svc = learning
    ann, bob, team_id = await team(svc)
    await svc.org_settings.update_policy(ann, {"ai_smart_replies": False})
    await send(svc, ann, team_id, "Lunch at noon?")
    await send(svc, bob, team_id, "Yes")
    await learn_everything(svc)
    assert await live_pairs(svc, ann.org_id) == {}


async def test_pairs_are_sealed_at_rest_and_re_sealed_by_a_key_rotation(database_url: str) -> None:
    async with running_services(database_url, smart_reply_learning=True, key_refresh_interval=0.05) as svc:
        await start_learning(svc)  # the real clock: the re-encryption job's grace period passes
        ann, bob, team_id = await team(svc)
        await send(svc, ann, team_id, "Can we ship the quarterly report tonight?")
        reply = await send(svc, bob, team_id, "Absolutely, shipping it")
        await learn_everything(svc)

        def stored(c: Any) -> Any:
            return c.exec_driver_sql("SELECT vector, reply_text FROM reply_pairs").one()

        vector, text = await svc.core.read(stored)
        assert vector.startswith("\x1e1") and text.startswith("\x1e1")
        if database_url.startswith("sqlite"):
            assert b"Absolutely, shipping it" not in sqlite_files(Path(database_url.removeprefix("sqlite:///")).parent)
        assert svc.encryption is not None
        job = await svc.encryption.rotate_data_key(ann)
        await svc.encryption.finish_job(ann.org_id)
        vector, text = await svc.core.read(stored)
        assert key_id_of(vector) == job.key_id == key_id_of(text)
        assert await live_pairs(svc, ann.org_id) == {reply: "Absolutely, shipping it"}


async def test_a_node_that_learns_nothing_has_no_consumer_and_answers_built_ins(svc: Services) -> None:
    """Tests run with semantic search off, so learning follows it off: built-in replies only."""
    assert svc.smart_replies.learned is None
    assert "reply_pairs" not in [r.consumer.name for r in svc.durable]
    ann, bob, _ = await team(svc)
    dm = (await svc.conversations.direct(ann, bob.user_id))["id"]
    await send(svc, ann, dm, "Sorry for the delay")
    found = await svc.smart_replies.suggest(bob, dm)
    assert [(s.text, s.source) for s in found.suggestions] == [
        ("No worries", "built_in"), ("No problem", "built_in"), ("OK", "built_in")]
