"""Re-encryption: walk one organisation's sealed rows in bounded batches and seal every value
that is not under the target key (plaintext of an older install, or a previous data key).

The walk is table by table in primary-key order; a job row (``data_keys.job``) keeps which
table (``step``) and the last key done (``cursor``), moved in the same transaction as the batch,
so a crash loses at most the batch in flight and a restart carries on from the cursor. Each
update is conditional on the value read, so a row changed meanwhile (an edit) is left to the
edit, which sealed it anew. A walk that changed anything is followed by another; the job ends
with a walk that changes nothing, started long enough after the key was made that every node
has switched to it (``grace_ms``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, and_, select, tuple_, update

from ..domain.sealing import key_id_of
from . import data_keys
from .schema import (
    ai_settings,
    blobs,
    calendar_events,
    calendar_feeds,
    conversations,
    drafts,
    events,
    link_preview_cache,
    message_previews,
    messages,
    reminders,
    reply_pairs,
    search_recent,
    search_vectors,
    sso_providers,
    two_factor,
    uploads,
    user_events,
    users,
)
from .sealed_columns import (
    AI_KEY_COLUMNS,
    CALENDAR_EVENT_COLUMNS,
    PAIR_COLUMNS,
    PREVIEW_COLUMNS,
    TOTP_COLUMNS,
    ai_key_binding,
    blob_key_binding,
    cache_binding,
    calendar_event_binding,
    card_binding,
    draft_binding,
    event_binding,
    feed_token_binding,
    message_binding,
    pair_binding,
    preview_binding,
    profile_binding,
    provider_secret_binding,
    recent_search_binding,
    reminder_binding,
    topic_binding,
    totp_binding,
    upload_key_binding,
    user_event_binding,
    vector_binding,
)
from .sealing import keyring_of

Row = dict[str, Any]
Binding = Callable[[str, str, Row], bytes]  # (org, column, row) -> associated data


@dataclass(frozen=True)
class SealedTable:
    table: Table
    key: tuple[str, ...]
    columns: tuple[str, ...]
    binding: Binding
    by_user: bool  # rows belong to the organisation through their user (else their conversation)


SEALED_TABLES: tuple[SealedTable, ...] = (
    SealedTable(events, ("conversation_id", "seq"), ("data",),
                lambda org, _, r: event_binding(org, r["conversation_id"], r["seq"]), by_user=False),
    SealedTable(messages, ("id",), ("text", "card"),
                lambda org, column, r: (message_binding if column == "text" else card_binding)(org, r), by_user=False),
    SealedTable(conversations, ("id",), ("topic",), lambda org, _, r: topic_binding(org, r["id"]), by_user=False),
    SealedTable(user_events, ("user_id", "seq"), ("data",),
                lambda org, _, r: user_event_binding(org, r["user_id"], r["seq"]), by_user=True),
    SealedTable(drafts, ("user_id", "conversation_id", "thread_root"), ("text",),
                lambda org, _, r: draft_binding(org, r["user_id"], r["conversation_id"], r["thread_root"]),
                by_user=True),
    SealedTable(users, ("id",), ("title", "status_text"), lambda org, column, r: profile_binding(column, org, r["id"]),
                by_user=True),
    # Appended, never inserted: a job's ``step`` is an index into this tuple.
    SealedTable(two_factor, ("user_id",), TOTP_COLUMNS,
                lambda org, column, r: totp_binding(column, org, r["user_id"]), by_user=True),
    SealedTable(sso_providers, ("org_id", "kind"), ("secret",),
                lambda org, _, r: provider_secret_binding(org, r["kind"]), by_user=False),
    SealedTable(blobs, ("org_id", "sha256"), ("key",), lambda org, _, r: blob_key_binding(org, r["sha256"]),
                by_user=False),
    SealedTable(uploads, ("id",), ("key",), lambda org, _, r: upload_key_binding(org, r["id"]), by_user=False),
    SealedTable(message_previews, ("message_id",), PREVIEW_COLUMNS,
                lambda org, column, r: preview_binding(column, org, r["conversation_id"], r["message_id"]),
                by_user=False),
    SealedTable(link_preview_cache, ("org_id", "url_hash"), PREVIEW_COLUMNS,
                lambda org, column, r: cache_binding(column, org, r["url_hash"]), by_user=False),
    SealedTable(search_recent, ("id",), ("query",),
                lambda org, _, r: recent_search_binding(org, r["user_id"], r["id"]), by_user=True),
    SealedTable(search_vectors, ("message_id",), ("vector",),
                lambda org, _, r: vector_binding(org, r["conversation_id"], r["message_id"]), by_user=False),
    SealedTable(calendar_events, ("id",), CALENDAR_EVENT_COLUMNS,
                lambda org, column, r: calendar_event_binding(column, org, r["id"]), by_user=False),
    SealedTable(calendar_feeds, ("user_id",), ("token",), lambda org, _, r: feed_token_binding(org, r["user_id"]),
                by_user=True),
    SealedTable(ai_settings, ("org_id",), AI_KEY_COLUMNS, lambda org, column, _: ai_key_binding(column, org),
                by_user=False),
    SealedTable(reply_pairs, ("reply_id",), PAIR_COLUMNS,
                lambda org, column, r: pair_binding(column, org, r["conversation_id"], r["reply_id"]), by_user=False),
    SealedTable(reminders, ("id",), ("text",), lambda org, _, r: reminder_binding(org, r["id"]), by_user=True),
)


def _belongs(spec: SealedTable, org_id: str) -> Any:
    t = spec.table
    if "org_id" in t.c:
        return t.c.org_id == org_id
    owners = (select(users.c.id).where(users.c.org_id == org_id) if spec.by_user
              else select(conversations.c.id).where(conversations.c.org_id == org_id))
    return t.c["user_id" if spec.by_user else "conversation_id"].in_(owners)


@dataclass(frozen=True)
class BatchResult:
    looked_at: int
    resealed: int
    finished: bool


def reseal_batch(conn: Connection, org_id: str, limit: int, now_ms: int, grace_ms: int) -> BatchResult | None:
    """One bounded step of the organisation's job (None: no unfinished job, or another node moved it)."""
    job = data_keys.job(conn, org_id, lock=True)
    if job is None or job["finished_at"] is not None:
        return None
    spec = SEALED_TABLES[job["step"]]
    rows = _rows_after(conn, spec, org_id, json.loads(job["cursor"]) if job["cursor"] else None, limit)
    changed = sum(_reseal_row(conn, spec, org_id, job["key_id"], row) for row in rows)
    values: Row = {"done": job["done"] + len(rows), "resealed": job["resealed"] + changed, "updated_at": now_ms}
    finished = False
    if len(rows) == limit:
        values["cursor"] = json.dumps([rows[-1][k] for k in spec.key])
    elif job["step"] + 1 < len(SEALED_TABLES):
        values.update(step=job["step"] + 1, cursor="")
    elif values["resealed"] == 0 and now_ms - job["started_at"] >= grace_ms:
        finished = True
        values["finished_at"] = now_ms
        for key_id in data_keys.retire_others(conn, org_id, job["key_id"], now_ms):
            keyring_of(conn).forget(key_id)
    else:  # this walk changed rows (or came too soon): walk once more to prove nothing is left
        values.update(step=0, cursor="", resealed=0, passes=job["passes"] + 1)
    if not data_keys.advance_job(conn, org_id, job, values):
        return None
    return BatchResult(len(rows), changed, finished)


def _rows_after(conn: Connection, spec: SealedTable, org_id: str, cursor: list[Any] | None, limit: int) -> list[Row]:
    t = spec.table
    key_cols = [t.c[k] for k in spec.key]
    by_conversation = t in (messages, message_previews, search_vectors, reply_pairs)
    stmt = select(*key_cols, *(t.c[c] for c in spec.columns),
                  *([t.c.conversation_id] if by_conversation else [])).where(_belongs(spec, org_id))
    if cursor is not None:
        stmt = stmt.where(tuple_(*key_cols) > tuple_(*cursor) if len(key_cols) > 1 else key_cols[0] > cursor[0])
    stmt = stmt.order_by(*key_cols).limit(limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def _reseal_row(conn: Connection, spec: SealedTable, org_id: str, target: str, row: Row) -> int:
    keyring = keyring_of(conn)
    new: Row = {}
    for column in spec.columns:
        stored = row[column]
        if stored and key_id_of(stored) != target:
            binding = spec.binding(org_id, column, row)
            new[column] = keyring.seal_with(conn, target, binding, keyring.open(conn, org_id, binding, stored))
    if not new:
        return 0
    t = spec.table
    unchanged = and_(*(t.c[k] == row[k] for k in spec.key), *(t.c[c] == row[c] for c in new))
    return 1 if conn.execute(update(t).where(unchanged).values(**new)).rowcount else 0
