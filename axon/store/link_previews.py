"""Link previews of messages and the per-organisation cache of fetched URLs: queries only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from .errors import duplicate_key_on_integrity_error
from .schema import link_preview_cache, message_previews
from .sealed_columns import open_cached_preview, open_previews, seal_cached_preview, seal_preview

Row = dict[str, Any]


def get(conn: Connection, message_id: str) -> Row | None:
    """The message's preview row without its image (``data`` None: no preview wanted)."""
    t = message_previews
    row = conn.execute(select(t.c.message_id, t.c.conversation_id, t.c.url, t.c.data, t.c.image_mime)
                       .where(t.c.message_id == message_id)).first()
    return open_previews(conn, [dict(row._mapping)])[0] if row is not None else None


def data_for(conn: Connection, message_ids: list[str]) -> dict[str, str]:
    """The wire previews (JSON text) of those of ``message_ids`` that have one."""
    if not message_ids:
        return {}
    t = message_previews
    rows = conn.execute(select(t.c.message_id, t.c.conversation_id, t.c.data)
                        .where(t.c.message_id.in_(message_ids), t.c.data.is_not(None))).mappings().all()
    return {r["message_id"]: r["data"] for r in open_previews(conn, [dict(r) for r in rows])}


def image(conn: Connection, message_id: str) -> tuple[bytes, str] | None:
    t = message_previews
    row = conn.execute(select(t.c.image, t.c.image_mime).where(t.c.message_id == message_id,
                                                               t.c.data.is_not(None))).first()
    return (bytes(row.image), row.image_mime) if row is not None and row.image is not None else None


def put(conn: Connection, row: Row) -> None:
    """Set the message's preview row (replacing any): keys of ``message_previews``."""
    conn.execute(delete(message_previews).where(message_previews.c.message_id == row["message_id"]))
    conn.execute(insert(message_previews).values(**seal_preview(conn, row)))


def refuse_many(conn: Connection, rows: list[Row]) -> None:
    """Messages sent with ``"preview": false`` (``message_id``, ``conversation_id``, ``created_at``)."""
    if rows:
        conn.execute(insert(message_previews), [{**r, "url": "", "data": None, "image": None,
                                                 "image_mime": None} for r in rows])


def remove(conn: Connection, message_id: str) -> None:
    conn.execute(delete(message_previews).where(message_previews.c.message_id == message_id))


def cached(conn: Connection, org_id: str, url_hash: str) -> Row | None:
    t = link_preview_cache
    row = conn.execute(select(t.c.url, t.c.data, t.c.image, t.c.image_mime, t.c.fetched_at)
                       .where(t.c.org_id == org_id, t.c.url_hash == url_hash)).first()
    return open_cached_preview(conn, org_id, url_hash, dict(row._mapping)) if row is not None else None


def cache_put(conn: Connection, row: Row) -> None:
    """Store what a URL showed (keys of ``link_preview_cache``), replacing an expired entry. Raises
    ``DuplicateKey`` if another node stored the same URL meanwhile."""
    t = link_preview_cache
    conn.execute(delete(t).where(t.c.org_id == row["org_id"], t.c.url_hash == row["url_hash"]))
    with duplicate_key_on_integrity_error():
        conn.execute(insert(t).values(**seal_cached_preview(conn, row)))


def cache_sweep(conn: Connection, fetched_before: int) -> int:
    """Forget every entry fetched before ``fetched_before`` (ms); how many went."""
    t = link_preview_cache
    return int(conn.execute(delete(t).where(t.c.fetched_at < fetched_before)).rowcount or 0)
