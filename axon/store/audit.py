"""The audit log's rows: appending under the chain head's row lock, reading a chain in order, browsing."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..domain.audit import GENESIS, SealedEntry
from .schema import audit_chains, audit_entries

_ENTRY_COLUMNS = tuple(SealedEntry.__dataclass_fields__)


def lock_head(conn: Connection, chain: str) -> tuple[int, str]:
    """The chain's last position and hash, its row locked until the transaction ends.

    A no-op ``UPDATE`` takes the lock (PostgreSQL; SQLite has one writer). A chain's first entry
    creates the row; when two nodes create it at once, ``ON CONFLICT DO NOTHING`` waits for the
    other's commit and the second ``UPDATE`` then locks the committed row.
    """
    head = _touch(conn, chain)
    if head is None:
        conn.execute(_insert_head(conn.dialect.name), {"chain": chain, "position": 0, "hash": GENESIS})
        head = _touch(conn, chain)
        assert head is not None
    return head


def _touch(conn: Connection, chain: str) -> tuple[int, str] | None:
    row = conn.execute(update(audit_chains).where(audit_chains.c.chain == chain)
                       .values(position=audit_chains.c.position)
                       .returning(audit_chains.c.position, audit_chains.c.hash)).first()
    return (int(row[0]), str(row[1])) if row is not None else None


@cache
def _insert_head(dialect_name: str) -> Any:
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(audit_chains).on_conflict_do_nothing(index_elements=[audit_chains.c.chain])


def append(conn: Connection, entries: list[SealedEntry]) -> None:
    """Store consecutive ``entries`` of one chain and make the last its head (the caller holds the lock)."""
    if not entries:
        return
    conn.execute(audit_entries.insert(), [asdict(e) for e in entries])
    last = entries[-1]
    conn.execute(update(audit_chains).where(audit_chains.c.chain == last.chain)
                 .values(position=last.position, hash=last.hash))


def heads(conn: Connection) -> dict[str, tuple[int, str]]:
    """Every chain's recorded head: chain -> (position, hash)."""
    rows = conn.execute(select(audit_chains.c.chain, audit_chains.c.position, audit_chains.c.hash))
    return {str(c): (int(p), str(h)) for c, p, h in rows}


def head_key_ids(conn: Connection) -> dict[str, str]:
    """chain -> the key id that sealed its newest entry."""
    e, c = audit_entries.c, audit_chains.c
    stmt = select(e.chain, e.key_id).join(audit_chains, (c.chain == e.chain) & (c.position == e.position))
    return {str(chain): str(key) for chain, key in conn.execute(stmt)}


def chain_page(conn: Connection, chain: str, after_position: int, limit: int) -> list[SealedEntry]:
    """Entries of ``chain`` after ``after_position``, in position order (what ``verify`` walks)."""
    t = audit_entries.c
    rows = conn.execute(select(*(t[name] for name in _ENTRY_COLUMNS))
                        .where(t.chain == chain, t.position > after_position)
                        .order_by(t.position).limit(limit)).all()
    return [SealedEntry(*row) for row in rows]


def stored_chains(conn: Connection) -> list[str]:
    """Every chain that has entries or a head (a chain whose entries were all removed still has its head)."""
    with_entries = conn.execute(select(audit_entries.c.chain).distinct()).scalars()
    return sorted(set(with_entries) | set(heads(conn)))


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What an administrator browses: one chain, newest first, narrowed by any of these."""

    chain: str
    action: str | None = None  # exact name, or a prefix ending in "." ("auth.")
    actor_user_id: str | None = None
    target_id: str | None = None
    since_ms: int | None = None
    until_ms: int | None = None  # exclusive


def browse(conn: Connection, where: AuditFilter, before_position: int | None, limit: int) -> list[SealedEntry]:
    """Entries matching ``where``, newest first, positions below ``before_position`` (keyset paging)."""
    t = audit_entries.c
    stmt = select(*(t[name] for name in _ENTRY_COLUMNS)).where(t.chain == where.chain)
    if where.action:
        stmt = stmt.where(t.action.startswith(where.action, autoescape=True) if where.action.endswith(".")
                          else t.action == where.action)
    if where.actor_user_id:
        stmt = stmt.where(t.actor_user_id == where.actor_user_id)
    if where.target_id:
        stmt = stmt.where(t.target_id == where.target_id)
    if where.since_ms is not None:
        stmt = stmt.where(t.created_at >= where.since_ms)
    if where.until_ms is not None:
        stmt = stmt.where(t.created_at < where.until_ms)
    if before_position is not None:
        stmt = stmt.where(t.position < before_position)
    rows = conn.execute(stmt.order_by(t.position.desc()).limit(limit)).all()
    return [SealedEntry(*row) for row in rows]
