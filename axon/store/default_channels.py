"""Each organisation's #general and its default channels: queries only, no rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from .schema import conversations, default_channels, orgs, users

Row = dict[str, Any]


def channel_ids(conn: Connection, org_id: str) -> list[str]:
    """The organisation's default channels, in the admins' order."""
    stmt = (select(default_channels.c.conversation_id).where(default_channels.c.org_id == org_id)
            .order_by(default_channels.c.position))
    return list(conn.execute(stmt).scalars())


def replace(conn: Connection, org_id: str, conversation_ids: list[str]) -> None:
    conn.execute(delete(default_channels).where(default_channels.c.org_id == org_id))
    if conversation_ids:
        conn.execute(insert(default_channels), [
            {"org_id": org_id, "conversation_id": cid, "position": i} for i, cid in enumerate(conversation_ids)])


def append(conn: Connection, org_id: str, conversation_id: str) -> None:
    last = len(channel_ids(conn, org_id))
    conn.execute(insert(default_channels).values(org_id=org_id, conversation_id=conversation_id, position=last))


def claim_general(conn: Connection, org_id: str, conversation_id: str) -> bool:
    """Record ``conversation_id`` as the organisation's #general unless it has one; False if it has.

    One conditional UPDATE: of two nodes starting at once, the row lock lets exactly one claim it.
    """
    result = conn.execute(update(orgs).where(orgs.c.id == org_id, orgs.c.general_channel_id.is_(None))
                          .values(general_channel_id=conversation_id))
    return bool(result.rowcount)


def orgs_without_general(conn: Connection) -> list[str]:
    stmt = select(orgs.c.id).where(orgs.c.general_channel_id.is_(None)).order_by(orgs.c.created_at)
    return list(conn.execute(stmt).scalars())


def first_admin(conn: Connection, org_id: str) -> str | None:
    """The organisation's longest-standing enabled admin (or owner)."""
    stmt = (select(users.c.id).where(users.c.org_id == org_id, users.c.org_role.in_(("owner", "admin")),
                                     users.c.disabled.is_(False))
            .order_by(users.c.created_at, users.c.id).limit(1))
    return conn.execute(stmt).scalar()


def public_channel_named(conn: Connection, org_id: str, name: str) -> str | None:
    """An existing public channel of that name (oldest first): adopted rather than duplicated."""
    stmt = (select(conversations.c.id)
            .where(conversations.c.org_id == org_id, conversations.c.kind == "channel",
                   conversations.c.name == name, conversations.c.archived.is_(False))
            .order_by(conversations.c.created_at).limit(1))
    return conn.execute(stmt).scalar()
