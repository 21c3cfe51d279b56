"""Semantic search on the real store: the indexer consumer, the vectors it stores (sealed), and
each node's in-memory nearest-neighbour search (cross-language, paraphrase, the floor, only the
given conversations, edits, deletes, retention, two nodes on one database)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from axon.app import Services
from axon.config import Settings
from axon.domain.model import Actor, OrgRole
from axon.domain.sealing import key_id_of
from axon.services.semantic import to_stored
from axon.services.semantic_backfill import SemanticBackfill
from axon.services.semantic_index import NearestMessages
from axon.store import search_vectors
from axon.testing.clock import FakeClock
from tests.integration.conftest import running_services
from tests.support.at_rest import sqlite_files
from tests.support.semantic import index_everything, person, send, start_indexing

CHAT = [
    "the release is planned for March 3",
    "上线时间定在下周五",
    "Lunch at the noodle place?",
    "I fixed the login bug in the API",
    "明天下午开需求评审会",
    "the printer on floor 2 is out of paper",
    "周末去爬山吗",
    "Budget spreadsheet for Q3 is in the shared drive",
    "服务器磁盘快满了",
    "https://example.com/only-a-link",
    "👍🎉",
]


@pytest.fixture
async def semantic(database_url: str) -> AsyncIterator[Services]:
    async with running_services(database_url, semantic_search=True) as services:
        await start_indexing(services)
        yield services


async def team(svc: Services) -> tuple[Actor, Actor, str, str]:
    org = await svc.people.create_org("Semantic")
    ann = await person(svc, org["id"], OrgRole.ADMIN)
    bob = await person(svc, org["id"])
    general = (await svc.conversations.create(ann, "group", "Team", "", [bob.user_id]))["id"]
    private = (await svc.conversations.create(ann, "group", "Ann only", "", []))["id"]
    return ann, bob, general, private


async def texts_found(svc: Services, org_id: str, conversations: tuple[str, ...], query: str,
                      ids: dict[str, str]) -> list[str]:
    hits = await svc.semantic_index.nearest(org_id, conversations, query, 3)
    by_id = {v: k for k, v in ids.items()}
    return [by_id[h.message_id] for h in hits]


async def test_meaning_is_found_across_languages_and_noise_is_not(semantic: Services) -> None:
    svc = semantic
    ann, _, general, _ = await team(svc)
    ids = {text: await send(svc, ann, general, text) for text in CHAT}
    await index_everything(svc)
    assert svc.semantic_index.enabled
    assert (await texts_found(svc, ann.org_id, (general,), "发布日期", ids))[:2] == [
        "上线时间定在下周五", "the release is planned for March 3"]
    assert (await texts_found(svc, ann.org_id, (general,), "when do we ship", ids))[0] == "上线时间定在下周五"
    assert (await texts_found(svc, ann.org_id, (general,), "disk almost full", ids))[0] == "服务器磁盘快满了"
    assert (await texts_found(svc, ann.org_id, (general,), "hiking this weekend", ids))[0] == "周末去爬山吗"
    for unrelated in ("量子物理", "the history of the Roman empire", "recipe for chocolate cake"):
        assert await texts_found(svc, ann.org_id, (general,), unrelated, ids) == [], unrelated


async def test_links_and_emoji_alone_get_no_vector(semantic: Services) -> None:
    svc = semantic
    ann, _, general, _ = await team(svc)
    ids = {text: await send(svc, ann, general, text) for text in CHAT}
    await index_everything(svc)
    stored = await svc.core.read(lambda c: {r[0] for r in c.exec_driver_sql(
        "SELECT message_id FROM search_vectors WHERE vector IS NOT NULL")})
    assert stored == {ids[t] for t in CHAT[:-2]}


async def test_only_the_given_conversations_answer(semantic: Services) -> None:
    svc = semantic
    ann, _, general, private = await team(svc)
    release = await send(svc, ann, private, "the release is planned for March 3")
    await send(svc, ann, general, "Lunch at the noodle place?")
    await index_everything(svc)
    assert [h.message_id for h in await svc.semantic_index.nearest(ann.org_id, (private,), "发布日期", 5)] == [release]
    assert await svc.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5) == []
    assert await svc.semantic_index.nearest(ann.org_id, (), "发布日期", 5) == []
    other = await svc.people.create_org("Elsewhere")
    assert await svc.semantic_index.nearest(other["id"], (private,), "发布日期", 5) == []


async def test_edits_re_embed_and_deletes_remove(semantic: Services) -> None:
    svc = semantic
    ann, _, general, _ = await team(svc)
    mid = await send(svc, ann, general, "Lunch at the noodle place?")
    await index_everything(svc)
    assert await svc.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5) == []  # builds this node's copy
    await svc.messages.edit(ann, general, mid, "the release is planned for March 3")
    await index_everything(svc)
    hits = await svc.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5)
    assert [h.message_id for h in hits] == [mid] and hits[0].similarity > 0.3
    assert await svc.semantic_index.nearest(ann.org_id, (general,), "where should we eat", 5) == []
    await svc.messages.delete(ann, general, mid)
    await index_everything(svc)
    assert await svc.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5) == []
    rows = await svc.core.read(lambda c: c.exec_driver_sql("SELECT vector FROM search_vectors").all())
    assert rows == [(None,)]


async def test_a_message_erased_by_retention_loses_its_vector(database_url: str) -> None:
    clock = FakeClock()
    async with running_services(database_url, clock=clock, semantic_search=True) as svc:
        await start_indexing(svc)
        ann, _, general, _ = await team(svc)
        await send(svc, ann, general, "the release is planned for March 3")
        await index_everything(svc)
        assert len(await svc.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5)) == 1
        await svc.retention.set_conversation_retention(ann, general, 1)
        clock.advance(3 * 86_400)
        assert await svc.retention.apply_policies() >= 1
        await index_everything(svc)
        assert await svc.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5) == []


async def test_vectors_are_sealed_at_rest(semantic: Services, database_url: str) -> None:
    """A stolen disk (SQLite: the files) shows neither the vector nor its base64 text, only the sealed format."""
    svc = semantic
    ann, _, general, _ = await team(svc)
    text = "the release is planned for March 3"
    await send(svc, ann, general, text)
    await index_everything(svc)
    assert isinstance(svc.semantic_index, NearestMessages)
    stored = to_stored(svc.semantic_index.embedder.embed([text])[0])
    row = await svc.core.read(lambda c: c.exec_driver_sql("SELECT vector FROM search_vectors").scalar_one())
    raw = (sqlite_files(Path(database_url.removeprefix("sqlite:///")).parent) if database_url.startswith("sqlite")
           else row.encode())  # PostgreSQL: the column as stored
    assert row.startswith("\x1e1") and row.encode() in raw  # the sealed value is what the files hold
    assert stored[:64] not in raw and base64.b64encode(stored)[:64] not in raw
    # and the node opens it back to the vector it wrote
    assert (await svc.core.read(lambda c: search_vectors.changed_since(c, ann.org_id, -1)))[0].vector == stored


async def test_a_message_indexed_through_one_node_is_found_through_another(database_url: str) -> None:
    """Two nodes on one database (PostgreSQL in the cluster pass): B's copy of the vectors, built
    before A indexed anything, picks up A's rows and A's deletes by version on its next query."""
    async with running_services(database_url, semantic_search=True) as a, \
            running_services(database_url, semantic_search=True) as b:  # the same master key
        await start_indexing(a)
        ann, _, general, _ = await team(a)
        await send(a, ann, general, "Lunch at the noodle place?")
        await index_everything(a)
        assert await b.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5) == []
        release = await send(a, ann, general, "the release is planned for March 3")
        await index_everything(a)
        assert [h.message_id for h in await b.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5)] == [
            release]
        await a.messages.delete(ann, general, release)
        await index_everything(a)
        assert await b.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5) == []


async def test_a_key_rotation_re_seals_the_vectors(database_url: str) -> None:
    """Vectors are re-sealed under the new key like every sealed value, and still open afterwards."""
    async with running_services(database_url, semantic_search=True, key_refresh_interval=0.05) as svc:
        await start_indexing(svc)
        ann, _, general, _ = await team(svc)
        release = await send(svc, ann, general, "the release is planned for March 3")
        await index_everything(svc)
        assert svc.encryption is not None
        job = await svc.encryption.rotate_data_key(ann)
        await svc.encryption.finish_job(ann.org_id)
        stored = await svc.core.read(lambda c: c.exec_driver_sql("SELECT vector FROM search_vectors").scalar_one())
        assert key_id_of(stored) == job.key_id
    async with running_services(database_url, semantic_search=True) as fresh:  # opens them from the database
        hits = await fresh.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5)
        assert [h.message_id for h in hits] == [release]


async def test_off_means_no_consumer_no_model_and_nothing_near(svc: Services) -> None:
    """Test nodes run with it off (tests/conftest.py); the product's default is on."""
    assert Settings.model_fields["semantic_search"].default is True
    assert not svc.settings.semantic_search and not svc.semantic_index.enabled
    assert "search_vectors" not in [r.consumer.name for r in svc.durable]
    ann, _, general, _ = await team(svc)
    await send(svc, ann, general, "the release is planned for March 3")
    assert await svc.semantic_index.nearest(ann.org_id, (general,), "the release is planned for March 3", 5) == []


async def test_history_from_before_semantic_search_is_embedded_by_the_backfill(database_url: str) -> None:
    """Messages sent while the setting was off have no vector: the consumer starts at the head of the
    outbox. The backfill embeds them (not a deleted one), once: a second run finds nothing to do.
    A node that had already read the consumer's newer rows still sees the backfilled ones."""
    async with running_services(database_url) as off:  # semantic search off
        org = await off.people.create_org("History")
        ann = await person(off, org["id"], OrgRole.ADMIN)
        general = (await off.conversations.create(ann, "group", "Team", "", []))["id"]
        old = await send(off, ann, general, "the release is planned for March 3")
        await send(off, ann, general, "👍🎉")
        gone = await send(off, ann, general, "上线时间定在下周五")
        await off.messages.delete(ann, general, gone)
    async with running_services(database_url, semantic_search=True) as a, \
            running_services(database_url, semantic_search=True) as b:
        await start_indexing(a)
        new = await send(a, ann, general, "Lunch at the noodle place?")
        await index_everything(a)
        assert [h.message_id for h in await b.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5)] == []
        assert [h.message_id for h in await b.semantic_index.nearest(ann.org_id, (general,), "lunch", 5)] == [new]

        backfill = SemanticBackfill(a.core, a.semantic_index.embedder, "node-a", page=1)
        assert await backfill.run() == 2  # the release and the emoji (a row without a vector: done)
        assert [h.message_id for h in await b.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5)] == [old]
        assert [h.message_id for h in await a.semantic_index.nearest(ann.org_id, (general,), "发布日期", 5)] == [old]
        assert await a.core.read(lambda c: search_vectors.backfilled_at(c, ann.org_id)) is not None
        assert await backfill.run() == 0

        # Not applied by the consumer yet: the backfill embeds it too, the consumer then rewrites it.
        edited = await send(a, ann, general, "printer out of paper")
        await a.messages.edit(ann, general, edited, "周末去爬山吗")
        assert await backfill.run() == 1
        await index_everything(a)
        assert [h.message_id for h in await b.semantic_index.nearest(ann.org_id, (general,), "hiking this weekend",
                                                                     1)] == [edited]


async def test_another_node_holding_the_backfill_lease_makes_this_one_wait(database_url: str) -> None:
    async with running_services(database_url, semantic_search=True) as svc:
        backfill = SemanticBackfill(svc.core, svc.semantic_index.embedder, "node-a", lease_seconds=60)
        other = SemanticBackfill(svc.core, svc.semantic_index.embedder, "node-b", lease_seconds=60)
        assert await backfill.run() == 0
        assert not await other._claim()
