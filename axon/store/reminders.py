"""@axon reminders: queries only, no rules (``services/reminders.py`` and ``services/assistant_remind.py``
decide). Texts are sealed on the way in and opened on the way out (``sealed_columns``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from .schema import reminders
from .sealed_columns import open_reminders, seal_reminder

Row = dict[str, Any]
r = reminders.c


def insert_reminder(conn: Connection, row: Row) -> bool:
    """Store a new reminder; False (nothing written) when its question already set one for the user."""
    found = conn.execute(select(r.id).where(r.user_id == row["user_id"],
                                            r.source_message_id == row["source_message_id"])).first()
    if found is not None:
        return False
    conn.execute(insert(reminders).values(**seal_reminder(conn, row)))
    return True


def get(conn: Connection, reminder_id: str) -> Row | None:
    row = conn.execute(select(reminders).where(r.id == reminder_id)).mappings().first()
    return open_reminders(conn, [dict(row)])[0] if row is not None else None


def pending_of(conn: Connection, user_id: str, limit: int) -> list[Row]:
    """The user's reminders neither delivered nor cancelled, soonest first."""
    stmt = (select(reminders).where(r.user_id == user_id, r.delivered_at.is_(None), r.cancelled_at.is_(None))
            .order_by(r.due_at, r.id).limit(limit))
    return open_reminders(conn, [dict(row) for row in conn.execute(stmt).mappings()])


def due(conn: Connection, now_ms: int, limit: int) -> list[Row]:
    """Reminders due at ``now_ms`` and neither delivered nor cancelled, the most overdue first."""
    stmt = (select(reminders).where(r.delivered_at.is_(None), r.cancelled_at.is_(None), r.due_at <= now_ms)
            .order_by(r.due_at, r.id).limit(limit))
    return open_reminders(conn, [dict(row) for row in conn.execute(stmt).mappings()])


def mark_delivered(conn: Connection, reminder_id: str, now_ms: int) -> bool:
    """Claim the delivery: True for exactly one caller, and only while it is pending."""
    result = conn.execute(update(reminders).where(r.id == reminder_id, r.delivered_at.is_(None),
                                                  r.cancelled_at.is_(None)).values(delivered_at=now_ms))
    return result.rowcount == 1


def mark_cancelled(conn: Connection, reminder_id: str, now_ms: int) -> bool:
    """Cancel it: True when it was pending (not delivered, not cancelled before)."""
    result = conn.execute(update(reminders).where(r.id == reminder_id, r.delivered_at.is_(None),
                                                  r.cancelled_at.is_(None)).values(cancelled_at=now_ms))
    return result.rowcount == 1
