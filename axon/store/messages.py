"""Messages, reactions and mentions: queries only, no rules."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update
from sqlalchemy.engine import Dialect

from ..domain.events import ConversationEvent
from ..protocol.codec import decode, encode_str
from .driver_sql import BulkInsert, placeholders
from .schema import events, mentions, messages, reactions
from .sealed_columns import (
    open_conversation_events,
    open_message_texts,
    seal_conversation_events,
    seal_message_text,
    seal_message_texts,
)

Row = dict[str, Any]


def get(conn: Connection, message_id: str) -> Row | None:
    row = conn.execute(select(messages).where(messages.c.id == message_id)).mappings().first()
    return open_message_texts(conn, [dict(row)])[0] if row is not None else None


def by_seq(conn: Connection, conversation_id: str, seq: int) -> Row | None:
    stmt = select(messages).where(messages.c.conversation_id == conversation_id, messages.c.seq == seq)
    row = conn.execute(stmt).mappings().first()
    return open_message_texts(conn, [dict(row)])[0] if row is not None else None


_MESSAGE_COLUMNS = tuple(messages.c.keys())
_COLUMN_LIST = ", ".join(_MESSAGE_COLUMNS)  # plain names: none needs quoting in either dialect
_INSERT_MESSAGES = BulkInsert(messages, _MESSAGE_COLUMNS)
_INSERT_MENTIONS = BulkInsert(mentions, ("user_id", "conversation_id", "seq", "message_id"))


def by_client_ids(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Row]:
    """Existing messages for (device_id, client_msg_id) pairs: the idempotency lookup.

    The keys are joined as a VALUES list, so the database probes the unique
    (device_id, client_msg_id) index once per key. (A row-value IN makes SQLite
    scan the table; two plain IN lists make it probe every device x id
    combination, 50,000 probes for a batch of 500 sends from 100 devices.)
    """
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    marks = placeholders(conn.dialect, 2 * len(wanted))
    values = ", ".join(f"({marks[2 * i]}, {marks[2 * i + 1]})" for i in range(len(wanted)))
    columns = ", ".join(f"m.{c}" for c in _MESSAGE_COLUMNS)
    sql = (f"WITH k (d, c) AS (VALUES {values}) SELECT {columns} FROM k JOIN messages m "
           "ON m.device_id = k.d AND m.client_msg_id = k.c")
    rows = _message_rows(conn, conn.exec_driver_sql(sql, tuple(v for key in wanted for v in key)))
    return {(row["device_id"], row["client_msg_id"]): row for row in rows}


_TEXT = _MESSAGE_COLUMNS.index("text")
_CARD = _MESSAGE_COLUMNS.index("card")


def insert_many(conn: Connection, rows: list[Row]) -> None:
    """Insert message rows, their text (and card) sealed (the rows given keep the plaintext)."""
    texts = seal_message_texts(conn, rows)
    cards = seal_message_texts(conn, rows, "card") if any(row["card"] for row in rows) else [None] * len(rows)
    _INSERT_MESSAGES.run(conn, (_with_text(row, text, card) for row, text, card in zip(rows, texts, cards,
                                                                                       strict=True)))


def _with_text(row: Row, text: str, card: str | None) -> tuple[Any, ...]:
    values = [row[c] for c in _MESSAGE_COLUMNS]
    values[_TEXT] = text
    values[_CARD] = card
    return tuple(values)


def insert_mentions(conn: Connection, rows: list[Row]) -> None:
    _INSERT_MENTIONS.run(conn, ((r["user_id"], r["conversation_id"], r["seq"], r["message_id"]) for r in rows))


def replace_mentions(conn: Connection, message: Row, user_ids: list[str]) -> None:
    conn.execute(delete(mentions).where(mentions.c.message_id == message["id"]))
    insert_mentions(
        conn,
        [
            {"user_id": uid, "conversation_id": message["conversation_id"], "seq": message["seq"],
             "message_id": message["id"]}
            for uid in user_ids
        ],
    )


def update_message(conn: Connection, message: Row, values: Row) -> None:
    """Change columns of ``message`` (a row read before); a new text or card is sealed."""
    for column in ("text", "card"):
        if values.get(column) is not None:
            values = {**values, column: seal_message_text(conn, message["conversation_id"], message["id"],
                                                          values[column], column)}
    conn.execute(update(messages).where(messages.c.id == message["id"]).values(**values))


def rewrite_text_in_events(conn: Connection, conversation_id: str, message_id: str, message_seq: int,
                           text: str, mentions: list[str], mentions_all: bool, *, erase_files: bool = False,
                           erase_card: bool = False) -> int:
    """Give every stored event that carries this message's text the one given, and its mentions.

    The event log keeps what happened, not what was said before: after an edit, the
    ``message.new`` event and earlier ``message.edited`` events carry the current text; after a
    delete, none. (Its edits come after the message, so only its own seq and later edit events are
    read.) ``erase_files``: the message's files go from its ``message.new`` too (a delete); ``erase_card``
    its card.
    Returns how many events were rewritten.
    """
    found = open_conversation_events(conn, [ConversationEvent(*row) for row in conn.execute(
        select(events.c.conversation_id, events.c.seq, events.c.type, events.c.actor_id, events.c.created_at,
               events.c.data).where(
            events.c.conversation_id == conversation_id,
            or_(events.c.seq == message_seq, and_(events.c.seq > message_seq, events.c.type == "message.edited")))
    )])
    changed = []
    for event in found:
        body = decode(event.data_json)
        carrier = body.get("message") if event.type == "message.new" else body
        id_field = "id" if event.type == "message.new" else "message_id"
        if not isinstance(carrier, dict) or carrier.get(id_field) != message_id:
            continue
        carrier.update(text=text, mentions=mentions, mentions_all=mentions_all)
        if erase_files and "attachments" in carrier:
            carrier["attachments"] = []
        if erase_card and carrier.get("card") is not None:
            carrier["card"] = None
        changed.append(replace(event, data_json=encode_str(body)))
    for event, data in zip(changed, seal_conversation_events(conn, changed), strict=True):
        conn.execute(update(events).where(events.c.conversation_id == conversation_id, events.c.seq == event.seq)
                     .values(data=data))
    return len(changed)


def bump_reply_counts(conn: Connection, counts: dict[str, int], now_ms: int) -> None:
    for root_id, n in counts.items():
        conn.execute(
            update(messages)
            .where(messages.c.id == root_id)
            .values(reply_count=messages.c.reply_count + n, last_reply_at=now_ms)
        )


def add_reaction(conn: Connection, message_id: str, emoji: str, user_id: str, now_ms: int) -> bool:
    exists = conn.execute(
        select(reactions.c.user_id).where(
            reactions.c.message_id == message_id, reactions.c.emoji == emoji, reactions.c.user_id == user_id
        )
    ).first()
    if exists:
        return False
    conn.execute(insert(reactions).values(message_id=message_id, emoji=emoji, user_id=user_id, created_at=now_ms))
    return True


def remove_reaction(conn: Connection, message_id: str, emoji: str, user_id: str) -> bool:
    result = conn.execute(
        delete(reactions).where(
            reactions.c.message_id == message_id, reactions.c.emoji == emoji, reactions.c.user_id == user_id
        )
    )
    return bool(result.rowcount)


def remove_all_reactions(conn: Connection, message_id: str) -> None:
    conn.execute(delete(reactions).where(reactions.c.message_id == message_id))


def reactions_for(conn: Connection, message_ids: list[str]) -> dict[str, list[Row]]:
    """Reactions grouped per message as [{emoji, count, user_ids}] in first-use order."""
    if not message_ids:
        return {}
    stmt = (
        select(reactions)
        .where(reactions.c.message_id.in_(message_ids))
        .order_by(reactions.c.created_at, reactions.c.emoji)
    )
    grouped: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for r in conn.execute(stmt):
        grouped[r.message_id].setdefault(r.emoji, []).append(r.user_id)
    return {
        mid: [{"emoji": e, "count": len(uids), "user_ids": uids} for e, uids in by_emoji.items()]
        for mid, by_emoji in grouped.items()
    }


def history(conn: Connection, conversation_id: str, before_seq: int | None, limit: int) -> list[Row]:
    """Top-level messages before ``before_seq``, newest first (the caller reverses).

    Driver SQL: the page is read on every scroll and every conversation open,
    and SQLAlchemy's per-row mapping cost more than the query itself.
    """
    sql = _history_sql(conn.dialect, before_seq is not None)
    params = (conversation_id, before_seq, limit) if before_seq is not None else (conversation_id, limit)
    return _message_rows(conn, conn.exec_driver_sql(sql, params))


@lru_cache(maxsize=8)
def _history_sql(dialect: Dialect, bounded: bool) -> str:
    marks = placeholders(dialect, 3 if bounded else 2)
    before = f" AND seq < {marks[1]}" if bounded else ""
    return (f"SELECT {_COLUMN_LIST} FROM messages WHERE conversation_id = {marks[0]} AND reply_to IS NULL{before} "
            f"ORDER BY seq DESC LIMIT {marks[-1]}")


def after(conn: Connection, conversation_id: str, after_seq: int, limit: int) -> list[Row]:
    """Top-level messages after ``after_seq``, oldest first (paging forward, the history window)."""
    marks = placeholders(conn.dialect, 3)
    sql = (f"SELECT {_COLUMN_LIST} FROM messages WHERE conversation_id = {marks[0]} AND reply_to IS NULL "
           f"AND seq > {marks[1]} ORDER BY seq LIMIT {marks[2]}")
    return _message_rows(conn, conn.exec_driver_sql(sql, (conversation_id, after_seq, limit)))


def _message_rows(conn: Connection, result: Any) -> list[Row]:
    rows = []
    for values in result:
        row = dict(zip(_MESSAGE_COLUMNS, values, strict=True))
        row["mentions_all"] = bool(row["mentions_all"])
        rows.append(row)
    return open_message_texts(conn, rows)


def thread(conn: Connection, root_id: str, limit: int) -> list[Row]:
    stmt = select(messages).where(messages.c.reply_to == root_id).order_by(messages.c.seq).limit(limit)
    return open_message_texts(conn, [dict(r) for r in conn.execute(stmt).mappings()])


def pinned(conn: Connection, conversation_id: str) -> list[Row]:
    stmt = (
        select(messages)
        .where(
            messages.c.conversation_id == conversation_id,
            messages.c.pinned_at.is_not(None),
            messages.c.deleted_at.is_(None),
        )
        .order_by(messages.c.pinned_at.desc())
    )
    return open_message_texts(conn, [dict(r) for r in conn.execute(stmt).mappings()])
