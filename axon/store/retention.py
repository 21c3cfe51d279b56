"""Retention's rows: which conversations have a policy, their expired messages, legal holds, job leases."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .schema import conversations, job_leases, legal_holds, messages, orgs

Row = dict[str, Any]


def conversations_with_retention(conn: Connection) -> list[Row]:
    """(id, org_id, org_days, conversation_days) of every conversation some policy expires and no
    active hold keeps."""
    c, o, h = conversations.c, orgs.c, legal_holds.c
    held = exists().where(h.target_type == "conversation", h.target_id == c.id, h.released_at.is_(None))
    has_policy = or_(c.retention_days > 0, and_(c.retention_days.is_(None), o.retention_days.is_not(None)))
    stmt = (select(c.id, c.org_id, o.retention_days.label("org_days"), c.retention_days.label("conversation_days"))
            .join(orgs, o.id == c.org_id).where(has_policy, ~held).order_by(c.id))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def held_user_ids(conn: Connection, org_id: str) -> list[str]:
    h = legal_holds.c
    stmt = select(h.target_id).where(h.org_id == org_id, h.target_type == "user", h.released_at.is_(None))
    return sorted(set(conn.execute(stmt).scalars()))


def conversation_held(conn: Connection, conversation_id: str) -> bool:
    h = legal_holds.c
    stmt = select(h.id).where(h.target_type == "conversation", h.target_id == conversation_id,
                              h.released_at.is_(None)).limit(1)
    return conn.execute(stmt).first() is not None


def expired_messages(conn: Connection, conversation_id: str, before_ms: int, spared_senders: list[str],
                     limit: int) -> list[Row]:
    """Messages not yet erased, created before ``before_ms``, whose sender is not held; oldest first."""
    m = messages.c
    stmt = select(messages).where(m.conversation_id == conversation_id, m.deleted_at.is_(None),
                                  m.created_at < before_ms)
    if spared_senders:
        stmt = stmt.where(m.sender_id.not_in(spared_senders))
    return [dict(r) for r in conn.execute(stmt.order_by(m.seq).limit(limit)).mappings()]


def set_conversation_retention(conn: Connection, conversation_id: str, days: int | None) -> None:
    conn.execute(update(conversations).where(conversations.c.id == conversation_id).values(retention_days=days))


# --- legal holds ---------------------------------------------------------------


def insert_hold(conn: Connection, row: Row) -> None:
    conn.execute(legal_holds.insert().values(**row))


def get_hold(conn: Connection, hold_id: str) -> Row | None:
    row = conn.execute(select(legal_holds).where(legal_holds.c.id == hold_id)).mappings().first()
    return dict(row) if row is not None else None


def list_holds(conn: Connection, org_id: str) -> list[Row]:
    h = legal_holds.c
    stmt = select(legal_holds).where(h.org_id == org_id).order_by(h.released_at.is_not(None), h.created_at.desc())
    return [dict(r) for r in conn.execute(stmt).mappings()]


def release_hold(conn: Connection, hold_id: str, by: str | None, now_ms: int) -> bool:
    h = legal_holds.c
    result = conn.execute(update(legal_holds).where(h.id == hold_id, h.released_at.is_(None))
                          .values(released_at=now_ms, released_by=by))
    return bool(result.rowcount)


# --- leases --------------------------------------------------------------------


def claim_lease(conn: Connection, name: str, owner: str, now_ms: int, until_ms: int) -> bool:
    """Take (or extend) the lease ``name`` for ``owner`` unless another owner holds it still."""
    conn.execute(_insert_lease(conn.dialect.name), {"name": name, "owner": "", "lease_until": 0})
    j = job_leases.c
    result = conn.execute(update(job_leases).where(j.name == name, or_(j.owner == owner, j.lease_until <= now_ms))
                          .values(owner=owner, lease_until=until_ms))
    return bool(result.rowcount)


@cache
def _insert_lease(dialect_name: str) -> Any:
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(job_leases).on_conflict_do_nothing(index_elements=[job_leases.c.name])
