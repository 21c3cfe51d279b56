"""Reading the event logs by position (gap fill and resume)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from ..domain.events import ConversationEvent, UserEvent
from .schema import events, meta, user_events
from .sealed_columns import open_conversation_events, open_user_events


def epoch(conn: Connection) -> str:
    """The name of this database's history: positions in the logs are only meaningful within it."""
    return str(conn.execute(select(meta.c.value).where(meta.c.key == "epoch")).scalar_one())


def conversation_events(conn: Connection, conversation_id: str, after: int, upto: int | None, limit: int,
                        types: tuple[str, ...] = ()) -> list[ConversationEvent]:
    """Events ``after+1 .. upto`` in seq order (only those of ``types`` when given)."""
    stmt = select(events).where(events.c.conversation_id == conversation_id, events.c.seq > after)
    if upto is not None:
        stmt = stmt.where(events.c.seq <= upto)
    if types:
        stmt = stmt.where(events.c.type.in_(types))
    stmt = stmt.order_by(events.c.seq).limit(limit)
    return open_conversation_events(conn, [
        ConversationEvent(r.conversation_id, int(r.seq), r.type, r.actor_id, int(r.created_at), r.data)
        for r in conn.execute(stmt)
    ])


def user_stream(conn: Connection, user_id: str, after: int, limit: int) -> list[UserEvent]:
    stmt = (
        select(user_events)
        .where(user_events.c.user_id == user_id, user_events.c.seq > after)
        .order_by(user_events.c.seq)
        .limit(limit)
    )
    return open_user_events(conn, [UserEvent(r.user_id, int(r.seq), r.type, int(r.created_at), r.data)
                                   for r in conn.execute(stmt)])
