"""Files on messages: what a send may attach, attaching in the send's transaction, forwarding,
reading them with history, and letting go of them when a message is erased.

A send without attachments touches none of this: the send batch calls in here only for the
operations that carry files (or forward a message that does), and history pages look for files
only for rows whose ``file_count`` says they have some.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..domain import policy
from ..domain.errors import ValidationFailed
from ..domain.ids import new_id
from ..domain.model import Actor
from ..protocol.rest import Attachment
from ..store import files as stored
from ..store.database import Conn
from ..store.tx import Tx
from .file_views import attachment_view
from .org_settings import settings_for

Row = dict[str, Any]


def check_attachable(conn: Conn, actor: Actor, conversation_id: str, file_ids: tuple[str, ...]) -> list[Row]:
    """The files a send attaches, in the order given: each uploaded by the sender into this
    conversation, finished, and not yet on a message; the files module must be on."""
    policy.check_files_on(settings_for(conn, actor.org_id))
    found = stored.get_files(conn, list(file_ids))
    rows = []
    for file_id in file_ids:
        row = found.get(file_id)
        if row is None or row["uploader_id"] != actor.user_id or row["conversation_id"] != conversation_id:
            raise ValidationFailed(f"{file_id} is not a file you uploaded into this conversation.",
                                   field="attachments", file_id=file_id)
        if row["message_id"] is not None:
            raise ValidationFailed(f"{file_id} is already attached to a message.", field="attachments",
                                   file_id=file_id)
        rows.append(row)
    return rows


def attach(tx: Tx, message_id: str, rows: list[Row]) -> list[Attachment]:
    """Give the files to the message (in the send's transaction); their views for the message."""
    if stored.attach(tx.conn, [r["id"] for r in rows], message_id) != len(rows):
        raise ValidationFailed("A file is already attached to a message.", field="attachments")
    for row in rows:
        row["message_id"] = message_id
    return [attachment_view(r) for r in rows]


def copies_for_forward(tx: Tx, actor: Actor, conversation_id: str, source: Row) -> list[Row]:
    """New file rows on the same blobs for a forward of ``source`` (each blob gains a reference)."""
    if not source.get("file_count"):
        return []
    rows = stored.of_messages(tx.conn, [source["id"]]).get(source["id"], [])
    policy.check_files_on(settings_for(tx.conn, actor.org_id))
    copies = []
    for row in rows:
        copies.append({**row, "id": new_id("file", tx.now_ms), "conversation_id": conversation_id,
                       "uploader_id": actor.user_id, "message_id": None, "created_at": tx.now_ms})
    stored.insert_files(tx.conn, copies)
    for sha, n in Counter(r["sha256"] for r in copies).items():
        stored.add_ref(tx.conn, actor.org_id, sha, n)
    return copies


def attachments_for(conn: Conn, rows: list[Row], *, with_hash: bool = False) -> dict[str, list[Attachment]]:
    """The attachments of the messages among ``rows`` that have files (no query when none has)."""
    ids = [r["id"] for r in rows if r.get("file_count") and r.get("deleted_at") is None]
    if not ids:
        return {}
    return {mid: [attachment_view(f, with_hash=with_hash) for f in found]
            for mid, found in stored.of_messages(conn, ids).items()}


def release_files(tx: Tx, message: Row) -> None:
    """An erased message's files go (their blobs lose a reference; the sweeper removes unused blobs)."""
    if not message.get("file_count"):
        return
    rows = stored.of_messages(tx.conn, [message["id"]]).get(message["id"], [])
    stored.delete_files(tx.conn, rows)
    by_org: dict[str, Counter[str]] = {}
    for row in rows:
        by_org.setdefault(row["org_id"], Counter())[row["sha256"]] += 1
    for org_id, counts in by_org.items():
        stored.release_refs(tx.conn, org_id, dict(counts), tx.now_ms)
