"""Event hints (``schema.event_hints``): the meeting time each message proposes, and what the
``event_hints`` consumer (``services/event_hints.py``) needs to know to make and address them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from .schema import conversations, event_hints, users

Row = dict[str, Any]
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Place:
    """What addressing a hint needs to know of a conversation."""

    org_id: str
    kind: str  # ConversationKind: "direct", "group", "channel"
    member_count: int


def existing(conn: Connection, message_ids: Iterable[str]) -> dict[str, Row]:
    """The stored hints of these messages, by message id (``participants`` decoded)."""
    ids = sorted(set(message_ids))
    found: dict[str, Row] = {}
    for at in range(0, len(ids), _CHUNK):
        rows = conn.execute(select(event_hints).where(event_hints.c.message_id.in_(ids[at:at + _CHUNK]))).mappings()
        found.update((r["message_id"], _decoded(r)) for r in rows)
    return found


def put(conn: Connection, rows: list[Row]) -> None:
    """Store these hints, replacing the messages' earlier ones (storing twice is harmless)."""
    if not rows:
        return
    remove(conn, [r["message_id"] for r in rows])
    conn.execute(insert(event_hints), [{**r, "participants": json.dumps(r["participants"])} for r in rows])


def remove(conn: Connection, message_ids: list[str]) -> None:
    for at in range(0, len(message_ids), _CHUNK):
        conn.execute(delete(event_hints).where(event_hints.c.message_id.in_(message_ids[at:at + _CHUNK])))


def in_range(conn: Connection, conversation_id: str, after_seq: int, before_seq: int | None, limit: int) -> list[Row]:
    """The conversation's hints with ``after_seq < seq < before_seq``, oldest first, at most ``limit``."""
    t = event_hints
    stmt = select(t).where(t.c.conversation_id == conversation_id, t.c.seq > after_seq)
    if before_seq is not None:
        stmt = stmt.where(t.c.seq < before_seq)
    return [_decoded(r) for r in conn.execute(stmt.order_by(t.c.seq).limit(limit)).mappings()]


def places(conn: Connection, conversation_ids: Iterable[str]) -> dict[str, Place]:
    ids = sorted(set(conversation_ids))
    c = conversations.c
    if not ids:
        return {}
    rows = conn.execute(select(c.id, c.org_id, c.kind, c.member_count).where(c.id.in_(ids)))
    return {r.id: Place(r.org_id, r.kind, int(r.member_count)) for r in rows}


def time_zones(conn: Connection, user_ids: Iterable[str]) -> dict[str, str]:
    """Each user's profile time zone (an IANA name)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = conn.execute(select(users.c.id, users.c.timezone).where(users.c.id.in_(ids)))
    return {r.id: r.timezone for r in rows}


def _decoded(row: Any) -> Row:
    found = dict(row)
    found["participants"] = json.loads(found["participants"])
    return found
