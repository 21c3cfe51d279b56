"""Files, blobs, uploads and voice plays: queries only, no rules (``services/files.py`` has them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from .schema import blobs, files, messages, upload_parts, uploads, voice_plays
from .sealed_columns import blob_key_binding, open_file_key, seal_file_key, upload_key_binding

Row = dict[str, Any]


# --- uploads -------------------------------------------------------------------------------------


def insert_upload(conn: Connection, row: Row) -> None:
    key = seal_file_key(conn, row["org_id"], upload_key_binding(row["org_id"], row["id"]), row["key"])
    conn.execute(insert(uploads).values(**{**row, "key": key}))


def get_upload(conn: Connection, upload_id: str) -> Row | None:
    row = conn.execute(select(uploads).where(uploads.c.id == upload_id)).mappings().first()
    if row is None:
        return None
    found = dict(row)
    found["key"] = open_file_key(conn, found["org_id"], upload_key_binding(found["org_id"], upload_id), found["key"])
    return found


def advance_upload(conn: Connection, upload_id: str, start: int, length: int, object_key: str) -> bool:
    """Record a stored chunk, if the upload still stands at ``start`` (False: another request moved it)."""
    moved = conn.execute(update(uploads).where(uploads.c.id == upload_id, uploads.c.received == start,
                                               uploads.c.file_id.is_(None))
                         .values(received=start + length))
    if moved.rowcount != 1:
        return False
    conn.execute(insert(upload_parts).values(upload_id=upload_id, start=start, length=length, object=object_key))
    return True


def parts(conn: Connection, upload_id: str) -> list[Row]:
    stmt = select(upload_parts).where(upload_parts.c.upload_id == upload_id).order_by(upload_parts.c.start)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def drop_parts(conn: Connection, upload_id: str) -> None:
    conn.execute(delete(upload_parts).where(upload_parts.c.upload_id == upload_id))


def complete_upload(conn: Connection, upload_id: str, file_id: str) -> bool:
    done = conn.execute(update(uploads).where(uploads.c.id == upload_id, uploads.c.file_id.is_(None))
                        .values(file_id=file_id))
    return done.rowcount == 1


def delete_upload(conn: Connection, upload_id: str) -> list[str]:
    """Remove an upload and its parts' rows; returns the parts' objects (to delete after commit)."""
    objects = [p["object"] for p in parts(conn, upload_id)]
    drop_parts(conn, upload_id)
    conn.execute(delete(uploads).where(uploads.c.id == upload_id))
    return objects


def expired_uploads(conn: Connection, now_ms: int, limit: int) -> list[str]:
    stmt = select(uploads.c.id).where(uploads.c.expires_at <= now_ms).order_by(uploads.c.expires_at).limit(limit)
    return list(conn.execute(stmt).scalars())


def known_uploads(conn: Connection, upload_ids: list[str]) -> set[str]:
    """Those of ``upload_ids`` that exist."""
    if not upload_ids:
        return set()
    return set(conn.execute(select(uploads.c.id).where(uploads.c.id.in_(upload_ids))).scalars())


def pending_bytes(conn: Connection, org_id: str, user_id: str | None = None) -> int:
    """Bytes announced by the unfinished uploads of the organisation (or of one user)."""
    where = [uploads.c.org_id == org_id, uploads.c.file_id.is_(None)]
    if user_id is not None:
        where.append(uploads.c.user_id == user_id)
    return int(conn.execute(select(func.coalesce(func.sum(uploads.c.size), 0)).where(*where)).scalar_one())


# --- blobs ---------------------------------------------------------------------------------------


def get_blob(conn: Connection, org_id: str, sha256: str) -> Row | None:
    row = conn.execute(select(blobs).where(blobs.c.org_id == org_id, blobs.c.sha256 == sha256)).mappings().first()
    if row is None:
        return None
    found = dict(row)
    found["key"] = open_file_key(conn, org_id, blob_key_binding(org_id, sha256), found["key"])
    return found


def add_ref(conn: Connection, org_id: str, sha256: str, n: int = 1) -> bool:
    """One more file refers to the blob; False if there is no such blob (it was swept)."""
    done = conn.execute(update(blobs).where(blobs.c.org_id == org_id, blobs.c.sha256 == sha256)
                        .values(refs=blobs.c.refs + n, released_at=None))
    return done.rowcount == 1


def insert_blob(conn: Connection, row: Row) -> None:
    key = seal_file_key(conn, row["org_id"], blob_key_binding(row["org_id"], row["sha256"]), row["key"])
    conn.execute(insert(blobs).values(**{**row, "key": key}))


def release_refs(conn: Connection, org_id: str, counts: dict[str, int], now_ms: int) -> None:
    for sha, n in counts.items():
        conn.execute(update(blobs).where(blobs.c.org_id == org_id, blobs.c.sha256 == sha)
                     .values(refs=blobs.c.refs - n))
        conn.execute(update(blobs).where(blobs.c.org_id == org_id, blobs.c.sha256 == sha, blobs.c.refs <= 0,
                                         blobs.c.released_at.is_(None)).values(released_at=now_ms))


def released_blobs(conn: Connection, before_ms: int, limit: int) -> list[Row]:
    stmt = (select(blobs.c.org_id, blobs.c.sha256, blobs.c.object, blobs.c.thumb_size)
            .where(blobs.c.refs <= 0, blobs.c.released_at <= before_ms).limit(limit))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def delete_released_blob(conn: Connection, org_id: str, sha256: str) -> bool:
    """Remove the blob's row if still nothing refers to it (a finalisation may have claimed it meanwhile)."""
    done = conn.execute(delete(blobs).where(blobs.c.org_id == org_id, blobs.c.sha256 == sha256, blobs.c.refs <= 0))
    return done.rowcount == 1


def known_objects(conn: Connection, objects: list[str]) -> set[str]:
    if not objects:
        return set()
    stmt = select(blobs.c.object).where(blobs.c.object.in_(objects))
    return set(conn.execute(stmt).scalars())


# --- files ---------------------------------------------------------------------------------------


def insert_files(conn: Connection, rows: list[Row]) -> None:
    if rows:
        conn.execute(insert(files), rows)


def get_file(conn: Connection, file_id: str) -> Row | None:
    row = conn.execute(select(files).where(files.c.id == file_id)).mappings().first()
    return dict(row) if row is not None else None


def get_files(conn: Connection, file_ids: list[str]) -> dict[str, Row]:
    if not file_ids:
        return {}
    return {r["id"]: dict(r) for r in conn.execute(select(files).where(files.c.id.in_(file_ids))).mappings()}


def attach(conn: Connection, file_ids: list[str], message_id: str) -> int:
    done = conn.execute(update(files).where(files.c.id.in_(file_ids), files.c.message_id.is_(None))
                        .values(message_id=message_id))
    return int(done.rowcount)


def of_messages(conn: Connection, message_ids: list[str]) -> dict[str, list[Row]]:
    """Each message's files, in the order they were attached (their ids sort by creation)."""
    if not message_ids:
        return {}
    found: dict[str, list[Row]] = {}
    stmt = select(files).where(files.c.message_id.in_(message_ids)).order_by(files.c.message_id, files.c.id)
    for r in conn.execute(stmt).mappings():
        found.setdefault(r["message_id"], []).append(dict(r))
    return found


def delete_files(conn: Connection, rows: list[Row]) -> None:
    ids = [r["id"] for r in rows]
    if not ids:
        return
    conn.execute(delete(files).where(files.c.id.in_(ids)))
    conn.execute(delete(voice_plays).where(voice_plays.c.file_id.in_(ids)))


def unsent_files(conn: Connection, before_ms: int, limit: int) -> list[Row]:
    """Files no message attached, uploaded before ``before_ms`` (abandoned after their upload)."""
    stmt = (select(files).where(files.c.message_id.is_(None), files.c.created_at < before_ms)
            .order_by(files.c.created_at).limit(limit))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def delete_unsent(conn: Connection, rows: list[Row], now_ms: int) -> list[Row]:
    """Delete those of ``rows`` still unsent (a send may have attached one meanwhile); the deleted."""
    gone = []
    for row in rows:
        done = conn.execute(delete(files).where(files.c.id == row["id"], files.c.message_id.is_(None)))
        if done.rowcount == 1:
            gone.append(row)
            release_refs(conn, row["org_id"], {row["sha256"]: 1}, now_ms)
    return gone


def conversation_files(conn: Connection, conversation_id: str, kind: str | None, sender: str | None,
                       query: str | None, before: str | None, limit: int) -> list[Row]:
    """Files attached to (undeleted) messages, newest first; ``before`` a file id (the page cursor)."""
    c = files.c
    stmt = select(files).where(c.conversation_id == conversation_id, c.message_id.is_not(None))
    if kind:
        stmt = stmt.where(c.kind == kind)
    if sender:
        stmt = stmt.where(c.uploader_id == sender)
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(c.name).like(f"%{escaped}%", escape="\\"))
    if before:
        stmt = stmt.where(c.id < before)
    return [dict(r) for r in conn.execute(stmt.order_by(c.id.desc()).limit(limit)).mappings()]


def usage(conn: Connection, org_id: str, user_id: str | None = None) -> int:
    where = [files.c.org_id == org_id]
    if user_id is not None:
        where.append(files.c.uploader_id == user_id)
    return int(conn.execute(select(func.coalesce(func.sum(files.c.size), 0)).where(*where)).scalar_one())


def usage_by_user(conn: Connection, org_id: str) -> list[Row]:
    stmt = (select(files.c.uploader_id, func.count().label("files"), func.sum(files.c.size).label("bytes"))
            .where(files.c.org_id == org_id).group_by(files.c.uploader_id).order_by(func.sum(files.c.size).desc()))
    return [{"user_id": r.uploader_id, "files": int(r.files), "bytes": int(r.bytes or 0)} for r in conn.execute(stmt)]


def stored_bytes(conn: Connection, org_id: str) -> tuple[int, int]:
    """Distinct contents stored for the organisation (after dedupe): how many, how many bytes."""
    row = conn.execute(select(func.count(), func.coalesce(func.sum(blobs.c.size), 0))
                       .where(blobs.c.org_id == org_id, blobs.c.refs > 0)).one()
    return int(row[0]), int(row[1])


def bump_file_count(conn: Connection, message_id: str, n: int) -> None:
    conn.execute(update(messages).where(messages.c.id == message_id).values(file_count=n))


# --- voice plays ---------------------------------------------------------------------------------


def add_play(conn: Connection, user_id: str, file_id: str, conversation_id: str, now_ms: int) -> bool:
    exists = conn.execute(select(voice_plays.c.file_id).where(voice_plays.c.user_id == user_id,
                                                              voice_plays.c.file_id == file_id)).first()
    if exists is not None:
        return False
    conn.execute(insert(voice_plays).values(user_id=user_id, file_id=file_id, conversation_id=conversation_id,
                                            played_at=now_ms))
    return True


def played(conn: Connection, user_id: str, conversation_id: str) -> list[str]:
    """Voice files of the conversation the user played, and those they sent themselves."""
    plays = select(voice_plays.c.file_id).where(voice_plays.c.user_id == user_id,
                                                 voice_plays.c.conversation_id == conversation_id)
    own = select(files.c.id).where(files.c.conversation_id == conversation_id, files.c.kind == "voice",
                                   files.c.uploader_id == user_id, files.c.message_id.is_not(None))
    found = set(conn.execute(plays).scalars()) | set(conn.execute(own).scalars())
    return sorted(found)


