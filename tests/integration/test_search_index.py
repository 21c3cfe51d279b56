"""The keyword index on a real store (SQLite here, PostgreSQL with AXON_TEST_DATABASE_URL): kept by
the ``search_index`` durable consumer from committed events, asked through ``SearchIndex``.

The services run with encryption at rest (a master key), so these docs hold blind terms; the store
tests at the end ask the same questions of plain terms."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update

from axon.container import Services
from axon.domain.errors import Forbidden, ValidationFailed
from axon.domain.model import Actor, OrgRole
from axon.domain.retention import DAY_MS
from axon.domain.search_terms import QueryTerm, index_terms, query_terms
from axon.services.people import NewUser
from axon.services.ports import IndexQuery
from axon.services.search_reindex import Backfill, Reindexer, ReindexProgress
from axon.spine.durable import DurableRunner, _OpenCursor
from axon.store import accounts
from axon.store import search_index as store
from axon.store.database import open_database
from axon.store.schema import messages, orgs
from axon.store.search_index import Doc

from .test_files_send_cost import body, statements


class World:
    def __init__(self, svc: Services, runner: DurableRunner, org_id: str, ann: Actor, bob: Actor,
                 room: str, other: str) -> None:
        self.svc, self.runner, self.org_id, self.ann, self.bob = svc, runner, org_id, ann, bob
        self.room, self.other = room, other
        self.sent = 0

    async def drain(self) -> None:
        while await self.runner.step():
            pass

    async def send(self, who: Actor, text: str, conversation: str | None = None, **kwargs: Any) -> dict[str, Any]:
        self.sent += 1
        sent = await self.svc.messages.send(who, conversation or self.room, f"c{self.sent}", text, **kwargs)
        return {"id": sent.message.id, "seq": sent.message.seq}

    async def find(self, words: str = "", conversations: tuple[str, ...] | None = None, **kwargs: Any) -> list[str]:
        q = IndexQuery(self.org_id, conversations or (self.room, self.other), tuple(query_terms(words)), **kwargs)
        return [h.message_id for h in await self.svc.search_index.search(q)]


async def indexer(svc: Services) -> DurableRunner:
    runner = next(r for r in svc.durable if r.consumer.name == "search_index")
    runner.position = await svc.core.writer.submit(_OpenCursor(runner.consumer.name))
    return runner


@pytest.fixture
async def world(svc: Services) -> World:
    await svc.encryption.start()
    runner = await indexer(svc)
    org = await svc.people.create_org("Search", admin=NewUser("boss", "Boss", "a-long-password-1", role=OrgRole.ADMIN))
    boss = await svc.core.read(lambda c: accounts.get_user_by_username(c, org.id, "boss"))
    ann = Actor(boss["id"], org.id, "d_ann", OrgRole.ADMIN)
    bob_row = await svc.people.create_user(org.id, NewUser("bob", "Bob", "a-long-password-2"))
    bob = Actor(bob_row["id"], org.id, "d_bob", OrgRole.MEMBER)
    room = (await svc.conversations.create(ann, "group", "Room", "", [bob.user_id]))["id"]
    other = (await svc.conversations.create(ann, "group", "Other", "", [bob.user_id]))["id"]
    return World(svc, runner, org.id, ann, bob, room, other)


async def test_chinese_inside_phrases_english_stems_and_mixed_text_are_found(world: World) -> None:
    review = await world.send(world.ann, "明天的需求评审会改到下午")
    plans = await world.send(world.bob, "We planned the launches carefully")
    mixed = await world.send(world.ann, "Falcon项目的发布计划 is ready")
    await world.drain()
    assert await world.find("需求") == [review["id"]]
    assert await world.find("评审") == [review["id"]]
    assert await world.find("需求评审会") == [review["id"]]
    assert await world.find("plans launch") == [plans["id"]]
    assert await world.find("PLANNING") == [plans["id"]]
    assert await world.find("falcon 发布") == [mixed["id"]]
    assert await world.find("falcon 需求") == []


async def test_each_filter(world: World) -> None:
    w = world
    root = await w.send(w.ann, "release notes draft")
    reply = await w.send(w.bob, "release notes reviewed", reply_to=root["id"])
    lone = await w.send(w.bob, "release notes at https://example.com/notes")
    mention = await w.send(w.bob, "release notes for @boss")
    everyone = await w.send(w.bob, "release notes for @all")
    elsewhere = await w.send(w.ann, "release notes elsewhere", conversation=w.other)
    await w.drain()
    everything = {root["id"], reply["id"], lone["id"], mention["id"], everyone["id"], elsewhere["id"]}
    assert set(await w.find("release notes")) == everything
    assert set(await w.find("release", sender_ids=(w.ann.user_id,))) == {root["id"], elsewhere["id"]}
    assert set(await w.find("release", in_threads=True)) == {root["id"], reply["id"]}
    assert await w.find("release", has=frozenset({"link"})) == [lone["id"]]
    assert await w.find("release", has=frozenset({"file"})) == []
    assert set(await w.find("release", mentioning=w.ann.user_id)) == {mention["id"], everyone["id"]}
    assert await w.find("release", conversations=(w.other,)) == [elsewhere["id"]]
    newest = await w.find("release", newest_first=True)
    assert newest == [elsewhere["id"], everyone["id"], mention["id"], lone["id"], reply["id"], root["id"]]
    assert await w.find("", newest_first=True) == newest  # filters only: newest first
    assert await w.find("", sender_ids=(w.ann.user_id,)) == [elsewhere["id"], root["id"]]
    assert await w.find("release", newest_first=True, limit=2, offset=1) == newest[1:3]
    # Dates: every message was made in this test, so the bounds split nothing or everything.
    assert await w.find("release", before_ms=0) == []
    assert set(await w.find("release", after_ms=0)) == everything


async def test_excluded_words(world: World) -> None:
    keep = await world.send(world.ann, "deploy the api today")
    await world.send(world.ann, "deploy the web app today")
    await world.drain()
    assert await world.find("deploy", excluded=tuple(index_terms("web"))) == [keep["id"]]
    assert await world.find("", excluded=tuple(index_terms("web app"))) == [keep["id"]]


async def test_an_edit_reindexes_and_a_delete_removes(world: World) -> None:
    w = world
    m = await w.send(w.ann, "the budget meeting is at noon")
    await w.drain()
    assert await w.find("budget") == [m["id"]]
    await w.svc.messages.edit(w.ann, w.room, m["id"], "the roadmap meeting is at noon")
    await w.drain()
    assert await w.find("budget") == []
    assert await w.find("roadmap") == [m["id"]]
    await w.svc.messages.delete(w.ann, w.room, m["id"])
    await w.drain()
    assert await w.find("roadmap") == [] and await w.find("meeting") == []
    assert await w.svc.core.read(lambda c: store.count(c, w.org_id)) == 0


async def test_an_edit_and_a_delete_in_the_same_page_as_the_send(world: World) -> None:
    w = world
    edited = await w.send(w.ann, "first words here")
    await w.svc.messages.edit(w.ann, w.room, edited["id"], "second words here")
    gone = await w.send(w.ann, "soon gone words")
    await w.svc.messages.delete(w.ann, w.room, gone["id"])
    await w.drain()
    assert await w.find("second") == [edited["id"]]
    assert await w.find("first") == [] and await w.find("gone") == []


async def test_a_file_is_found_by_its_name_and_by_has(world: World) -> None:
    w = world
    started = await w.svc.uploads.start(w.ann, w.room, "季度预算表.txt", 5, None, False)
    file = (await w.svc.uploads.put(w.ann, started.id, 0, 5, body(b"hello"))).file
    sent = await w.send(w.ann, "here it is", attachments=[file.id])
    await w.drain()
    assert await w.find("预算") == [sent["id"]]
    assert await w.find("", has=frozenset({"file"})) == [sent["id"]]
    await w.svc.messages.edit(w.ann, w.room, sent["id"], "here is the sheet")  # the name stays indexed
    await w.drain()
    assert await w.find("预算 sheet") == [sent["id"]]


async def test_only_the_given_conversations_are_answered(world: World) -> None:
    w = world
    await w.send(w.ann, "secret plan", conversation=w.other)
    await w.drain()
    assert await w.find("secret", conversations=(w.room,)) == []


async def test_blind_terms_hold_no_word_and_still_find(world: World, database_url: str) -> None:
    w = world
    sent = await w.send(w.ann, "机密项目 Falcon launch")
    await w.drain()
    assert await w.find("机密 falcon") == [sent["id"]]
    assert await w.find("launch") == [sent["id"]]
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))  # with the WAL
    else:
        rows = await w.svc.core.read(lambda c: c.execute(text("SELECT * FROM search_docs")).all())
        stored = repr(rows).encode()
    for word in ("机密", "项目", "falcon", "Falcon", "launch"):
        assert word.encode() not in stored, word


async def test_a_plain_send_runs_no_index_statement(world: World) -> None:
    with statements() as seen:
        await world.send(world.ann, "nothing indexed in my transaction")
    assert seen and not [s for s in seen if re.search(r"\bsearch_(docs|fts|keys|words)\b", s)]


async def test_a_deleted_message_is_not_answered_even_before_the_indexer_runs(world: World) -> None:
    m = await world.send(world.ann, "ephemeral words")
    await world.drain()
    await world.svc.messages.delete(world.ann, world.room, m["id"])
    assert await world.find("ephemeral") == []  # the join with messages hides it at once


# --- the store on plain terms -------------------------------------------------------------------


async def test_the_store_matches_plain_terms_by_term_or_by_all_parts(database_url: str) -> None:
    db = open_database(database_url)
    try:
        def doc(mid: str, words: str, seq: int) -> Doc:
            return Doc(mid, "o_1", "c_1", seq, "u_1", seq, None, tuple(index_terms(words)))

        await db.write(lambda c: store.upsert(c, [doc("m_1", "星火 协作 今天上线", 1), doc("m_2", "星火协作台", 2)]))
        await db.write(lambda c: c.exec_driver_sql(
            "INSERT INTO messages (id, conversation_id, seq, sender_id, device_id, client_msg_id, content_hash, "
            "text, reply_count, mentions, mentions_all, created_at, file_count) VALUES "
            "('m_1','c_1',1,'u_1','d','a','h','',0,'[]',false,1,0), "
            "('m_2','c_1',2,'u_1','d','b','h','',0,'[]',false,2,0)"))

        async def found(*terms: QueryTerm, **kwargs: Any) -> list[str]:
            q = IndexQuery("o_1", ("c_1",), tuple(terms), **kwargs)
            return [h[0] for h in await db.read(lambda c: store.match(c, q))]

        assert set(await found(QueryTerm("星火"))) == {"m_1", "m_2"}
        assert await found(QueryTerm("今天上线")) == []
        assert await found(QueryTerm("今天上线", ("今天", "上线"))) == ["m_1"]  # by all of its parts
        assert await found(QueryTerm("星火台", ("星火", "台"))) == ["m_2"]
        assert await found(QueryTerm("星火", ()), QueryTerm("上线")) == ["m_1"]  # every term
        assert await found(QueryTerm("星火"), newest_first=True) == ["m_2", "m_1"]
        assert await found(QueryTerm("星火"), excluded=("台",)) == ["m_1"]
        # Syntax is never syntax: quotes, operators and stars are just words that match nothing.
        for hostile in ('"', "星火 OR", "*", "NEAR(", "a' | 'b", "\\", "!"):
            assert await found(QueryTerm(hostile)) == []
        stored = await db.read(lambda c: store.indexed_message_ids(c, "o_1"))
        assert stored == ["m_1", "m_2"]
        await db.write(lambda c: store.upsert(c, [doc("m_1", "changed", 1)]))  # an upsert replaces
        assert await found(QueryTerm("星火")) == ["m_2"]
        assert await db.read(lambda c: store.count(c, "o_1")) == 2
        await db.write(lambda c: store.remove(c, ["m_2"]))
        assert await found(QueryTerm("星火")) == []
        assert await found(QueryTerm("chang")) == ["m_1"]
    finally:
        await db.close()


async def test_messages_erased_by_retention_leave_the_index(world: World) -> None:
    w = world
    old = await w.send(w.ann, "quarterly numbers old")
    new = await w.send(w.ann, "quarterly numbers new")
    await w.drain()
    await w.svc.core.db.write(lambda c: c.execute(
        update(messages).where(messages.c.id == old["id"]).values(created_at=messages.c.created_at - 40 * DAY_MS)))
    await w.svc.core.db.write(lambda c: c.execute(update(orgs).where(orgs.c.id == w.org_id).values(retention_days=30)))
    assert await w.svc.retention.apply_policies() == 1
    await w.drain()
    assert await w.find("quarterly") == [new["id"]]
    assert await w.svc.core.read(lambda c: store.indexed_message_ids(c, w.org_id)) == [new["id"]]


QUERIES = ["需求", "评审会", "plans", "release notes", "预算", "falcon", "", "机密 launch"]


async def _answers(w: World) -> dict[str, list[str]]:
    return {q: await w.find(q, limit=100) for q in QUERIES}


async def test_a_reindex_answers_exactly_what_the_live_index_answered(world: World) -> None:
    w = world
    texts = ["需求评审会 明天", "We planned the release notes", "release notes v2", "机密项目 Falcon launch",
             "nothing to see", "发布 falcon 需求"]
    sent = [await w.send(w.ann if i % 2 else w.bob, t) for i, t in enumerate(texts * 3)]
    await w.svc.messages.edit(w.ann, w.room, sent[1]["id"], "plans changed again")
    await w.svc.messages.delete(w.bob, w.room, sent[0]["id"])
    await w.drain()
    live = await _answers(w)
    assert live["plans"] and live["需求"] and live["机密 launch"]
    await w.svc.core.write(lambda tx: store.remove_org(tx.conn, w.org_id))
    assert await w.find("release") == []
    progress: list[ReindexProgress] = []
    done = await Reindexer(w.svc.core, w.svc.search_keys, page=4).reindex(w.org_id, progress.append)
    assert done == len(sent) - 1 and progress[-1].done == progress[-1].total == done
    assert await _answers(w) == live


async def test_a_reindex_while_messages_are_sent_misses_none(world: World) -> None:
    w = world
    for i in range(40):
        await w.send(w.ann, f"before{i} common")
    await w.drain()
    await w.svc.core.write(lambda tx: store.remove_org(tx.conn, w.org_id))
    stop = asyncio.Event()

    async def keep_indexing() -> None:
        while not stop.is_set():
            if not await w.runner.step():
                await asyncio.sleep(0.005)

    async def keep_sending() -> list[str]:
        return [(await w.send(w.bob, f"during{i} common"))["id"] for i in range(40)]

    live = asyncio.create_task(keep_indexing())
    during, _ = await asyncio.gather(keep_sending(), Reindexer(w.svc.core, w.svc.search_keys, page=7)
                                     .reindex(w.org_id))
    stop.set()
    await live
    await w.drain()
    everyone = await w.svc.core.read(lambda c: store.indexed_message_ids(c, w.org_id))
    assert len(everyone) == len(set(everyone)) == 80
    assert set(during) <= set(everyone)
    assert len(await w.find("common", limit=100)) == 80


async def test_an_organisation_word_reindexes_what_was_cut_across_it(world: World) -> None:
    w = world
    sent = await w.send(w.ann, "我们的星火协作台写好了")  # cut 星火 / 协作 / 台写 before the word is known
    await w.drain()
    assert await w.find("星火协作台") == []
    assert await w.svc.search_words.set_words(w.ann, ["星火协作台", " Axon-X "]) == ["Axon-X", "星火协作台"]
    await w.svc.search_words.settled()
    assert await w.find("星火协作台") == [sent["id"]]
    assert await w.svc.search_words.words(w.ann) == ["Axon-X", "星火协作台"]


async def test_organisation_words_are_checked(world: World) -> None:
    bad: list[Any] = [["x"], ["a" * 33], ["two words"], ["semi;colon"], [3], "星火", [f"w{i}" for i in range(501)]]
    for words in bad:
        with pytest.raises(ValidationFailed) as refused:
            await world.svc.search_words.set_words(world.ann, words)
        assert refused.value.details == {"field": "words"}, words
    assert await world.svc.search_words.words(world.ann) == []  # nothing was stored


async def test_only_admins_see_and_change_organisation_words(world: World) -> None:
    for call in (world.svc.search_words.words(world.bob), world.svc.search_words.set_words(world.bob, ["星火"])):
        with pytest.raises(Forbidden):
            await call


async def test_words_another_node_took_are_learnt_at_the_next_load(world: World) -> None:
    word = "云帆智联台"
    assert [t.term for t in query_terms(word)] != [word]
    await world.svc.core.write(lambda tx: store.set_words(tx.conn, world.org_id, [word]))  # as another node did
    await world.svc.search_words.load()
    assert [t.term for t in query_terms(word)] == [word]


async def test_the_history_before_the_index_is_backfilled_once(world: World) -> None:
    w = world
    old = [(await w.send(w.ann, f"history {i} from before"))["id"] for i in range(5)]
    await w.svc.core.write(lambda tx: store.remove_org(tx.conn, w.org_id))  # as before the upgrade
    backfill = Backfill(w.svc.core, w.svc.search_reindexer, "n_test")
    assert await backfill.run() >= 1
    assert sorted(await w.find("history", limit=100)) == sorted(old)
    await w.svc.core.write(lambda tx: store.remove_org(tx.conn, w.org_id))
    assert await backfill.run() == 0  # done once: every organisation is marked
    assert await w.find("history") == []


async def test_a_searcher_with_thousands_of_conversations_is_answered(world: World) -> None:
    sent = await world.send(world.ann, "needle in many rooms")
    await world.drain()
    many = tuple(f"c_{i:020d}" for i in range(40_000)) + (world.room,)
    assert await world.find("needle", conversations=many) == [sent["id"]]
