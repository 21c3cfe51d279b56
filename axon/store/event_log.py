"""The event spine's durable outbox: committed batches in commit order, and consumer cursors.

``append`` runs inside the writer's transaction (an in-commit step): it takes the
next position from the ``event_log`` counter with ``UPDATE … RETURNING``. That row
stays locked until the transaction commits, so positions become visible in the
order they were allocated, without holes: a reader that sees position n can rely on
every position below n being visible too (the "allocated but not yet committed"
trap cannot happen, on PostgreSQL with several nodes either). It is taken last in
the transaction, so the lock is held only for the commit itself.

A log row names its events by ranges; ``page_after`` loads them back from
``events`` and ``user_events`` with one query per table.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from ..domain.events import ConversationEvent, SeqRange, UserEvent, seq_ranges
from ..protocol.codec import decode, encode_str
from .driver_sql import placeholders
from .schema import counters, event_log, spine_cursors
from .sealed_columns import open_conversation_events, open_user_events

_BY_CONVERSATION = attrgetter("conversation_id", "seq")
_BY_USER = attrgetter("user_id", "seq")


@dataclass(frozen=True, slots=True)
class CommittedPage:
    """Consecutive log positions ``first_pos..last_pos`` with their events.

    Each conversation's events are in seq order, and so are each user's; events of different
    conversations (users) may interleave in any order.
    """

    first_pos: int
    last_pos: int
    conversation_events: list[ConversationEvent]
    user_events: list[UserEvent]


def append(conn: Connection, now_ms: int, conversation: list[ConversationEvent], user: list[UserEvent]) -> int:
    """Record one committed batch; returns its position. (Runs in every commit: driver SQL, and one
    round trip on PostgreSQL, where each statement of a transaction costs one.)"""
    batch = encode_str({"c": seq_ranges([(e.conversation_id, e.seq) for e in conversation]),
                        "u": seq_ranges([(e.user_id, e.seq) for e in user])})
    if conn.dialect.name == "postgresql":
        return int(conn.exec_driver_sql(_APPEND_PG, (now_ms, batch)).scalar_one())
    pos = int(conn.exec_driver_sql(_NEXT_POS_SQLITE).scalar_one())
    conn.exec_driver_sql(_INSERT_SQLITE, (pos, now_ms, batch))
    return pos


_APPEND_PG = ("WITH c AS (UPDATE counters SET value = value + 1 WHERE name = 'event_log' RETURNING value) "
              "INSERT INTO event_log (pos, committed_at, batch) SELECT value, $1, $2 FROM c RETURNING pos")
_NEXT_POS_SQLITE = "UPDATE counters SET value = value + 1 WHERE name = 'event_log' RETURNING value"
_INSERT_SQLITE = "INSERT INTO event_log (pos, committed_at, batch) VALUES (?, ?, ?)"


def head(conn: Connection) -> int:
    return int(conn.execute(select(counters.c.value).where(counters.c.name == "event_log")).scalar_one())


def page_after(conn: Connection, after: int, limit: int) -> CommittedPage | None:
    rows = conn.execute(select(event_log.c.pos, event_log.c.batch).where(event_log.c.pos > after)
                        .order_by(event_log.c.pos).limit(limit)).all()
    if not rows:
        return None
    conv_ranges: list[SeqRange] = []
    user_ranges: list[SeqRange] = []
    for _, batch in rows:
        parsed = decode(batch)
        conv_ranges += [tuple(r) for r in parsed["c"]]
        user_ranges += [tuple(r) for r in parsed["u"]]
    return CommittedPage(int(rows[0][0]), int(rows[-1][0]), _conversation_events(conn, conv_ranges),
                         _user_events(conn, user_ranges))


# Ranges per statement: 3 parameters each, well inside every driver's limit.
_RANGES_PER_QUERY = 500


def _conversation_events(conn: Connection, ranges: list[SeqRange]) -> list[ConversationEvent]:
    found = [ConversationEvent(*row) for row in _in_ranges(
        conn, "e.conversation_id, e.seq, e.type, e.actor_id, e.created_at, e.data", "events", "conversation_id",
        ranges)]
    found.sort(key=_BY_CONVERSATION)
    return open_conversation_events(conn, found)


def _user_events(conn: Connection, ranges: list[SeqRange]) -> list[UserEvent]:
    found = [UserEvent(*row) for row in _in_ranges(
        conn, "e.user_id, e.seq, e.type, e.created_at, e.data", "user_events", "user_id", ranges)]
    found.sort(key=_BY_USER)
    return open_user_events(conn, found)


def _in_ranges(conn: Connection, columns: str, table: str, key: str, ranges: list[SeqRange]) -> list[Any]:
    """``columns`` of the rows ``e`` of ``table`` whose (``key``, seq) lies in one of the ranges, given
    as a ``VALUES`` list ``r(k, lo, hi)``: one primary-key probe per range, driver SQL (a page can
    hold thousands of ranges; building them as SQLAlchemy expressions cost more than running them).

    On PostgreSQL the probes are a ``LATERAL`` subquery behind ``OFFSET 0`` (which keeps the planner
    from pulling it up into a plain join): joined plainly, the planner hashes the ranges and scans the
    whole table — a page of 150 ranges read all of 1M events, 0.6 s instead of 0.08 s, so consumers
    slowed as history grew. SQLite's planner probes the index either way, and has no ``LATERAL``."""
    rows: list[Any] = []
    for start in range(0, len(ranges), _RANGES_PER_QUERY):
        chunk = ranges[start:start + _RANGES_PER_QUERY]
        marks = placeholders(conn.dialect, 3 * len(chunk))
        values = ", ".join(f"(CAST({marks[3 * i]} AS VARCHAR(32)), CAST({marks[3 * i + 1]} AS BIGINT), "
                           f"CAST({marks[3 * i + 2]} AS BIGINT))" for i in range(len(chunk)))
        params = tuple(v for item in chunk for v in item)
        if conn.dialect.name == "postgresql":
            sql = (f"SELECT {columns} FROM (VALUES {values}) AS r (k, lo, hi) CROSS JOIN LATERAL "
                   f"(SELECT * FROM {table} x WHERE x.{key} = r.k AND x.seq BETWEEN r.lo AND r.hi OFFSET 0) e")
        else:
            sql = (f"WITH r (k, lo, hi) AS (VALUES {values}) SELECT {columns} FROM {table} e "
                   f"JOIN r ON e.{key} = r.k AND e.seq BETWEEN r.lo AND r.hi")
        rows += conn.exec_driver_sql(sql, params).all()
    return rows


# --- consumer cursors ------------------------------------------------------------


def open_cursor(conn: Connection, name: str) -> int:
    """The consumer's position; a new consumer starts at the head (it sees what is committed from now on).

    A consumer whose position lies before rows that were already deleted (it was not
    running while the others moved on) cannot be served from the log: it restarts at the
    head as well, and the caller logs that it skipped.
    """
    pos = conn.execute(select(spine_cursors.c.pos).where(spine_cursors.c.name == name)).scalar()
    start = head(conn)
    oldest = conn.execute(select(func.min(event_log.c.pos))).scalar()
    first_kept = int(oldest) if oldest is not None else start + 1
    if pos is not None and int(pos) >= first_kept - 1:
        return int(pos)
    if pos is None:
        conn.execute(insert(spine_cursors).values(name=name, pos=start, owner="", lease_until=0))
    else:
        conn.execute(update(spine_cursors).where(spine_cursors.c.name == name).values(pos=start))
    return start


def release_leases(conn: Connection, owner: str) -> None:
    """A node that stops gracefully gives up its consumers' leases: the next node (or the same one
    restarted) takes them over at once instead of waiting for the leases to run out."""
    conn.execute(update(spine_cursors).where(spine_cursors.c.owner == owner).values(lease_until=0))


def advance_cursor(conn: Connection, name: str, expected: int, new: int, owner: str, now_ms: int,
                   lease_ms: int) -> bool:
    """Move ``name`` from ``expected`` to ``new`` and renew ``owner``'s lease; False if another node
    holds an unexpired lease or moved the cursor first (then nothing may be applied)."""
    c = spine_cursors.c
    moved = conn.execute(update(spine_cursors)
                         .where(c.name == name, c.pos == expected, or_(c.owner == owner, c.lease_until < now_ms))
                         .values(pos=new, owner=owner, lease_until=now_ms + lease_ms))
    return moved.rowcount == 1


def lease_until(conn: Connection, name: str) -> int:
    """When the lease on ``name`` runs out (ms; 0 when nobody holds it)."""
    return int(conn.execute(select(spine_cursors.c.lease_until).where(spine_cursors.c.name == name)).scalar() or 0)


def cursor(conn: Connection, name: str) -> int | None:
    pos = conn.execute(select(spine_cursors.c.pos).where(spine_cursors.c.name == name)).scalar()
    return None if pos is None else int(pos)


def prune(conn: Connection, consumers: list[str]) -> None:
    """Delete the rows every one of ``consumers`` has passed (one statement)."""
    passed = select(func.min(spine_cursors.c.pos)).where(spine_cursors.c.name.in_(consumers)).scalar_subquery()
    conn.execute(delete(event_log).where(event_log.c.pos <= passed))
