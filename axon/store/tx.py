"""The write transaction's context: seq allocation and event rows.

Seqs are allocated with ``UPDATE ... SET last_seq = last_seq + n RETURNING`` in
the same transaction that stores the events. On PostgreSQL that row lock
serialises writers of one conversation only; on SQLite there is one writer. A
seq is therefore never visible before the event that owns it is committed, and
readers can page by seq without the "allocated but not yet committed" trap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, update

from ..domain.events import ConversationEvent, UserEvent
from ..protocol.codec import encode_str
from .driver_sql import BulkInsert, placeholders
from .schema import conversations, events, user_events, users
from .sealed_columns import seal_conversation_events, seal_user_events

_INSERT_EVENTS = BulkInsert(events, ("conversation_id", "seq", "type", "actor_id", "created_at", "data"))
_INSERT_USER_EVENTS = BulkInsert(user_events, ("user_id", "seq", "type", "created_at", "data"))


class Tx:
    def __init__(self, conn: Connection, now_ms: int) -> None:
        self.conn = conn
        self.now_ms = now_ms
        self.conversation_events: list[ConversationEvent] = []
        self.user_events: list[UserEvent] = []
        # For each user event, how many conversation events the transaction had appended before it:
        # routing replays both lists in program order (a removal must unsubscribe before later sends).
        self.user_event_after: list[int] = []
        # Work a use case asks to do once, after every operation of the batch (``on_flush``), and
        # what it collects meanwhile (the audit log appends its entries there, in one lock order).
        self.deferred: dict[str, list[Any]] = {}
        self._on_flush: dict[str, Callable[[Tx], None]] = {}

    def on_flush(self, key: str, fn: Callable[[Tx], None]) -> None:
        """Run ``fn(self)`` once (per ``key``) when the batch's rows are written, before it commits."""
        self._on_flush.setdefault(key, fn)

    def allocate_seqs(self, conversation_id: str, count: int, **also: Any) -> int:
        """Reserve ``count`` seqs (and set ``also`` columns in the same statement); returns the first."""
        last = self.conn.execute(
            update(conversations)
            .where(conversations.c.id == conversation_id)
            .values(last_seq=conversations.c.last_seq + count, **also)
            .returning(conversations.c.last_seq)
        ).scalar_one()
        return int(last) - count + 1

    def allocate_seqs_many(self, counts: dict[str, int], **also: Any) -> dict[str, int]:
        """``allocate_seqs`` for several conversations in one statement; returns each one's first seq.

        Driver SQL (``UPDATE ... FROM`` a VALUES list): it runs in every group commit, and
        building it as a SQLAlchemy ``case()`` cost more than executing it.
        """
        if not counts:
            return {}
        columns = sorted(also)
        if not set(columns) <= set(conversations.c.keys()):  # names go into the SQL text
            raise ValueError(f"conversations has no column(s) {sorted(set(columns) - set(conversations.c.keys()))}")
        # Markers in the order they appear in the text (qmark binds by position).
        marks = placeholders(self.conn.dialect, 2 * len(counts) + len(columns))
        pairs, set_marks = marks[: 2 * len(counts)], marks[2 * len(counts):]
        sets = "".join(f", {name} = {mark}" for name, mark in zip(columns, set_marks, strict=True))
        values = ", ".join(f"(CAST({pairs[2 * i]} AS VARCHAR(32)), CAST({pairs[2 * i + 1]} AS BIGINT))"
                           for i in range(len(counts)))
        sql = (f"WITH k (id, n) AS (VALUES {values}) UPDATE conversations SET last_seq = conversations.last_seq + k.n"
               f"{sets} FROM k WHERE conversations.id = k.id RETURNING conversations.id, conversations.last_seq")
        params = (*(v for item in counts.items() for v in item), *(also[name] for name in columns))
        rows = self.conn.exec_driver_sql(sql, params).all()
        if len(rows) != len(counts):
            raise LookupError("a conversation of the batch vanished")
        return {cid: int(last) - counts[cid] + 1 for cid, last in rows}

    def conversation_event(
        self, conversation_id: str, type_: str, actor_id: str | None, data: dict[str, Any], seq: int | None = None
    ) -> ConversationEvent:
        if seq is None:
            seq = self.allocate_seqs(conversation_id, 1)
        event = ConversationEvent(conversation_id, seq, type_, actor_id, self.now_ms, encode_str(data))
        self.conversation_events.append(event)
        return event

    def user_event(self, user_id: str, type_: str, data: dict[str, Any]) -> UserEvent:
        seq = self.conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(stream_seq=users.c.stream_seq + 1)
            .returning(users.c.stream_seq)
        ).scalar_one()
        event = UserEvent(user_id, int(seq), type_, self.now_ms, encode_str(data))
        self.user_events.append(event)
        self.user_event_after.append(len(self.conversation_events))
        return event

    def flush(self) -> None:
        """Run the deferred work, then insert the collected event rows (one statement per table for the
        whole batch), their data sealed: the events in memory keep the plaintext JSON that live delivery
        sends as it is."""
        for fn in self._on_flush.values():
            fn(self)
        conversation_data = seal_conversation_events(self.conn, self.conversation_events)
        _INSERT_EVENTS.run(self.conn, ((e.conversation_id, e.seq, e.type, e.actor_id, e.created_at, data)
                                       for e, data in zip(self.conversation_events, conversation_data, strict=True)))
        user_data = seal_user_events(self.conn, self.user_events)
        _INSERT_USER_EVENTS.run(self.conn, ((e.user_id, e.seq, e.type, e.created_at, data)
                                            for e, data in zip(self.user_events, user_data, strict=True)))

