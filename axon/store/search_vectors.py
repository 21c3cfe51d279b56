"""Sentence vectors of messages for semantic search (``schema.search_vectors``): queries only.

Rows are written by one durable consumer at a time, each write stamped with the outbox position
of its page (``version``), so "what changed since version v" is a cheap indexed read that every
node runs before answering; removals stay as rows without a vector so that other nodes see them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from .schema import search_vectors
from .sealed_columns import open_vector, seal_vector
from .sealing import keyring_of


@dataclass(frozen=True, slots=True)
class NewVector:
    message_id: str
    conversation_id: str
    created_at: int
    vector: bytes  # float16 little-endian (1 KiB for 512 dimensions)


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

