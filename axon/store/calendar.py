"""Calendar events, their attendees, reminders sent and secret feeds: queries only, no rules."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .schema import calendar_attendees, calendar_events, calendar_feeds, calendar_reminders
from .sealed_columns import open_calendar_events, open_feed_token, seal_calendar_event, seal_feed_token

Row = dict[str, Any]
ev, att = calendar_events.c, calendar_attendees.c


def get(conn: Connection, event_id: str) -> Row | None:
    row = conn.execute(select(calendar_events).where(ev.id == event_id)).mappings().first()
    return open_calendar_events(conn, [dict(row)])[0] if row is not None else None


def by_idempotency_key(conn: Connection, organizer_id: str, key: str) -> Row | None:
    row = conn.execute(select(calendar_events).where(ev.organizer_id == organizer_id, ev.idempotency_key == key)
                       ).mappings().first()
    return open_calendar_events(conn, [dict(row)])[0] if row is not None else None


def insert_event(conn: Connection, row: Row) -> None:
    conn.execute(insert(calendar_events).values(**seal_calendar_event(conn, row)))


def update_event(conn: Connection, event: Row, values: Row) -> None:
    """Change columns of ``event`` (a row read before); new texts are sealed."""
    sealed = seal_calendar_event(conn, {**values, "org_id": event["org_id"], "id": event["id"]})
    conn.execute(update(calendar_events).where(ev.id == event["id"])
                 .values(**{k: v for k, v in sealed.items() if k in values}))


def attendees_of(conn: Connection, event_ids: list[str]) -> dict[str, dict[str, str]]:
    """Each event's attendees → response, in the order they were invited (user id order within)."""
    found: dict[str, dict[str, str]] = {event_id: {} for event_id in event_ids}
    if event_ids:
        stmt = select(att.event_id, att.user_id, att.response).where(att.event_id.in_(event_ids)).order_by(
            att.event_id, att.user_id)
        for event_id, user_id, response in conn.execute(stmt):
            found[event_id][user_id] = response
    return found


def set_attendees(conn: Connection, event_id: str, responses: dict[str, str], now_ms: int) -> None:
    """Make the attendee rows exactly ``responses`` (user → response)."""
    conn.execute(delete(calendar_attendees).where(att.event_id == event_id))
    if responses:
        conn.execute(insert(calendar_attendees), [{"event_id": event_id, "user_id": u, "response": r,
                                                   "updated_at": now_ms} for u, r in responses.items()])


def set_response(conn: Connection, event_id: str, user_id: str, response: str, now_ms: int) -> bool:
    result = conn.execute(update(calendar_attendees).where(att.event_id == event_id, att.user_id == user_id)
                          .values(response=response, updated_at=now_ms))
    return bool(result.rowcount)


def events_of_user(conn: Connection, user_id: str, start_ms: int | None, end_ms: int | None,
                   limit: int) -> list[Row]:
    """The events ``user_id`` attends (organisers attend their own) overlapping [start, end), by start."""
    stmt = select(calendar_events).join(calendar_attendees, and_(att.event_id == ev.id, att.user_id == user_id))
    if start_ms is not None:
        stmt = stmt.where(ev.end_at > start_ms)
    if end_ms is not None:
        stmt = stmt.where(ev.start_at < end_ms)
    stmt = stmt.order_by(ev.start_at, ev.id).limit(limit)
    return open_calendar_events(conn, [dict(r) for r in conn.execute(stmt).mappings()])


def starting_between(conn: Connection, start_ms: int, end_ms: int, limit: int) -> list[Row]:
    """Confirmed events starting in [start, end), soonest first (the reminders' candidates; texts not opened)."""
    stmt = (select(ev.id, ev.org_id, ev.start_at, ev.reminders).where(
        ev.start_at >= start_ms, ev.start_at < end_ms, ev.status == "confirmed").order_by(ev.start_at).limit(limit))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def mark_reminder_sent(conn: Connection, event_id: str, user_id: str, minutes: int, now_ms: int) -> bool:
    """Record that this reminder went out; False when it already had (another node, an earlier round)."""
    stmt = _insert_reminder(conn.dialect.name)
    result = conn.execute(stmt, {"event_id": event_id, "user_id": user_id, "minutes": minutes, "sent_at": now_ms})
    return bool(result.rowcount)


@cache
def _insert_reminder(dialect_name: str) -> Any:
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(calendar_reminders).on_conflict_do_nothing()


def forget_reminders(conn: Connection, event_id: str) -> None:
    """A new time: every reminder of the event is due again."""
    conn.execute(delete(calendar_reminders).where(calendar_reminders.c.event_id == event_id))


# --- feeds ----------------------------------------------------------------------------------


def feed_of(conn: Connection, user_id: str) -> Row | None:
    row = conn.execute(select(calendar_feeds).where(calendar_feeds.c.user_id == user_id)).mappings().first()
    if row is None:
        return None
    return {**row, "token": open_feed_token(conn, user_id, row["token"])}


def feed_owner(conn: Connection, token_hash: str) -> str | None:
    return conn.execute(select(calendar_feeds.c.user_id).where(calendar_feeds.c.token_hash == token_hash)
                        ).scalar_one_or_none()


def put_feed(conn: Connection, user_id: str, token_hash: str, token: str, now_ms: int) -> None:
    delete_feed(conn, user_id)
    conn.execute(insert(calendar_feeds).values(user_id=user_id, token_hash=token_hash,
                                               token=seal_feed_token(conn, user_id, token), created_at=now_ms))


def delete_feed(conn: Connection, user_id: str) -> bool:
    return bool(conn.execute(delete(calendar_feeds).where(calendar_feeds.c.user_id == user_id)).rowcount)


def sent_reminders(conn: Connection, event_ids: list[str]) -> set[tuple[str, str, int]]:
    """(event, user, minutes) of the reminders of ``event_ids`` already sent."""
    if not event_ids:
        return set()
    r = calendar_reminders.c
    rows = conn.execute(select(r.event_id, r.user_id, r.minutes).where(r.event_id.in_(event_ids)))
    return {(e, u, int(m)) for e, u, m in rows}
