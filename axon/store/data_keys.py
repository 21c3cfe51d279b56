"""Data keys (stored wrapped by the master key) and re-encryption jobs: queries only.

A key is ``active`` (new values are sealed under it; one per organisation), ``retiring``
(replaced, still opens the rows not yet re-encrypted) or ``retired`` (no row uses it any more;
its wrapped bytes are erased, so not even the master key opens what an old backup holds under it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from .schema import (
    blobs,
    conversations,
    data_keys,
    drafts,
    events,
    messages,
    orgs,
    reseal_jobs,
    search_vectors,
    sso_providers,
    two_factor,
    uploads,
    user_events,
    users,
)

Row = dict[str, Any]
OrgLookup = Callable[[Connection, list[str]], dict[str, str]]


def add(conn: Connection, key_id: str, org_id: str, wrapped: str, master_key_id: str, now_ms: int,
        all_sealed_at: int | None) -> None:
    """Store a new active key; the organisation's previous active key becomes retiring."""
    c = data_keys.c
    conn.execute(update(data_keys).where(c.org_id == org_id, c.state == "active").values(state="retiring"))
    conn.execute(insert(data_keys).values(
        id=key_id, org_id=org_id, wrapped=wrapped, master_key_id=master_key_id, state="active", created_at=now_ms,
        all_sealed_at=all_sealed_at, retired_at=None))


def get(conn: Connection, key_id: str) -> Row | None:
    row = conn.execute(select(data_keys).where(data_keys.c.id == key_id)).mappings().first()
    return dict(row) if row is not None else None


def usable(conn: Connection) -> list[Row]:
    """Every key that still opens something (active and retiring)."""
    stmt = select(data_keys).where(data_keys.c.state != "retired").order_by(data_keys.c.created_at)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def of_all(conn: Connection) -> list[Row]:
    stmt = select(data_keys).order_by(data_keys.c.org_id, data_keys.c.created_at)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def of_org(conn: Connection, org_id: str) -> list[Row]:
    stmt = select(data_keys).where(data_keys.c.org_id == org_id).order_by(data_keys.c.created_at)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def active_ids(conn: Connection) -> dict[str, str]:
    stmt = select(data_keys.c.org_id, data_keys.c.id).where(data_keys.c.state == "active")
    return {org_id: key_id for org_id, key_id in conn.execute(stmt)}


def orgs_all_sealed(conn: Connection) -> set[str]:
    """Organisations with no plaintext row left: a sweep (or their creation) sealed everything."""
    stmt = select(data_keys.c.org_id).where(data_keys.c.all_sealed_at.is_not(None)).distinct()
    return set(conn.execute(stmt).scalars())


def orgs_without_key(conn: Connection) -> list[str]:
    has_key = select(data_keys.c.org_id)
    return list(conn.execute(select(orgs.c.id).where(orgs.c.id.not_in(has_key)).order_by(orgs.c.created_at)).scalars())


def rewrap(conn: Connection, key_id: str, wrapped: str, master_key_id: str) -> None:
    conn.execute(update(data_keys).where(data_keys.c.id == key_id).values(wrapped=wrapped, master_key_id=master_key_id))


def retire_others(conn: Connection, org_id: str, keep_id: str, now_ms: int) -> list[str]:
    """Retire every key of the organisation but ``keep_id``, erasing their wrapped bytes; returns their ids."""
    c = data_keys.c
    ids = list(conn.execute(select(c.id).where(c.org_id == org_id, c.id != keep_id, c.state != "retired")).scalars())
    if ids:
        conn.execute(update(data_keys).where(c.id.in_(ids)).values(state="retired", wrapped="", retired_at=now_ms))
    conn.execute(update(data_keys).where(c.id == keep_id, c.all_sealed_at.is_(None)).values(all_sealed_at=now_ms))
    return ids


def orgs_of_conversations(conn: Connection, ids: list[str]) -> dict[str, str]:
    stmt = select(conversations.c.id, conversations.c.org_id).where(conversations.c.id.in_(ids))
    return {cid: org for cid, org in conn.execute(stmt)}


def orgs_of_users(conn: Connection, ids: list[str]) -> dict[str, str]:
    return {uid: org for uid, org in conn.execute(select(users.c.id, users.c.org_id).where(users.c.id.in_(ids)))}


# --- re-encryption jobs (one per organisation at a time) -------------------------------


def job(conn: Connection, org_id: str, *, lock: bool = False) -> Row | None:
    """The organisation's job; ``lock``: held until the transaction ends (PostgreSQL; SQLite has one
    writer), so nodes running the same job take its batches one after the other."""
    stmt = select(reseal_jobs).where(reseal_jobs.c.org_id == org_id)
    row = conn.execute(stmt.with_for_update() if lock else stmt).mappings().first()
    return dict(row) if row is not None else None


def jobs(conn: Connection) -> list[Row]:
    return [dict(r) for r in conn.execute(select(reseal_jobs).order_by(reseal_jobs.c.started_at)).mappings()]


def unfinished_jobs(conn: Connection) -> list[Row]:
    stmt = select(reseal_jobs).where(reseal_jobs.c.finished_at.is_(None)).order_by(reseal_jobs.c.started_at)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def start_job(conn: Connection, org_id: str, key_id: str, reason: str, total: int, now_ms: int) -> None:
    conn.execute(delete(reseal_jobs).where(reseal_jobs.c.org_id == org_id))
    conn.execute(insert(reseal_jobs).values(
        org_id=org_id, key_id=key_id, reason=reason, step=0, cursor="", done=0, resealed=0, total=total, passes=0,
        started_at=now_ms, updated_at=now_ms, finished_at=None))


def advance_job(conn: Connection, org_id: str, expected: Row, values: Row) -> bool:
    """Move the job on from the state ``expected`` (its step and cursor); False if another node moved it first."""
    c = reseal_jobs.c
    moved = conn.execute(update(reseal_jobs).where(
        c.org_id == org_id, c.step == expected["step"], c.cursor == expected["cursor"],
        c.passes == expected["passes"], c.finished_at.is_(None)).values(**values))
    return moved.rowcount == 1


def count_rows(conn: Connection, org_id: str) -> int:
    """Sealable rows of an organisation (the progress bar's total; an estimate while sends go on)."""
    conv_ids = select(conversations.c.id).where(conversations.c.org_id == org_id)
    user_ids = select(users.c.id).where(users.c.org_id == org_id)
    total = 0
    for table, column, ids in ((events, events.c.conversation_id, conv_ids),
                               (messages, messages.c.conversation_id, conv_ids),
                               (user_events, user_events.c.user_id, user_ids),
                               (drafts, drafts.c.user_id, user_ids),
                               (two_factor, two_factor.c.user_id, user_ids)):
        total += int(conn.execute(select(func.count()).select_from(table).where(column.in_(ids))).scalar_one())
    total += int(conn.execute(select(func.count()).select_from(conversations)
                              .where(conversations.c.org_id == org_id)).scalar_one())
    for table in (users, sso_providers, blobs, uploads, search_vectors):
        total += int(conn.execute(select(func.count()).select_from(table).where(table.c.org_id == org_id)).scalar_one())
    return total
