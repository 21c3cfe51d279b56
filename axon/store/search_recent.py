"""A person's recent searches: queries only, no rules (``services/search.py`` keeps the last ``keep``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from .schema import search_recent
from .sealed_columns import open_recent_searches, seal_recent_search

Row = dict[str, Any]


def newest(conn: Connection, user_id: str, limit: int) -> list[Row]:
    """``{id, query, searched_at}``, newest first, the query opened."""
    c = search_recent.c
    stmt = (select(c.id, c.query, c.searched_at).where(c.user_id == user_id)
            .order_by(c.searched_at.desc(), c.id.desc()).limit(limit))
    return open_recent_searches(conn, user_id, [dict(r) for r in conn.execute(stmt).mappings()])


def record(conn: Connection, user_id: str, row_id: str, query: str, now_ms: int, keep: int) -> None:
    """Add ``query`` as the newest search (an earlier copy of it goes) and forget all but the ``keep`` newest.
    Its time is after the newest one's, so two searches in one millisecond keep their order."""
    earlier = newest(conn, user_id, keep + 1)
    if earlier:
        now_ms = max(now_ms, int(earlier[0]["searched_at"]) + 1)
    stale = [r["id"] for r in earlier if r["query"] == query] + [r["id"] for r in earlier[keep - 1:]]
    if stale:
        conn.execute(delete(search_recent).where(search_recent.c.id.in_(stale)))
    conn.execute(insert(search_recent).values(id=row_id, user_id=user_id, query=seal_recent_search(
        conn, user_id, row_id, query), searched_at=now_ms))


def clear(conn: Connection, user_id: str) -> None:
    conn.execute(delete(search_recent).where(search_recent.c.user_id == user_id))
