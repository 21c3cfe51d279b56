"""What a person missed: the newest messages of their conversations after their read marker or since
an instant, for the assistant's digest. Queries only, no rules (``services/assistant_digest.py``
decides whose and which conversations).

Bounded both ways: each conversation is looked at only over its newest ``window`` events (a range of
its (conversation, seq) index, never a scan of its history), and at most ``limit`` messages, the
newest across the conversations, are read and opened.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, select

from .schema import conversations, members, messages
from .sealed_columns import open_message_texts

Row = dict[str, Any]


def missed_messages(conn: Connection, user_id: str, conversation_ids: list[str], *, unread_only: bool,
                    since_ms: int | None, window: int, limit: int) -> list[Row]:
    """Messages of ``conversation_ids`` (of which ``user_id`` is a member) not sent by them and not
    deleted — after their read marker when ``unread_only``, created at or after ``since_ms`` when
    given — newest first, at most ``limit``."""
    if not conversation_ids:
        return []
    m, c, me = messages.c, conversations.c, members.c
    stmt = (
        select(messages)
        .join(conversations, c.id == m.conversation_id)
        .join(members, and_(me.conversation_id == m.conversation_id, me.user_id == user_id))
        .where(m.conversation_id.in_(conversation_ids), m.seq > c.last_seq - window,
               m.sender_id != user_id, m.deleted_at.is_(None))
        .order_by(m.created_at.desc(), m.seq.desc())
        .limit(limit)
    )
    if unread_only:
        stmt = stmt.where(m.seq > me.read_seq)
    if since_ms is not None:
        stmt = stmt.where(m.created_at >= since_ms, c.last_message_at >= since_ms)
    return open_message_texts(conn, [dict(r) for r in conn.execute(stmt).mappings()])
