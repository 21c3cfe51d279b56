"""Smart replies' learned (message → reply) pairs (``schema.reply_pairs``) and the message reads
around them: queries only, no rules (``services/smart_replies.py`` decides what is a pair).

Rows are written by one durable consumer at a time, each write stamped with ``version`` = the outbox
position of the consumer's page, which only grows in commit order: "what changed since version v" is
a cheap indexed read that every node runs before answering; removals stay as rows without a vector
so that other nodes see them (as ``search_vectors`` does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from .schema import messages, reply_pairs
from .sealed_columns import open_message_texts, open_pair, seal_pair
from .sealing import keyring_of

Row = dict[str, Any]
_MESSAGE_COLUMNS = (messages.c.id, messages.c.conversation_id, messages.c.seq, messages.c.sender_id,
                    messages.c.text, messages.c.reply_to, messages.c.mentions, messages.c.deleted_at,
                    messages.c.created_at, messages.c.file_count)


@dataclass(frozen=True, slots=True)
class NewPair:
    reply_id: str
    prompt_id: str
    conversation_id: str
    lang: str
    created_at: int
    vector: bytes  # the prompt's, float16 little-endian
    reply_text: str


@dataclass(frozen=True, slots=True)
class StoredPair:
    reply_id: str
    conversation_id: str
    lang: str
    version: int
    vector: bytes | None  # None: forget this pair
    reply_text: str


# --- messages around a reply ------------------------------------------------------------------


def messages_by_ids(conn: Connection, message_ids: list[str]) -> list[Row]:
    """The messages (text opened, ``mentions`` decoded) with these ids, in no particular order."""
    if not message_ids:
        return []
    rows = [dict(r) for r in conn.execute(select(*_MESSAGE_COLUMNS).where(messages.c.id.in_(message_ids))).mappings()]
    return _decoded(conn, rows)


def previous_in_stream(conn: Connection, message: Row) -> Row | None:
    """The message just before ``message`` in its stream: the conversation's top level, or its thread
    (whose first reply follows the root itself); deleted ones included (the caller decides)."""
    m = messages.c
    root = message["reply_to"]
    stream = m.reply_to.is_(None) if root is None else or_(m.reply_to == root, m.id == root)
    row = conn.execute(select(*_MESSAGE_COLUMNS)
                       .where(m.conversation_id == message["conversation_id"], m.seq < message["seq"], stream)
                       .order_by(m.seq.desc()).limit(1)).mappings().first()
    return None if row is None else _decoded(conn, [dict(row)])[0]


def newest_messages(conn: Connection, conversation_id: str, limit: int) -> list[Row]:
    """The conversation's last ``limit`` messages (threads included), newest first."""
    m = messages.c
    rows = [dict(r) for r in conn.execute(select(*_MESSAGE_COLUMNS).where(m.conversation_id == conversation_id)
                                          .order_by(m.seq.desc()).limit(limit)).mappings()]
    return _decoded(conn, rows)


def senders_of(conn: Connection, message_ids: set[str]) -> dict[str, str]:
    """message id → sender id (thread roots, whose author a reply in them is addressed to)."""
    if not message_ids:
        return {}
    stmt = select(messages.c.id, messages.c.sender_id).where(messages.c.id.in_(sorted(message_ids)))
    return {mid: sender for mid, sender in conn.execute(stmt)}


def _decoded(conn: Connection, rows: list[Row]) -> list[Row]:
    for r in rows:
        r["mentions"] = json.loads(r["mentions"] or "[]")
    return open_message_texts(conn, rows)


# --- the pairs --------------------------------------------------------------------------------


def replies_to(conn: Connection, prompt_ids: list[str]) -> list[str]:
    """The reply ids of live pairs that answer these messages."""
    if not prompt_ids:
        return []
    t = reply_pairs.c
    return list(conn.execute(select(t.reply_id).where(t.prompt_id.in_(prompt_ids), t.vector.is_not(None))).scalars())


def put_many(conn: Connection, found: list[NewPair], version: int) -> None:
    """Write (or replace) the pairs, stamped with ``version``."""
    if not found:
        return
    t = reply_pairs
    orgs = keyring_of(conn).orgs_of_conversations(conn, {p.conversation_id for p in found})
    existing = set(conn.execute(select(t.c.reply_id).where(t.c.reply_id.in_([p.reply_id for p in found]))).scalars())
    rows = []
    for p in found:
        org = orgs[p.conversation_id]
        vector, text = seal_pair(conn, org, p.conversation_id, p.reply_id, p.vector, p.reply_text)
        rows.append({"reply_id": p.reply_id, "prompt_id": p.prompt_id, "org_id": org,
                     "conversation_id": p.conversation_id, "lang": p.lang, "created_at": p.created_at,
                     "version": version, "vector": vector, "reply_text": text})
    fresh = [r for r in rows if r["reply_id"] not in existing]
    if fresh:
        conn.execute(insert(t), fresh)
    changed = [{"b_id": r["reply_id"], "b_prompt": r["prompt_id"], "b_lang": r["lang"], "b_version": version,
                "b_vector": r["vector"], "b_text": r["reply_text"]} for r in rows if r["reply_id"] in existing]
    if changed:
        conn.execute(update(t).where(t.c.reply_id == bindparam("b_id")).values(
            prompt_id=bindparam("b_prompt"), lang=bindparam("b_lang"), version=bindparam("b_version"),
            vector=bindparam("b_vector"), reply_text=bindparam("b_text")), changed)


def forget_many(conn: Connection, reply_ids: list[str], prompt_ids: list[str], version: int) -> None:
    """Pairs whose reply or whose message answered is gone (deleted, erased, edited out of being a
    pair): their vector and text go, their rows stay, empty, so that every node drops them."""
    t = reply_pairs.c
    for column, ids in ((t.reply_id, reply_ids), (t.prompt_id, prompt_ids)):
        if ids:
            conn.execute(update(reply_pairs).where(column.in_(ids), t.vector.is_not(None))
                         .values(vector=None, reply_text=None, version=version))


def changed_since(conn: Connection, org_id: str, version: int, after_id: str = "",
                  limit: int = 10_000) -> list[StoredPair]:
    """The organisation's rows written after ``(version, after_id)``, in that order, opened."""
    t = reply_pairs.c
    rows = conn.execute(
        select(t.reply_id, t.conversation_id, t.lang, t.version, t.vector, t.reply_text)
        .where(t.org_id == org_id, or_(t.version > version, and_(t.version == version, t.reply_id > after_id)))
        .order_by(t.version, t.reply_id).limit(limit)).all()
    found = []
    for r in rows:
        if r.vector is None:
            found.append(StoredPair(r.reply_id, r.conversation_id, r.lang, r.version, None, ""))
            continue
        vector, text = open_pair(conn, org_id, r.conversation_id, r.reply_id, r.vector, r.reply_text)
        found.append(StoredPair(r.reply_id, r.conversation_id, r.lang, r.version, vector, text))
    return found
