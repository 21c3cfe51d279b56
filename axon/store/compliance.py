"""Reads of a compliance export: a conversation's messages in order, the conversations a user wrote in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from .schema import messages
from .sealed_columns import open_message_texts

Row = dict[str, Any]


def messages_after(conn: Connection, conversation_id: str, after_seq: int, limit: int,
                   sender_id: str | None = None) -> list[Row]:
    """Messages (tombstones included) after ``after_seq``, oldest first, optionally of one sender only."""
    m = messages.c
    stmt = select(messages).where(m.conversation_id == conversation_id, m.seq > after_seq)
    if sender_id is not None:
        stmt = stmt.where(m.sender_id == sender_id)
    return open_message_texts(conn, [dict(r) for r in conn.execute(stmt.order_by(m.seq).limit(limit)).mappings()])


def conversations_written_in(conn: Connection, user_id: str) -> list[str]:
    """Every conversation holding a message of the user (those they left included). One scan of
    ``messages``: exports are rare, and an index on the sender would cost every send."""
    stmt = select(messages.c.conversation_id).where(messages.c.sender_id == user_id).distinct()
    return sorted(conn.execute(stmt).scalars())
