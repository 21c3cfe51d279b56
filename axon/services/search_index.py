"""The keyword index: kept by a durable consumer of committed events, asked through ``SearchIndex``.

``SearchIndexer`` (the ``search_index`` durable consumer) reads ``message.new``, ``message.edited``
and ``message.deleted`` and keeps one doc per live message: its terms (text and attachment names,
cut by ``axon.domain.search_terms``) and what the filters need. The terms are cut — and, for blind
terms, hashed — in a worker thread by ``prepare``; the transaction that moves the consumer's cursor
only writes rows. A send never touches the index: the doc appears once the consumer has run
(well under a second on a live node), and after a crash the consumer resumes after the last page
whose docs are durable, so no message is missed or indexed twice.

Blind terms (``services/search_keys.py``): with encryption at rest on, the terms are keyed hashes.

``KeywordIndex`` answers ``SearchIndex.search`` from the store. Elsewhere: ``search_words.py``
(organisations' own words for the segmenter), ``search_reindex.py`` (rebuilding docs from
``messages`` online: ``axon search reindex`` and the backfill of earlier history).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from ..domain.link_preview import first_link
from ..domain.search_terms import index_terms
from ..store import search_index as store
from ..store.activity import conversation_orgs
from ..store.event_log import CommittedPage
from ..store.search_index import Doc
from ..store.tx import Tx
from . import message_events as events
from .attachments import attachments_for
from .core import Core
from .ports import IndexHit, IndexQuery
from .search_keys import Blinder, SearchKeys

_ORGS_REMEMBERED = 100_000


@dataclass(slots=True)
class IndexSource:
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


def cut(source: IndexSource, blinder: Blinder | None) -> Doc:
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


def source_of_row(row: dict[str, Any], org_id: str, files: list[Any]) -> IndexSource:
    return IndexSource(row["id"], org_id, row["conversation_id"], int(row["seq"]), row["sender_id"],
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
        news: dict[str, tuple[events.Message, int]] = {}
        edited: set[str] = set()
        removed: dict[str, None] = {}
        wanted = [e for e in page.conversation_events
                  if e.type in ("message.new", "message.edited", "message.deleted")]
        if not wanted:
            return Prepared([], [])
        for e in wanted:
            if e.type == "message.new":
                m = events.new.decode(e.data_json).message
                removed.pop(m.id, None)
                if m.deleted:
                    removed[m.id] = None
                else:
                    news[m.id] = (m, e.created_at)  # the message's own created_at: one transaction
            elif e.type == "message.edited":
                edited.add(events.edited.decode(e.data_json).message_id)
            else:
                message_id = events.deleted.decode(e.data_json).message_id
                news.pop(message_id, None)
                edited.discard(message_id)
                removed[message_id] = None
        orgs = await self._orgs({e.conversation_id for e in wanted})
        sources: list[IndexSource] = []
        for m, created_at in news.values():
            if m.id in edited:
                continue  # re-read below: the event's text is the first version
            org_id = orgs.get(m.conversation_id)
            if org_id is None:
                continue
            sources.append(IndexSource(m.id, org_id, m.conversation_id, m.seq, m.sender_id,
                                   created_at, m.reply_to, m.text,
                                   tuple(a.name for a in m.attachments), frozenset(a.kind for a in m.attachments)))
        if edited:
            sources += await self._current(sorted(edited), orgs, removed)
        blinders = {org_id: await self.keys.blinder(org_id) for org_id in {s.org_id for s in sources}}
        docs = await asyncio.to_thread(lambda: [cut(s, blinders[s.org_id]) for s in sources])
        return Prepared(docs, list(removed))

    async def _current(self, message_ids: list[str], orgs: dict[str, str],
                       removed: dict[str, None]) -> list[IndexSource]:
        """Edited messages as they are now (their text, and their files' names, which an edit keeps)."""
        def load(c: Any) -> list[tuple[dict[str, Any], list[Any]]]:
            rows = store.message_rows(c, message_ids)
            files = attachments_for(c, rows)
            return [(r, files.get(r["id"], [])) for r in rows]

        found: list[IndexSource] = []
        for row, files in await self.core.read(load):
            org_id = orgs.get(row["conversation_id"])
            if row["deleted_at"] is not None:
                removed[row["id"]] = None
            elif org_id is not None:
                found.append(source_of_row(row, org_id, files))
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


def cut_all(sources: list[IndexSource], blinder: Blinder | None) -> list[Doc]:
    return [cut(s, blinder) for s in sources]
