"""The keyword index: kept by a durable consumer of committed events, asked through ``SearchIndex``.

``SearchIndexer`` (the ``search_index`` durable consumer) reads ``message.new``, ``message.edited``
and ``message.deleted`` and keeps one doc per live message: its terms (text and attachment names,
cut by ``axon.domain.search_terms``) and what the filters need. The terms are cut — and, for blind
terms, hashed — in a worker thread by ``prepare``; the transaction that moves the consumer's cursor
only writes rows. A send never touches the index: the doc appears once the consumer has run
(well under a second on a live node), and after a crash the consumer resumes after the last page
whose docs are durable, so no message is missed or indexed twice.

Blind terms (``SearchKeys``): when encryption at rest is on, each organisation's terms are stored as
HMAC-SHA256 under a random per-organisation key (wrapped by the master key), truncated to 80
bits, in hex: the index holds no word. Queries hash their terms the same way.

``KeywordIndex`` answers ``SearchIndex.search`` from the store; ``SearchWords`` keeps organisations'
own words for the segmenter and re-indexes an organisation when they change; ``Reindexer``
rebuilds an organisation's docs from ``messages`` online (``axon search reindex``).
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import msgspec

from ..domain import policy
from ..domain.errors import ValidationFailed
from ..domain.link_preview import first_link
from ..domain.model import Actor
from ..domain.sealing import MasterKey
from ..domain.search_terms import QueryTerm, add_words, index_terms
from ..store import search_index as store
from ..store.activity import conversation_orgs
from ..store.event_log import CommittedPage
from ..store.retention import claim_lease
from ..store.search_index import Doc
from ..store.tx import Tx
from .attachments import attachments_for
from .core import Core
from .ports import IndexHit, IndexQuery

log = logging.getLogger("axon.search")

BLIND_BYTES = 10  # 80 bits of HMAC-SHA256: 20 hex digits a term
_KEY_BYTES = 32
MAX_WORDS = 500
MIN_WORD_CHARS = 2
MAX_WORD_CHARS = 32
WORDS_REFRESH_SECONDS = 10.0
REINDEX_PAGE = 300  # messages a reindex transaction writes
_ORGS_REMEMBERED = 100_000


def key_context(org_id: str) -> bytes:
    """What a wrapped search key is bound to: it cannot be moved to another organisation."""
    return f"axon search key\x1f{org_id}".encode()


class Blinder:
    """Terms to keyed hashes under one organisation's search key."""

    __slots__ = ("_key", "_cache")

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[str, str] = {}

    def term(self, term: str) -> str:
        hashed = self._cache.get(term)
        if hashed is None:
            hashed = hmac.digest(self._key, term.encode(), "sha256")[:BLIND_BYTES].hex()
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[term] = hashed
        return hashed

    def terms(self, terms: Iterable[str]) -> tuple[str, ...]:
        """Hashed and sorted: the stored order says nothing about the order of the words."""
        return tuple(sorted(self.term(t) for t in terms))

    def query_term(self, q: QueryTerm) -> QueryTerm:
        return QueryTerm(self.term(q.term), tuple(self.term(p) for p in q.parts))


class SearchKeys:
    """Each organisation's search key: made on first use, stored wrapped by the master key, kept
    unwrapped in memory. None for everyone when encryption at rest is off (plain terms)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._blinders: dict[str, Blinder] = {}

    @property
    def enabled(self) -> bool:
        return self.core.db.keyring.enabled

    async def blinder(self, org_id: str) -> Blinder | None:
        if not self.enabled:
            return None
        found = self._blinders.get(org_id)
        if found is not None:
            return found
        row = await self.core.read(lambda c: store.key_of(c, org_id))
        if row is None:
            master = self.core.db.keyring.master
            assert master is not None
            wrapped = base64.b64encode(master.wrap(os.urandom(_KEY_BYTES), key_context(org_id))).decode()
            await self.core.write(lambda tx: store.add_key(tx.conn, org_id, wrapped, master.key_id, tx.now_ms))
            row = await self.core.read(lambda c: store.key_of(c, org_id))  # ours, or the one another node made
            assert row is not None
        found = self._blinders[org_id] = Blinder(self._unwrap(row))
        return found

    def _unwrap(self, row: dict[str, Any]) -> bytes:
        master = self.core.db.keyring.master
        assert master is not None
        return master.unwrap(base64.b64decode(row["wrapped"]), key_context(row["org_id"]))



def rewrap_search_keys(tx: Tx, old_master: MasterKey, new_master: MasterKey) -> int:
    """Wrap every organisation's search key under ``new_master`` (in the transaction of the master
    key's rotation, ``axon keys rotate --to``); returns how many. The keys themselves do not change:
    that would need every organisation re-indexed."""
    rows = store.all_keys(tx.conn)
    for row in rows:
        context = key_context(row["org_id"])
        key = old_master.unwrap(base64.b64decode(row["wrapped"]), context)
        store.rewrap_key(tx.conn, row["org_id"], base64.b64encode(new_master.wrap(key, context)).decode(),
                         new_master.key_id)
    return len(rows)


# --- what the events say ------------------------------------------------------------------------


class _Attachment(msgspec.Struct):
    name: str = ""
    kind: str = "file"


class _Message(msgspec.Struct):
    id: str
    conversation_id: str
    seq: int
    sender_id: str
    text: str = ""
    reply_to: str | None = None
    deleted: bool = False
    attachments: list[_Attachment] = []


class _New(msgspec.Struct):
    message: _Message


class _Edited(msgspec.Struct):
    message_id: str
    text: str = ""


class _Deleted(msgspec.Struct):
    message_id: str


_new = msgspec.json.Decoder(_New)
_edited = msgspec.json.Decoder(_Edited)
_deleted = msgspec.json.Decoder(_Deleted)


@dataclass(slots=True)
class _Source:
    """A message as the indexer sees it, before its terms are cut."""

    message_id: str
    org_id: str
    conversation_id: str
    seq: int
    sender_id: str
    created_at: int
    reply_to: str | None
    text: str
    names: tuple[str, ...]
    kinds: frozenset[str]


def _cut(source: _Source, blinder: Blinder | None) -> Doc:
    """The doc of a message (CPU work: run in a worker thread)."""
    terms = index_terms(source.text)
    for name in source.names:
        terms += index_terms(name)
    return Doc(source.message_id, source.org_id, source.conversation_id, source.seq, source.sender_id,
               source.created_at, source.reply_to,
               blinder.terms(terms) if blinder is not None else tuple(terms),
               has_file=bool(source.names), has_image="image" in source.kinds,
               has_link=first_link(source.text) is not None, has_voice="voice" in source.kinds,
               blind=blinder is not None)


@dataclass(frozen=True, slots=True)
class Prepared:
    docs: list[Doc]  # upserted
    removed: list[str]  # message ids


def _source_of_row(row: dict[str, Any], org_id: str, files: list[Any]) -> _Source:
    return _Source(row["id"], org_id, row["conversation_id"], int(row["seq"]), row["sender_id"],
                   int(row["created_at"]), row["reply_to"], row["text"] or "",
                   tuple(f.name for f in files), frozenset(f.kind for f in files))


class SearchIndexer:
    """The ``search_index`` durable consumer (see the module's docstring)."""

    name = "search_index"

    def __init__(self, core: Core, keys: SearchKeys) -> None:
        self.core = core
        self.keys = keys
        self._org_of: dict[str, str] = {}  # a conversation never changes organisation

    async def _orgs(self, conversation_ids: set[str]) -> dict[str, str]:
        unknown = sorted(conversation_ids - self._org_of.keys())
        if unknown:
            if len(self._org_of) + len(unknown) > _ORGS_REMEMBERED:
                self._org_of.clear()
            self._org_of.update(await self.core.read(lambda c: conversation_orgs(c, unknown)))
        return self._org_of

    async def prepare(self, page: CommittedPage) -> Prepared:
        # The final state of each message the page touches, in event order: a doc from message.new,
        # a re-read of the message for message.edited, or its removal.
        news: dict[str, tuple[_Message, int]] = {}
        edited: set[str] = set()
        removed: dict[str, None] = {}
        wanted = [e for e in page.conversation_events
                  if e.type in ("message.new", "message.edited", "message.deleted")]
        if not wanted:
            return Prepared([], [])
        for e in wanted:
            if e.type == "message.new":
                m = _new.decode(e.data_json).message
                removed.pop(m.id, None)
                if m.deleted:
                    removed[m.id] = None
                else:
                    news[m.id] = (m, e.created_at)  # the message's own created_at: one transaction
            elif e.type == "message.edited":
                edited.add(_edited.decode(e.data_json).message_id)
            else:
                message_id = _deleted.decode(e.data_json).message_id
                news.pop(message_id, None)
                edited.discard(message_id)
                removed[message_id] = None
        orgs = await self._orgs({e.conversation_id for e in wanted})
        sources: list[_Source] = []
        for m, created_at in news.values():
            if m.id in edited:
                continue  # re-read below: the event's text is the first version
            org_id = orgs.get(m.conversation_id)
            if org_id is None:
                continue
            sources.append(_Source(m.id, org_id, m.conversation_id, m.seq, m.sender_id,
                                   created_at, m.reply_to, m.text,
                                   tuple(a.name for a in m.attachments), frozenset(a.kind for a in m.attachments)))
        if edited:
            sources += await self._current(sorted(edited), orgs, removed)
        blinders = {org_id: await self.keys.blinder(org_id) for org_id in {s.org_id for s in sources}}
        docs = await asyncio.to_thread(lambda: [_cut(s, blinders[s.org_id]) for s in sources])
        return Prepared(docs, list(removed))

    async def _current(self, message_ids: list[str], orgs: dict[str, str], removed: dict[str, None]) -> list[_Source]:
        """Edited messages as they are now (their text, and their files' names, which an edit keeps)."""
        def load(c: Any) -> list[tuple[dict[str, Any], list[Any]]]:
            rows = store.message_rows(c, message_ids)
            files = attachments_for(c, rows)
            return [(r, files.get(r["id"], [])) for r in rows]

        found: list[_Source] = []
        for row, files in await self.core.read(load):
            org_id = orgs.get(row["conversation_id"])
            if row["deleted_at"] is not None:
                removed[row["id"]] = None
            elif org_id is not None:
                found.append(_source_of_row(row, org_id, files))
        return found

    def apply_prepared(self, tx: Tx, page: CommittedPage, prepared: object) -> None:
        assert isinstance(prepared, Prepared)
        if prepared.removed:
            store.remove(tx.conn, prepared.removed)
        if prepared.docs:
            store.upsert(tx.conn, prepared.docs)


class KeywordIndex:
    """``SearchIndex`` over the store (plain or blind terms, as the organisation's are)."""

    def __init__(self, core: Core, keys: SearchKeys) -> None:
        self.core = core
        self.keys = keys

    async def search(self, query: IndexQuery) -> list[IndexHit]:
        blinder = await self.keys.blinder(query.org_id)
        if blinder is not None:
            query = replace(query, terms=tuple(blinder.query_term(t) for t in query.terms),
                            excluded=tuple(blinder.term(t) for t in query.excluded))
        hits = await self.core.read(lambda c: store.match(c, query))
        return [IndexHit(*hit) for hit in hits]


# --- reindex ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReindexProgress:
    org_id: str
    done: int
    total: int
    seconds: float


class Reindexer:
    """Rebuilds organisations' docs from ``messages`` while the live indexer keeps running: pages of
    a few hundred messages, each read, cut off the writer, then upserted in one write. A message
    the live indexer writes meanwhile is upserted by both, with the same doc (both read what is
    committed), and a delete after the page was read is removed again by the indexer's
    ``message.deleted``, which commits after it: the two converge."""

    def __init__(self, core: Core, keys: SearchKeys, page: int = REINDEX_PAGE) -> None:
        self.core = core
        self.keys = keys
        self.page = page

    async def reindex(self, org_id: str, on_page: Callable[[ReindexProgress], None] | None = None) -> int:
        started = time.monotonic()
        total = await self.core.read(lambda c: store.live_message_count(c, org_id))
        blinder = await self.keys.blinder(org_id)
        after = ""
        done = 0
        while True:
            def load(c: Any, after: str = after) -> list[tuple[dict[str, Any], list[Any]]]:
                ids = store.message_ids_page(c, org_id, after, self.page)
                rows = sorted(store.message_rows(c, ids), key=lambda r: r["id"])
                files = attachments_for(c, rows)
                return [(r, files.get(r["id"], [])) for r in rows]

            page = await self.core.read(load)
            if not page:
                break
            sources = [_source_of_row(r, org_id, f) for r, f in page if r["deleted_at"] is None]
            docs = await asyncio.to_thread(_cut_all, sources, blinder)

            def write(tx: Tx, docs: list[Doc] = docs) -> None:
                # Only messages still live: one deleted since the page was read stays out.
                live = {r["id"] for r in store.message_rows(tx.conn, [d.message_id for d in docs])
                        if r["deleted_at"] is None}
                store.upsert(tx.conn, [d for d in docs if d.message_id in live])

            await self.core.write(write)
            done += len(page)
            after = page[-1][0]["id"]
            if on_page is not None:
                on_page(ReindexProgress(org_id, done, max(total, done), time.monotonic() - started))
        return done


class Backfill:
    """The history sent before the index existed: each organisation is re-indexed once, in the
    background, at node start (one node at a time, under a lease; another node taking over
    repeats at most one organisation's work, which upserts make harmless). An organisation
    created later is backfilled at the next start: cheap, its messages are indexed already."""

    LEASE = "search-backfill"

    def __init__(self, core: Core, reindexer: Reindexer, node_id: str, lease_seconds: float = 600.0) -> None:
        self.core = core
        self.reindexer = reindexer
        self.node_id = node_id
        self.lease_ms = int(lease_seconds * 1000)

    async def run(self) -> int:
        """Backfill every organisation not done yet; returns how many this node did."""
        done = 0
        while True:
            waiting = await self.core.read(store.orgs_to_backfill)
            if not waiting:
                return done
            if not await self.core.write(lambda tx: claim_lease(tx.conn, self.LEASE, self.node_id, tx.now_ms,
                                                                 tx.now_ms + self.lease_ms)):
                await self.core.clock.sleep(self.lease_ms / 2000)  # another node is at it
                continue
            org_id = waiting[0]
            count = await self.reindexer.reindex(org_id)
            await self.core.write(lambda tx, org_id=org_id: store.mark_backfilled(tx.conn, org_id))
            if count:
                log.info("search: indexed the %d earlier messages of organisation %s", count, org_id)
            done += 1


def _cut_all(sources: list[_Source], blinder: Blinder | None) -> list[Doc]:
    return [_cut(s, blinder) for s in sources]


class SearchWords:
    """Organisations' own words for the Chinese segmenter (set by admins over REST; no web page yet)."""

    def __init__(self, core: Core, reindexer: Reindexer) -> None:
        self.core = core
        self.reindexer = reindexer
        self._tasks: set[asyncio.Task[int]] = set()
        self._known: set[str] = set()  # words the segmenter was given

    async def load(self) -> None:
        """Every organisation's words into the segmenter (at node start, then every few seconds:
        words another node took). The segmenter only learns: a removed word stays until a restart."""
        words = set(await self.core.read(store.all_words))
        if words - self._known:
            await asyncio.to_thread(add_words, sorted(words - self._known))
            self._known |= words

    async def run(self, interval: float = WORDS_REFRESH_SECONDS) -> None:
        while True:
            await self.core.clock.sleep(interval)
            try:
                await self.load()
            except Exception:  # a lost database must not end the node's task group: next round
                log.exception("loading organisation words failed")

    async def words(self, actor: Actor) -> list[str]:
        policy.check_org_admin(actor)
        return await self.core.read(lambda c: store.words_of(c, actor.org_id))

    async def set_words(self, actor: Actor, words: Any) -> list[str]:
        policy.check_org_admin(actor)
        clean = validate_words(words)
        await self.core.write(lambda tx: store.set_words(tx.conn, actor.org_id, clean))
        await asyncio.to_thread(add_words, clean)
        self._known |= set(clean)
        task = asyncio.create_task(self.reindexer.reindex(actor.org_id))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return clean

    def _done(self, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("re-indexing after a change of words failed", exc_info=task.exception())

    async def settled(self) -> None:
        """Until the re-indexing that changes of words started has finished (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def validate_words(words: Any) -> list[str]:
    if not isinstance(words, list):
        raise ValidationFailed("words must be a list of strings.", field="words")
    if len(words) > MAX_WORDS:
        raise ValidationFailed(f"At most {MAX_WORDS} words.", field="words")
    clean: dict[str, None] = {}
    for word in words:
        if not isinstance(word, str):
            raise ValidationFailed("words must be a list of strings.", field="words")
        word = word.strip()
        if not MIN_WORD_CHARS <= len(word) <= MAX_WORD_CHARS:
            raise ValidationFailed(f"Each word has {MIN_WORD_CHARS} to {MAX_WORD_CHARS} characters: {word!r}.",
                                   field="words")
        if any(ch.isspace() or not (ch.isalnum() or ch in "-_.+#") for ch in word):
            raise ValidationFailed(f"A word has letters, digits and - _ . + # only: {word!r}.", field="words")
        clean[word] = None
    return sorted(clean)
