"""Avatars: queries only, no rules (one row per user; ``users.avatar_etag`` names the current one)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from .schema import avatars

Row = dict[str, Any]


def get(conn: Connection, user_id: str) -> Row | None:
    row = conn.execute(select(avatars).where(avatars.c.user_id == user_id)).mappings().first()
    return dict(row) if row is not None else None


def put(conn: Connection, row: Row) -> None:
    """Replace the user's avatar (delete and insert: one statement shape on both backends)."""
    conn.execute(delete(avatars).where(avatars.c.user_id == row["user_id"]))
    conn.execute(insert(avatars).values(**row))


def remove(conn: Connection, user_id: str) -> bool:
    return bool(conn.execute(delete(avatars).where(avatars.c.user_id == user_id)).rowcount)
