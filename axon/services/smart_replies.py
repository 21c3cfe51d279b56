"""Smart replies, the answering side: up to three short replies to the last message addressed to the
caller in a conversation, in that message's language. Never sends anything.

``LearnedReplies`` keeps, per organisation and language, the learned pairs' vectors in memory
(``OrgVectors``, as semantic search does), brought up to date before each question by reading the
rows written since its last look (``store/reply_pairs.changed_since``). A question embeds the
message in the node's process, takes the nearest pairs *of the conversations the caller can read
now* (their memberships checked by the policy's READ), and ranks their replies by similarity and
frequency (``domain.smart_replies.rank``). Built-in replies chosen by what the message does fill
the rest (cold start, or a node without the embedder). See docs/ai/replies.md.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import numpy as np

from ..domain import policy
from ..domain.model import Actor, ConversationKind
from ..domain.smart_replies import (
    MAX_SUGGESTIONS,
    Candidate,
    Lang,
    Said,
    addressed_to,
    built_in_replies,
    language_of,
    rank,
    reply_key,
)
from ..store import conversations as convs
from ..store import reply_pairs as store
from ..store import search_scope
from ..store.database import Conn
from ..store.reply_pairs import StoredPair
from ..store.search_vectors import StoredVector
from .core import Core
from .org_settings import check_readable, settings_for
from .ports import Embedder
from .preferences import UserPreferences
from .semantic_index import OrgVectors, Read

# Below this cosine a learned pair's message is not "like" the one being answered. Chosen before the
# held-out set was run (docs/ai/replies.md): short chat lines of the same act sit above ~0.5.
PAIR_FLOOR = 0.5
NEAREST = 30  # pairs looked at per question, before replies are grouped
LOOKBACK = 50  # the conversation's last messages searched for one addressed to the caller
_READ_PAGE = 10_000

Source = Literal["learned", "built_in"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    source: Source
    intent: str | None = None  # built-in replies' act (the quality rubric); learned: unknown here


@dataclass(frozen=True, slots=True)
class Suggestions:
    message_id: str | None = None
    thread_root: str | None = None
    suggestions: list[Suggestion] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "thread_root": self.thread_root,
                "suggestions": [{"text": s.text, "source": s.source} for s in self.suggestions]}


class _OrgPairs:
    def __init__(self, dimensions: int) -> None:
        self.version = -1
        self.after_id = ""
        self.by_lang = {lang: OrgVectors(dimensions) for lang in Lang}
        self.texts: dict[str, str] = {}

    def apply(self, changes: list[StoredPair]) -> None:
        for c in changes:
            for lang, vectors in self.by_lang.items():
                keep = c.vector is not None and c.lang == lang.value
                vectors.apply([StoredVector(c.reply_id, c.conversation_id, c.version, c.vector if keep else None)])
            if c.vector is None:
                self.texts.pop(c.reply_id, None)
            else:
                self.texts[c.reply_id] = c.reply_text
            self.version, self.after_id = c.version, c.reply_id

    @property
    def nbytes(self) -> int:
        return sum(v.nbytes for v in self.by_lang.values())


class LearnedReplies:
    """The learned pairs nearest to a message, from this node's copy of them."""

    def __init__(self, read: Read[Any], embedder: Embedder, floor: float = PAIR_FLOOR, nearest: int = NEAREST) -> None:
        self._read = read
        self.embedder = embedder
        self.floor = floor
        self.nearest = nearest
        self._orgs: dict[str, _OrgPairs] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def candidates(self, org_id: str, lang: Lang, conversation_ids: tuple[str, ...],
                         text: str) -> list[Candidate]:
        if not conversation_ids:
            return []
        query = np.frombuffer((await asyncio.to_thread(self.embedder.embed, [text]))[0], dtype="<f4")
        async with self._locks.setdefault(org_id, asyncio.Lock()):
            pairs = await self.refreshed(org_id)
            hits = pairs.by_lang[lang].nearest(query, conversation_ids, self.nearest, self.floor)
            return [Candidate(pairs.texts[h.message_id], h.similarity) for h in hits if h.message_id in pairs.texts]

    async def refreshed(self, org_id: str) -> _OrgPairs:
        pairs = self._orgs.get(org_id)
        if pairs is None:
            pairs = self._orgs[org_id] = _OrgPairs(self.embedder.dimensions)
        while True:
            changes = await self._read(partial(store.changed_since, org_id=org_id, version=pairs.version,
                                               after_id=pairs.after_id, limit=_READ_PAGE))
            pairs.apply(changes)
            if len(changes) < _READ_PAGE:
                return pairs

    def nbytes(self) -> int:
        return sum(p.nbytes for p in self._orgs.values())


class SmartReplies:
    def __init__(self, core: Core, preferences: UserPreferences, learned: LearnedReplies | None = None) -> None:
        self.core = core
        self.preferences = preferences
        self.learned = learned  # None: the node learns nothing (built-in replies only)

    async def suggest(self, actor: Actor, conversation_id: str) -> Suggestions:
        """Suggestions for the caller in the conversation (empty when they switched them off or nothing
        there is addressed to them). Not readable: ``not_found``; the helper off: ``module_disabled``."""
        target, readable = await self.core.read(lambda conn: _target_and_scope(conn, actor, conversation_id))
        if target is None or not (await self.preferences.get(actor)).smart_replies:
            return Suggestions()
        lang = language_of(target.text)
        learned: list[Candidate] = []
        if self.learned is not None:
            learned = await self.learned.candidates(actor.org_id, lang, readable, target.text)
        chosen = [Suggestion(r.text, "learned") for r in rank(learned)]
        taken = {reply_key(s.text) for s in chosen}
        for b in built_in_replies(target.text):
            if len(chosen) < MAX_SUGGESTIONS and reply_key(b.text) not in taken:
                chosen.append(Suggestion(b.text, "built_in", b.intent.value))
                taken.add(reply_key(b.text))
        return Suggestions(target.id, target.thread_root, chosen)


def _target_and_scope(conn: Conn, actor: Actor, conversation_id: str) -> tuple[Said | None, tuple[str, ...]]:
    conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
    check_readable(conn, actor, conv, member)
    assert conv is not None
    policy.check_org(actor, policy.Action.SUGGEST_REPLIES, settings_for(conn, actor.org_id))
    if member is None:  # a visitor of a public channel: nothing there is addressed to them
        return None, ()
    rows = store.newest_messages(conn, conversation_id, LOOKBACK)
    roots = store.senders_of(conn, {r["reply_to"] for r in rows if r["reply_to"]})
    said = [Said(r["id"], r["sender_id"], r["text"], r["reply_to"], tuple(r["mentions"]), r["deleted_at"] is not None)
            for r in rows]
    target = addressed_to(actor.user_id, conv.kind is ConversationKind.DIRECT, said, roots)
    return target, (_readable(conn, actor) if target is not None else ())


def _readable(conn: Conn, actor: Actor) -> tuple[str, ...]:
    """The conversations whose pairs the caller may be suggested: theirs now, each allowed by the policy."""
    ids = [r["id"] for r in search_scope.member_conversations(conn, actor.user_id)]
    access = convs.access_many(conn, {(cid, actor.user_id) for cid in ids})
    return tuple(sorted(cid for (cid, _), (conv, member) in access.items()
                        if conv is not None and member is not None and conv.org_id == actor.org_id
                        and policy.decide(actor.org_role, policy.Action.READ, policy.place_of(conv),
                                          member.role) is None))
