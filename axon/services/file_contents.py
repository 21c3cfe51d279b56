"""Storing a finalised upload's content: once per organisation and SHA-256, reference counted.

A content already stored for the organisation gains a reference (a conditional ``UPDATE``); a new
one is sealed with its own key (``vault``), published in the BlobStore under a name unique to this
attempt, and its row inserted. The file row is inserted, and the upload marked done, in that same
transaction (``_claim``), so exactly one file comes of one upload and two uploads of the same new
content racing end with one blob (the loser's object is deleted).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.errors import NotFound
from ..domain.files import UploadIncomplete
from ..domain.ids import new_id
from ..domain.media import MediaInfo
from ..domain.model import Actor
from ..protocol.codec import encode_str
from ..store import files as stored
from ..store.tx import Tx
from . import vault
from .core import Core
from .ports import BlobStore

if TYPE_CHECKING:
    from .files import Stored

Row = dict[str, Any]


def blob_binding(org_id: str, sha256: str, rendition: str) -> bytes:
    return f"axon blob\x1f{org_id}\x1f{sha256}\x1f{rendition}".encode()


def blob_object(org_id: str, sha256: str, now_ms: int) -> str:
    return f"blobs/{org_id}/{sha256[:2]}/{sha256}.{new_id('blob', now_ms)}"


class Contents:
    def __init__(self, core: Core, where: Stored) -> None:
        self.core = core
        self.where = where

    async def store(self, actor: Actor, upload: Row, content: Path, digest: str, info: MediaInfo,
                    work: Path) -> Row:
        """Point a new file at the organisation's blob of this content, storing it if it is new."""
        org_id, now = actor.org_id, self.core.clock.now_ms()
        size = (await asyncio.to_thread(content.stat)).st_size
        file_row = new_file_row(upload, digest, size, info, now)
        blob = await self.core.read(lambda c: stored.get_blob(c, org_id, digest))
        if blob is not None:
            done = await self.core.write(lambda tx: self._claim(tx, upload, file_row, None))
            if done is not None:
                return done
        new_blob, objects = await self._put_blob(org_id, digest, size, content, info, work, now)
        try:
            done = await self.core.write(lambda tx: self._claim(tx, upload, file_row, new_blob))
        except BaseException:
            for key in objects:
                await _forget(self.where.blobs, key)
            raise
        if done is None or new_blob.get("lost"):
            for key in objects:
                await _forget(self.where.blobs, key)
        return done if done is not None else await self._finished_file(actor, upload["id"])

    def _claim(self, tx: Tx, upload: Row, file_row: Row, new_blob: Row | None) -> Row | None:
        """The transaction that makes the file: the upload is marked done (once), and the blob gains a
        reference, or is inserted. None: the blob vanished (swept) or the upload was finished by another."""
        current = stored.get_upload(tx.conn, upload["id"])
        if current is None:
            raise NotFound("Upload not found.")
        if current["file_id"] is not None:
            return stored.get_file(tx.conn, current["file_id"])
        if not stored.add_ref(tx.conn, upload["org_id"], file_row["sha256"]):
            if new_blob is None:
                return None
            stored.insert_blob(tx.conn, new_blob)
        elif new_blob is not None:
            new_blob["lost"] = True  # another upload stored the same content first: ours goes
        stored.complete_upload(tx.conn, upload["id"], file_row["id"])
        stored.insert_files(tx.conn, [file_row])
        return file_row

    async def _finished_file(self, actor: Actor, upload_id: str) -> Row:
        row = await self.core.read(lambda c: stored.get_upload(c, upload_id))
        if row is None:
            raise NotFound("Upload not found.")
        file = await self.core.read(lambda c: stored.get_file(c, row["file_id"])) if row["file_id"] else None
        if file is None:
            raise UploadIncomplete("The upload could not be finalised; try again.", offset=row["received"])
        return file

    async def _put_blob(self, org_id: str, digest: str, size: int, content: Path, info: MediaInfo, work: Path,
                        now: int) -> tuple[Row, list[str]]:
        key = vault.BlobKey.new()
        obj = blob_object(org_id, digest, now)
        sealed = work / "sealed"
        await asyncio.to_thread(vault.seal_file, content, sealed, key.key, key.content_prefix,
                                blob_binding(org_id, digest, "content"))
        await self.where.blobs.put_file(obj, sealed)
        objects = [obj]
        thumb = info.thumbnail
        if thumb is not None:
            thumb_path = work / "thumb"
            data = vault.seal_bytes(thumb.data, key.key, key.thumb_prefix, blob_binding(org_id, digest, "thumb"))
            await asyncio.to_thread(thumb_path.write_bytes, data)
            await self.where.blobs.put_file(obj + ".thumb", thumb_path)
            objects.append(obj + ".thumb")
        row = {"org_id": org_id, "sha256": digest, "object": obj, "size": size, "key": key.encode(),
               "thumb_mime": thumb.mime if thumb else None, "thumb_size": len(thumb.data) if thumb else None,
               "refs": 1, "created_at": now, "released_at": None}
        return row, objects


async def _forget(blobs: BlobStore, key: str) -> None:
    with contextlib.suppress(Exception):
        await blobs.delete(key)


def new_file_row(upload: Row, digest: str, size: int, info: MediaInfo, now: int) -> Row:
    thumb = info.thumbnail
    kind = info.kind.value
    return {"id": new_id("file", now), "org_id": upload["org_id"], "conversation_id": upload["conversation_id"],
            "uploader_id": upload["user_id"], "message_id": None, "sha256": digest, "name": upload["name"],
            "size": size, "mime": info.mime, "kind": kind, "width": info.width, "height": info.height,
            "duration_ms": info.duration_ms,
            "waveform": encode_str(list(info.waveform)) if info.waveform is not None else None,
            "animated": info.animated, "thumb_width": thumb.width if thumb else None,
            "thumb_height": thumb.height if thumb else None, "created_at": now}
