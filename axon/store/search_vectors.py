"""Sentence vectors of messages for semantic search (``schema.search_vectors``): queries only.

Rows are written by one durable consumer at a time, each write stamped with a ``version`` that only
grows in commit order, so "what changed since version v" is a cheap indexed read that every node
runs before answering; removals stay as rows without a vector so that other nodes see them.

Two writers stamp versions, and their stamps never meet: the consumer's page ending at outbox
position p stamps ``2 p`` (``page_version``); the backfill of history (``services/semantic_backfill``)
stamps ``2 c + 1``, c the consumer's cursor, read in its transaction after locking the cursor's row
(so the consumer cannot move meanwhile and its next page stamps more). A node that has read up to
(version, message id) therefore never sees a later commit with a smaller stamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, select, update

from .schema import conversations, messages, meta, orgs, search_vectors, spine_cursors
from .sealed_columns import open_message_texts, open_vector, seal_vector
from .sealing import keyring_of

CONSUMER = "search_vectors"  # the durable consumer's cursor (``services.semantic.SemanticIndexer.name``)


@dataclass(frozen=True, slots=True)
class NewVector:
    message_id: str
    conversation_id: str
    created_at: int
    vector: bytes  # float16 little-endian (1 KiB for 512 dimensions)


@dataclass(frozen=True, slots=True)
class Backfilled:
    message_id: str
    conversation_id: str
    created_at: int
    vector: bytes | None  # None: nothing to embed (the row only says "done")


@dataclass(frozen=True, slots=True)
class StoredVector:
    message_id: str
    conversation_id: str
    version: int
    vector: bytes | None  # None: forget this message


def put_many(conn: Connection, found: list[NewVector], version: int) -> None:
    """Write (or replace: an edit) the vectors of messages, stamped with ``version``."""
    if not found:
        return
    t = search_vectors
    orgs = keyring_of(conn).orgs_of_conversations(conn, {v.conversation_id for v in found})
    ids = [v.message_id for v in found]
    existing = set(conn.execute(select(t.c.message_id).where(t.c.message_id.in_(ids))).scalars())
    rows = [{"message_id": v.message_id, "org_id": orgs[v.conversation_id], "conversation_id": v.conversation_id,
             "created_at": v.created_at, "version": version,
             "vector": seal_vector(conn, orgs[v.conversation_id], v.conversation_id, v.message_id, v.vector)}
            for v in found]
    fresh = [r for r in rows if r["message_id"] not in existing]
    if fresh:
        conn.execute(insert(t), fresh)
    changed = [{"b_id": r["message_id"], "b_version": version, "b_vector": r["vector"]}
               for r in rows if r["message_id"] in existing]
    if changed:
        conn.execute(update(t).where(t.c.message_id == bindparam("b_id"))
                     .values(version=bindparam("b_version"), vector=bindparam("b_vector")), changed)


def forget_many(conn: Connection, message_ids: list[str], version: int) -> None:
    """The messages are gone (deleted, erased by retention, edited to nothing): their vectors go,
    their rows stay, empty, so that every node drops them from memory."""
    if message_ids:
        t = search_vectors
        conn.execute(update(t).where(t.c.message_id.in_(message_ids), t.c.vector.is_not(None))
                     .values(vector=None, version=version))


def changed_since(conn: Connection, org_id: str, version: int, after_id: str = "",
                  limit: int = 10_000) -> list[StoredVector]:
    """The organisation's rows written after ``(version, after_id)``, in that order, vectors opened."""
    t = search_vectors
    rows = conn.execute(
        select(t.c.message_id, t.c.conversation_id, t.c.version, t.c.vector)
        .where(t.c.org_id == org_id, or_(t.c.version > version, and_(t.c.version == version,
                                                                       t.c.message_id > after_id)))
        .order_by(t.c.version, t.c.message_id).limit(limit)).all()
    return [StoredVector(r.message_id, r.conversation_id, r.version, None if r.vector is None else open_vector(
        conn, org_id, r.conversation_id, r.message_id, r.vector)) for r in rows]



def page_version(last_pos: int) -> int:
    """The stamp of the consumer's page that ends at outbox position ``last_pos`` (module docstring)."""
    return 2 * last_pos


# --- the backfill of messages sent before vectors were kept -------------------------------------


def missing_page(conn: Connection, org_id: str, after: str, limit: int) -> list[dict[str, Any]]:
    """The organisation's live messages after ``after`` (id order) that have no row yet, at most
    ``limit``: id, conversation_id, created_at and text (opened)."""
    m, v = messages, search_vectors
    stmt = (select(m.c.id, m.c.conversation_id, m.c.created_at, m.c.text)
            .join(conversations, conversations.c.id == m.c.conversation_id)
            .outerjoin(v, v.c.message_id == m.c.id)
            .where(conversations.c.org_id == org_id, m.c.deleted_at.is_(None), m.c.id > after,
                   v.c.message_id.is_(None))
            .order_by(m.c.id).limit(limit))
    return open_message_texts(conn, [dict(r) for r in conn.execute(stmt).mappings()])


def backfill_version(conn: Connection) -> int:
    """The stamp of a backfill write: ``2 c + 1`` for the consumer's cursor c, its row locked until
    the transaction ends (a no-op update: the consumer's next move waits for this commit)."""
    c = spine_cursors.c
    conn.execute(update(spine_cursors).where(c.name == CONSUMER).values(pos=c.pos))
    pos = conn.execute(select(c.pos).where(c.name == CONSUMER)).scalar()
    return 2 * int(pos or 0) + 1


def put_missing(conn: Connection, found: list[Backfilled], org_id: str) -> int:
    """Insert rows for messages that are still live and still have none (the consumer may have
    written one since they were read: its row is newer, it stays); returns how many."""
    if not found:
        return 0
    version = backfill_version(conn)  # first: the consumer writes nothing until this commits
    ids = [f.message_id for f in found]
    taken = set(conn.execute(select(search_vectors.c.message_id)
                             .where(search_vectors.c.message_id.in_(ids))).scalars())
    live = set(conn.execute(select(messages.c.id).where(messages.c.id.in_(ids),
                                                        messages.c.deleted_at.is_(None))).scalars())
    fresh = [f for f in found if f.message_id in live and f.message_id not in taken]
    if not fresh:
        return 0
    conn.execute(insert(search_vectors), [
        {"message_id": f.message_id, "org_id": org_id, "conversation_id": f.conversation_id,
         "created_at": f.created_at, "version": version,
         "vector": None if f.vector is None else seal_vector(conn, org_id, f.conversation_id, f.message_id,
                                                             f.vector)}
        for f in fresh])
    return len(fresh)


_BACKFILLED = "semantic_backfilled:"


def org_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(orgs.c.id).order_by(orgs.c.created_at, orgs.c.id)).scalars())


def mark_backfilled(conn: Connection, org_id: str, now_ms: int) -> None:
    """Every live message of the organisation had a row at ``now_ms`` (milliseconds, in ``axon_meta``)."""
    key = _BACKFILLED + org_id
    conn.execute(delete(meta).where(meta.c.key == key))
    conn.execute(insert(meta).values(key=key, value=str(now_ms)))


def backfilled_at(conn: Connection, org_id: str) -> int | None:
    value = conn.execute(select(meta.c.value).where(meta.c.key == _BACKFILLED + org_id)).scalar()
    return None if value is None else int(value)
