"""Search: who may find what, the query's names resolved, the index asked, the hits checked and shown.

Who finds what (docs/search.md): messages of the conversations the searcher is a member of *now*,
plus a public channel of their organisation they are not in when they name it with ``in:`` (public
channels are readable by every member of the organisation: the policy's READ, as history is). A
person who left or was removed finds nothing of that conversation, not even what they saw. Guests
find only their conversations (the policy refuses them a channel they are not in).

The index answers for the conversations it is given and checks nothing else; every hit is then read
back as history reads it, and dropped when deleted, out of scope, or no longer matching its text
(quoted phrases and exclusions are checked on the plaintext: a blind index cannot).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..domain import policy
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.ids import new_id
from ..domain.link_preview import first_link
from ..domain.model import Actor, ConversationKind
from ..domain.names import normalise_query
from ..domain.search_query import ME, SearchQuery, parse
from ..domain.search_rank import fuse
from ..domain.search_snippets import Fragment, contains_phrase, snippet
from ..domain.search_terms import query_terms, spans
from ..protocol.rest import Message
from ..store import accounts, search_recent, search_scope
from ..store import conversations as convs
from ..store.database import Conn
from ..store.tx import Tx
from .core import Core
from .messages import with_reactions
from .org_settings import check_readable, settings_for
from .people import People
from .ports import IndexQuery, SearchIndex, SemanticIndex
from .views import conversation_view

Row = dict[str, Any]
Mode = Literal["hybrid", "keyword", "semantic"]
Sort = Literal["relevance", "date"]

KEEP_RECENT = 20
MAX_RESULTS = 1000  # a search pages through at most this many results (the cursor's offset is bounded)
SCAN_BATCH = 100  # index hits read per round while checking them
CHANNEL_MATCHES = 5
SUGGESTIONS = 5


@dataclass(frozen=True, slots=True)
class Scope:
    """What one search may look at, every name resolved."""

    conversation_ids: tuple[str, ...]
    index_query: IndexQuery
    query: SearchQuery


@dataclass(frozen=True, slots=True)
class Hit:
    message: Message
    fragments: list[Fragment]
    match: str
    score: float


class Search:
    def __init__(self, core: Core, index: SearchIndex | None = None, semantic: SemanticIndex | None = None) -> None:
        self.core = core
        self.index = index
        self.semantic = semantic

    # --- results -----------------------------------------------------------------------------

    async def search(self, actor: Actor, q: str, *, mode: Mode = "hybrid", sort: Sort = "relevance",
                     limit: int = 20, cursor: str | None = None, record: bool = False) -> Row:
        query = parse(q)
        offset = decode_cursor(cursor)
        scope = await self.core.read(lambda conn: _scope(conn, actor, query, sort))
        use_semantic = mode != "keyword" and self._semantic_on() and bool(query.text)
        wanted = min(offset + limit + 1, MAX_RESULTS)
        keyword = [] if mode == "semantic" and use_semantic else await self._keyword(scope, wanted)
        semantic = await self._semantic(actor, scope, wanted) if use_semantic else []
        fused = fuse([m.id for m in keyword], [m.id for m in semantic])
        by_id = {m.id: m for m in [*keyword, *semantic]}
        if sort == "date":
            fused.sort(key=lambda f: (by_id[f.message_id].created_at or "", by_id[f.message_id].seq), reverse=True)
        page = fused[offset:offset + limit]
        more = len(fused) > offset + limit and offset + limit < MAX_RESULTS
        items = [Hit(by_id[f.message_id], snippet(_searched_text(by_id[f.message_id]), query.terms, query.phrases),
                     f.match, f.score) for f in page]
        channels = await self._channels(actor, query) if offset == 0 else []
        if record:
            await self.record(actor, q)
        return {"items": items, "next_cursor": encode_cursor(offset + limit) if more else None,
                "channels": channels, "semantic": use_semantic}

    def _semantic_on(self) -> bool:
        return self.semantic is not None and bool(self.semantic.enabled)

    async def _keyword(self, scope: Scope, wanted: int) -> list[Message]:
        """Index hits, checked against the messages as they are now, until ``wanted`` passed."""
        if self.index is None or not scope.conversation_ids:
            return []
        passed: list[Message] = []
        seen = 0
        while len(passed) < wanted and seen < MAX_RESULTS:
            batch = max(SCAN_BATCH, wanted - len(passed))
            hits = await self.index.search(replace(scope.index_query, limit=batch, offset=seen))
            seen += len(hits)
            passed.extend(await self._checked(scope, [h.message_id for h in hits], words=True))
            if len(hits) < batch:
                break
        return passed[:wanted]

    async def _semantic(self, actor: Actor, scope: Scope, wanted: int) -> list[Message]:
        if self.semantic is None or not scope.conversation_ids:
            return []
        hits = await self.semantic.nearest(actor.org_id, scope.conversation_ids, scope.query.text, wanted)
        return await self._checked(scope, [h.message_id for h in hits], words=False)

    async def _checked(self, scope: Scope, message_ids: list[str], *, words: bool) -> list[Message]:
        """The messages, in the order given, that exist, are not deleted, are in scope and pass every
        filter and text check (``words``: each query word too, for keyword hits)."""
        if not message_ids:
            return []

        def load(conn: Conn) -> list[Message]:
            rows = [r for r in search_scope.messages_by_ids(conn, message_ids)
                    if r["deleted_at"] is None and r["conversation_id"] in set(scope.conversation_ids)]
            views = {m.id: m for m in with_reactions(conn, rows)}
            return [views[i] for i in dict.fromkeys(message_ids) if i in views and _passes(scope, views[i], words)]

        return await self.core.read(load)

    async def _channels(self, actor: Actor, query: SearchQuery) -> list[Any]:
        """Conversations whose name matches the free words (their pinyin too), that the searcher can see."""
        words = normalise_query(query.words).split()
        if not words:
            return []

        def load(conn: Conn) -> list[Any]:
            mine = [r for r in search_scope.member_conversations(conn, actor.user_id)
                    if r["kind"] != ConversationKind.DIRECT.value and _named(r["search_key"], words)]
            mine_ids = {r["id"] for r in mine}
            views = [conversation_view(r) for r in convs.summaries(conn, actor.user_id, list(mine_ids))] if mine else []
            if policy.allowed(actor, policy.Action.BROWSE_CHANNELS, settings_for(conn, actor.org_id)):
                public = convs.public_channels(conn, actor.org_id, " ".join(words), CHANNEL_MATCHES * 2)
                views += [conversation_view(r, joined=False) for r in public if r["id"] not in mine_ids]
            views.sort(key=lambda v: (not v.joined, v.archived, v.name))
            return views[:CHANNEL_MATCHES]

        return await self.core.read(load)

    # --- recent searches and suggestions ---------------------------------------------------

    async def record(self, actor: Actor, q: str) -> None:
        q = " ".join(q.split())
        if not q:
            return

        def apply(tx: Tx) -> None:
            search_recent.record(tx.conn, actor.user_id, new_id("search", tx.now_ms), q, tx.now_ms, KEEP_RECENT)

        await self.core.write(apply)

    async def recent(self, actor: Actor) -> list[Row]:
        rows = await self.core.read(lambda conn: search_recent.newest(conn, actor.user_id, KEEP_RECENT))
        return [{"query": r["query"], "searched_at": r["searched_at"]} for r in rows]

    async def clear_recent(self, actor: Actor) -> None:
        await self.core.write(lambda tx: search_recent.clear(tx.conn, actor.user_id))

    async def suggest(self, actor: Actor, people: People, q: str) -> Row:
        """People (the directory's search), channels (the searcher's and the public ones, by name and
        pinyin) and the searcher's recent queries that start with or contain ``q``."""
        typed = normalise_query(q)
        recent = [r["query"] for r in await self.recent(actor) if typed in normalise_query(r["query"])]
        if not typed:
            return {"people": [], "channels": [], "recent": recent[:SUGGESTIONS]}
        found, _ = await people.directory(actor, typed, None, SUGGESTIONS)
        channels = await self._channels(actor, SearchQuery(words=typed))
        return {"people": found, "channels": channels, "recent": recent[:SUGGESTIONS]}


# --- scope: names resolved, the searcher's rights applied --------------------------------------


def _scope(conn: Conn, actor: Actor, query: SearchQuery, sort: Sort) -> Scope:
    mine = search_scope.member_conversations(conn, actor.user_id)
    ids = _in_names(conn, actor, query.in_names, mine) if query.in_names else [r["id"] for r in mine]
    after_ms, before_ms = _time_range(conn, actor, query)
    index_query = IndexQuery(
        org_id=actor.org_id, conversation_ids=tuple(ids), terms=query.terms, excluded=_index_exclusions(query),
        sender_ids=tuple(_senders(conn, actor, query.from_names)), after_ms=after_ms, before_ms=before_ms,
        in_threads=query.is_thread, has=query.has, mentioning=actor.user_id if query.mentions_me else None,
        newest_first=sort == "date")
    return Scope(tuple(ids), index_query, query)


def _in_names(conn: Conn, actor: Actor, names: tuple[str, ...], mine: list[Row]) -> list[str]:
    """The conversations ``in:`` names: the searcher's own (a direct one by the other's username),
    else a public channel of the organisation they may read."""
    directs = search_scope.direct_peers(conn, actor.user_id,
                                        [r["id"] for r in mine if r["kind"] == ConversationKind.DIRECT.value])
    ids: list[str] = []
    for name in names:
        if name.startswith("@"):
            found = [cid for cid, peer in directs.items() if peer.lower() == name[1:].lower()]
        else:
            found = [r["id"] for r in mine if r["kind"] != ConversationKind.DIRECT.value
                     and r["name"].lower() == name.lower()] or _readable_channels(conn, actor, name)
        if not found:
            shown = name if name.startswith("@") else f"#{name}"
            raise ValidationFailed(f"in:{shown}: no conversation of that name that you can read.",
                                   field="q", filter="in")
        ids.extend(found)
    return list(dict.fromkeys(ids))


def _readable_channels(conn: Conn, actor: Actor, name: str) -> list[str]:
    readable = []
    for row in search_scope.public_channels_named(conn, actor.org_id, [name]):
        conv, member = convs.get_with_membership(conn, row["id"], actor.user_id)
        try:
            check_readable(conn, actor, conv, member)
        except (Forbidden, NotFound):  # a guest; public channels switched off: not in scope
            continue
        readable.append(row["id"])
    return readable


def _senders(conn: Conn, actor: Actor, names: tuple[str, ...]) -> list[str]:
    others = [n for n in names if n != ME]
    found = accounts.user_ids_by_usernames(conn, actor.org_id, others) if others else {}
    known = {k.lower(): v for k, v in found.items()}
    missing = [n for n in others if n.lower() not in known]
    if missing:
        raise ValidationFailed(f"from:@{missing[0]}: nobody in the organisation has that username.",
                               field="q", filter="from")
    return list(dict.fromkeys([actor.user_id] * (ME in names) + [known[n.lower()] for n in others]))


def _time_range(conn: Conn, actor: Actor, query: SearchQuery) -> tuple[int | None, int | None]:
    """``after:``/``before:``/``on:`` as milliseconds, days starting at midnight where the searcher lives."""
    if not (query.after or query.before or query.on):
        return None, None
    user = accounts.get_user(conn, actor.user_id)
    zone = _zone(user["timezone"] if user else "UTC")
    starts: list[int] = []
    ends: list[int] = []
    if query.after:
        starts.append(_midnight(query.after + timedelta(days=1), zone))
    if query.on:
        starts.append(_midnight(query.on, zone))
        ends.append(_midnight(query.on + timedelta(days=1), zone))
    if query.before:
        ends.append(_midnight(query.before, zone))
    return (max(starts) if starts else None), (min(ends) if ends else None)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _midnight(day: date, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(0), zone).timestamp() * 1000)


def _index_exclusions(query: SearchQuery) -> tuple[str, ...]:
    """Exclusions the index can apply: those that are one index term (the rest are checked on text)."""
    single = (query_terms(word) for word in query.excluded)
    return tuple(dict.fromkeys(terms[0].term for terms in single if len(terms) == 1 and not terms[0].parts))


# --- checking a hit against the message as it is now ------------------------------------------


def _passes(scope: Scope, message: Message, words: bool) -> bool:
    q, iq = scope.query, scope.index_query
    text = _searched_text(message)
    return (_filters_pass(iq, message) and all(contains_phrase(text, p) for p in q.phrases)
            and not any(_mentions(text, word) for word in q.excluded)
            and (not words or _has_words(text, q)))


def _filters_pass(iq: IndexQuery, m: Message) -> bool:
    created = _ms(m.created_at)
    return ((not iq.sender_ids or m.sender_id in iq.sender_ids)
            and (iq.after_ms is None or created >= iq.after_ms) and (iq.before_ms is None or created < iq.before_ms)
            and (not iq.in_threads or m.reply_to is not None or m.reply_count > 0)
            and (iq.mentioning is None or iq.mentioning in m.mentions or m.mentions_all)
            and all(_carries(m, kind) for kind in iq.has))


def _carries(m: Message, kind: str) -> bool:
    if kind == "link":  # as the index decides it: an http(s) link outside code
        return first_link(m.text) is not None
    if kind == "file":
        return bool(m.attachments)
    return any(a.kind == kind for a in m.attachments)


def _has_words(text: str, query: SearchQuery) -> bool:
    """Does the text (still) hold every query word (a Chinese word, or all of its parts)?"""
    present = {s.term for s in spans(text)}
    return all(t.term in present or (t.parts and set(t.parts) <= present) for t in query.terms)


def _mentions(text: str, word: str) -> bool:
    terms = query_terms(word)
    if len(terms) == 1:
        present = {s.term for s in spans(text)}
        return terms[0].term in present
    return contains_phrase(text, word)


def _searched_text(m: Message) -> str:
    """The message's text with its file names: what a search matches."""
    names = " ".join(a.name for a in m.attachments)
    return f"{m.text}\n{names}" if names else m.text


def _ms(stamp: str | None) -> int:
    if not stamp:
        return 0
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


def _named(search_key: str, words: list[str]) -> bool:
    return all(w in search_key for w in words)


# --- the cursor -------------------------------------------------------------------------------


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["o"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValidationFailed("cursor is not valid.", field="cursor") from exc
    if not isinstance(offset, int) or not 0 <= offset < MAX_RESULTS:
        raise ValidationFailed("cursor is not valid.", field="cursor")
    return offset

