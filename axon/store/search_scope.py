"""What the search service reads around the index: the searcher's conversations, names to resolve,
the hit messages. Queries only, no rules (``services/search.py`` decides who sees what)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from ..domain.model import ConversationKind
from .conversations import _opened
from .schema import conversations, members, messages, users
from .sealed_columns import open_message_texts

Row = dict[str, Any]

_CONVERSATION_COLUMNS = (conversations.c.id, conversations.c.org_id, conversations.c.kind, conversations.c.name,
                         conversations.c.search_key)


def member_conversations(conn: Connection, user_id: str) -> list[Row]:
    """``{id, org_id, kind, name, search_key}`` of every conversation the user is a member of now."""
    stmt = (select(*_CONVERSATION_COLUMNS).join(members, members.c.conversation_id == conversations.c.id)
            .where(members.c.user_id == user_id))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def public_channels_named(conn: Connection, org_id: str, names: list[str]) -> list[Row]:
    """Public channels of the organisation whose name is one of ``names`` (case-insensitive)."""
    if not names:
        return []
    stmt = select(*_CONVERSATION_COLUMNS).where(
        conversations.c.org_id == org_id, conversations.c.kind == ConversationKind.CHANNEL.value,
        func.lower(conversations.c.name).in_([n.lower() for n in names]))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def direct_peers(conn: Connection, user_id: str, conversation_ids: list[str]) -> dict[str, str]:
    """For the given direct conversations: conversation id → the other member's username."""
    if not conversation_ids:
        return {}
    stmt = (select(members.c.conversation_id, users.c.username).join(users, users.c.id == members.c.user_id)
            .where(members.c.conversation_id.in_(conversation_ids), members.c.user_id != user_id))
    return {cid: name for cid, name in conn.execute(stmt)}


def conversation_rows(conn: Connection, conversation_ids: list[str]) -> list[Row]:
    """Whole conversation rows (topic opened), for the result's channel section."""
    if not conversation_ids:
        return []
    stmt = select(conversations).where(conversations.c.id.in_(conversation_ids))
    return [_opened(conn, dict(r)) for r in conn.execute(stmt).mappings()]


def messages_by_ids(conn: Connection, message_ids: list[str]) -> list[Row]:
    """The messages with these ids, their text opened (in no particular order)."""
    if not message_ids:
        return []
    stmt = select(messages).where(messages.c.id.in_(message_ids))
    return open_message_texts(conn, [dict(r) for r in conn.execute(stmt).mappings()])
