"""Smart replies, the learning side: a durable consumer that keeps the organisation's (message → reply)
pairs (``schema.reply_pairs``), one per reply message.

``ReplyLearner`` (consumer ``reply_pairs``) reads ``message.new``, ``message.edited`` and
``message.deleted``. In ``prepare`` — off the group-commit writer — it reads each new or edited message
as it is now and the message just before it in its stream, decides with
``domain.smart_replies.is_reply`` whether they form a pair, and embeds the message answered in the
background embedder (a low-priority child process, ``embeddings/process.py``: the send path never
waits for it). An edited message is looked at both as a reply and as a message answered. A delete
(or retention's erasure, the same ``erase_message``) forgets every pair it is part of. Preparing a
page again after a crash reads the same or a later state, which a later page corrects (an edit
brings its own page), as ``spine/durable.py`` requires.

Only organisations with the smart replies helper on (the ``ai_helpers`` module and the
``ai_smart_replies`` switch) are learned from; forgetting always happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain import policy
from ..domain.model import OrgRole
from ..domain.smart_replies import in_words, is_reply, is_short_reply, language_of
from ..store import reply_pairs as store
from ..store.activity import conversation_orgs
from ..store.database import Conn
from ..store.event_log import CommittedPage
from ..store.reply_pairs import NewPair
from ..store.tx import Tx
from . import message_events as events
from .org_settings import settings_for
from .ports import Embedder
from .semantic import CpuShare, meaningful, to_stored
from .semantic_index import Read

CONSUMER = "reply_pairs"


@dataclass(frozen=True, slots=True)
class Touched:
    """What a page did to messages: sent, edited, deleted (ids)."""

    new: set[str] = field(default_factory=set)
    edited: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)


def touched(page: CommittedPage) -> Touched:
    t = Touched()
    for e in page.conversation_events:
        if e.type == "message.new":
            t.new.add(events.new.decode(e.data_json).message.id)
        elif e.type == "message.edited":
            t.edited.add(events.ref.decode(e.data_json).message_id)
        elif e.type == "message.deleted":
            t.deleted.add(events.ref.decode(e.data_json).message_id)
    return t


@dataclass(frozen=True, slots=True)
class _Found:
    reply: dict[str, Any]
    prompt: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PreparedPairs:
    put: list[NewPair] = field(default_factory=list)
    forget_replies: list[str] = field(default_factory=list)
    forget_prompts: list[str] = field(default_factory=list)


class ReplyLearner:
    name = CONSUMER

    def __init__(self, read: Read[Any], embedder: Embedder, cpu: CpuShare | None = None) -> None:
        self._read = read
        self.embedder = embedder
        self.cpu = cpu or CpuShare()

    async def prepare(self, page: CommittedPage) -> PreparedPairs:
        t = touched(page)
        if not (t.new or t.edited or t.deleted):
            return PreparedPairs()
        await self.cpu.quiet()  # learning waits while the node is busy writing: sends come first
        looked_at, found = await self._read(lambda conn: _pairs_now(conn, t))
        kept = [f for f in found if meaningful(f.prompt["text"])]
        vectors = await self.cpu.run(lambda: self.embedder.embed([f.prompt["text"] for f in kept])) if kept else []
        put = [NewPair(f.reply["id"], f.prompt["id"], f.reply["conversation_id"], language_of(f.reply["text"]).value,
                       f.reply["created_at"], to_stored(v), in_words(f.reply["text"]))
               for f, v in zip(kept, vectors, strict=True)]
        made = {p.reply_id for p in put}
        # A message first sent in this page has no pair stored yet: only edited and deleted messages (and
        # replies to edited ones) can have rows to empty. Naming every new message made the writer's
        # transaction update thousands of rows by key under a burst of sends.
        return PreparedPairs(put, sorted(((looked_at - t.new) | t.edited | t.deleted) - made), sorted(t.deleted))

    def apply_prepared(self, tx: Tx, page: CommittedPage, prepared: object) -> None:
        assert isinstance(prepared, PreparedPairs)
        store.forget_many(tx.conn, prepared.forget_replies, prepared.forget_prompts, page.last_pos)
        store.put_many(tx.conn, prepared.put, page.last_pos)


def _pairs_now(conn: Conn, t: Touched) -> tuple[set[str], list[_Found]]:
    """The replies to look at again (new, edited, or answering an edited message) and, of those, the
    pairs they form now (in organisations that learn)."""
    edited = sorted(t.edited - t.deleted)
    looked_at = (t.new | t.edited | set(store.replies_to(conn, edited))) - t.deleted
    rows = store.messages_by_ids(conn, sorted(looked_at))
    orgs = conversation_orgs(conn, sorted({r["conversation_id"] for r in rows}))
    learning = {org for org in set(orgs.values()) if _learns(conn, org)}
    found = []
    for reply in rows:
        if (reply["deleted_at"] is not None or orgs.get(reply["conversation_id"]) not in learning
                or not is_short_reply(reply["text"])):  # most messages: no look at the one before
            continue
        prompt = store.previous_in_stream(conn, reply)
        if prompt is not None and prompt["deleted_at"] is None and is_reply(
                prompt["sender_id"], prompt["created_at"], reply["sender_id"], reply["created_at"], reply["text"]):
            found.append(_Found(reply, prompt))
    return looked_at, found


def _learns(conn: Conn, org_id: str) -> bool:
    return policy.decide(OrgRole.MEMBER, policy.Action.SUGGEST_REPLIES, settings=settings_for(conn, org_id)) is None
