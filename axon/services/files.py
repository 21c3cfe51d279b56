"""Uploads: resumable, chunked, encrypted as they arrive, finalised into a deduplicated blob.

An upload is a row (``uploads``) and its parts: each chunk a client PUTs is sealed with the
upload's own key as it streams in, published in the BlobStore under ``staging/<upload>/`` and
recorded (``upload_parts``) by a conditional update on the offset, so chunks can come to any
node, a retried or forged chunk can never overlap another, and a node killed mid-chunk loses only
that chunk. When the last byte is in, the same request finalises: the parts are opened into a
temporary file (hashing SHA-256 on the way), the media analyser reads it in a worker thread (the
real type, never the client's claim), and the content is stored once per organisation and hash
(``blobs``), sealed with a per-blob key (``services/vault.py``). The file row (``files``) is
created in the same transaction that marks the upload done, so a finalisation retried after a
crash or racing another makes one file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain import policy
from ..domain.clock import iso_from_ms
from ..domain.errors import NotFound, ValidationFailed
from ..domain.files import (
    CHUNK_BYTES,
    UPLOAD_TTL_MS,
    UploadIncomplete,
    check_chunk,
    check_quota,
    sanitise_name,
    validate_size,
)
from ..domain.ids import new_id
from ..domain.media import FileKind, MediaInfo, MediaRefused
from ..domain.model import Actor
from ..protocol.rest import Upload
from ..store import conversations as convs
from ..store import files as stored
from ..store.database import Conn
from ..store.tx import Tx
from . import vault
from .core import Core
from .file_contents import Contents
from .file_views import file_view
from .org_settings import settings_for
from .ports import BlobStore, MediaAnalyser

log = logging.getLogger("axon.files")
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Stored:
    """Where the file service keeps things: the BlobStore and a local folder for temporary files."""

    blobs: BlobStore
    temp_dir: Path


def part_binding(upload_id: str, start: int) -> bytes:
    return f"axon upload part\x1f{upload_id}\x1f{start}".encode()


class Uploads:
    def __init__(self, core: Core, where: Stored, analyser: MediaAnalyser | None) -> None:
        self.core = core
        self.where = where
        self.analyser = analyser  # None: no analyser wired (every file is kind "file", type unknown)
        # A finalisation asked again while one runs on this node (a client that timed out and
        # retried) waits for it instead of doing the work twice; across nodes ``_claim`` decides.
        self._finalising: dict[str, asyncio.Lock] = {}
        self.contents = Contents(core, where)
        where.temp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    # --- starting ------------------------------------------------------------------

    async def start(self, actor: Actor, conversation_id: str, name: Any, size: Any, mime: Any,
                    voice: Any) -> Upload:
        """A new upload, refused before any byte is sent if the caller may not post files here, the
        file is over the organisation's limit or a quota would be exceeded."""
        clean = sanitise_name(name)
        if mime is not None and (not isinstance(mime, str) or len(mime) > 255):
            raise ValidationFailed("mime must be a media type.", field="mime")
        now = self.core.clock.now_ms()
        row: Row = {"id": new_id("upload", now), "org_id": actor.org_id, "conversation_id": conversation_id,
               "user_id": actor.user_id, "name": clean, "mime": (mime or "")[:255], "voice": bool(voice),
               "received": 0, "key": vault.BlobKey.new().encode(), "file_id": None, "created_at": now,
               "expires_at": now + UPLOAD_TTL_MS}

        def start(tx: Tx) -> Row:
            conv, member = convs.get_with_membership(tx.conn, conversation_id, actor.user_id)
            settings = settings_for(tx.conn, actor.org_id)
            policy.check_can_upload(actor, conv, member, settings)
            row["size"] = validate_size(size, settings.policy.max_file_bytes)
            _check_quotas(tx.conn, actor, row["size"], settings.policy.org_quota_bytes,
                          settings.policy.user_quota_bytes)
            stored.insert_upload(tx.conn, row)
            return row

        await self.core.write(start)
        if row["size"] == 0:  # nothing to send: an empty file is finalised at once
            return await self.finalise(actor, row["id"])
        return _upload_view(row, None)

    # --- chunks --------------------------------------------------------------------

    async def get(self, actor: Actor, upload_id: str) -> Upload:
        row = await self.core.read(lambda c: _own_upload(c, actor, upload_id))
        return await self._view(row)

    async def _view(self, row: Row) -> Upload:
        file = await self.core.read(lambda c: stored.get_file(c, row["file_id"])) if row["file_id"] else None
        return _upload_view(row, file)

    async def put(self, actor: Actor, upload_id: str, offset: int, length: int | None,
                  body: AsyncIterator[bytes]) -> Upload:
        """Store one chunk at ``offset`` (it must be where the upload stands); an empty chunk at the
        end asks for the finalisation again (after a crash during one)."""
        row = await self.core.read(lambda c: _own_upload(c, actor, upload_id))
        if row["file_id"] is not None:
            if offset != row["size"]:
                check_chunk(row["size"], offset, 1, row["size"])
            return await self._view(row)
        if offset == row["size"] == row["received"] and not length:
            return await self.finalise(actor, upload_id)
        check_chunk(row["received"], offset, max(length or 1, 1), row["size"])
        part, written = await self._stage(row, offset, body)
        check_chunk(row["received"], offset, written, row["size"])  # the body, as it really came

        def record(tx: Tx) -> Row | None:
            current = _own_upload(tx.conn, actor, upload_id)
            if stored.advance_upload(tx.conn, upload_id, offset, written, part):
                return None
            return current

        try:
            moved = await self.core.write(record)
        except BaseException:
            await self._forget(part)
            raise
        if moved is not None:  # another request stored this chunk first
            await self._forget(part)
            check_chunk(moved["received"], offset, written, row["size"])
        if offset + written == row["size"]:
            return await self.finalise(actor, upload_id)
        return _upload_view({**row, "received": offset + written}, None)

    async def _stage(self, row: Row, offset: int, body: AsyncIterator[bytes]) -> tuple[str, int]:
        """Seal the chunk into a temporary file as it streams in, then publish it under staging/."""
        key = vault.BlobKey.decode(row["key"]).key
        prefix = os.urandom(vault.PREFIX_BYTES)
        limit = min(CHUNK_BYTES, row["size"] - offset)
        out = io.BytesIO()  # at most one chunk (8 MiB) sealed in memory, then written at once
        out.write(prefix)
        writer = vault.SegmentWriter(out, key, prefix, part_binding(row["id"], offset))
        async for piece in body:
            if writer.plain_bytes + len(piece) > limit:
                raise ValidationFailed("The chunk goes past the size announced for the upload (or is "
                                       f"over {CHUNK_BYTES} bytes).", field="body", size=row["size"])
            writer.write(piece)
        writer.close()
        if writer.plain_bytes == 0:
            raise ValidationFailed(f"A chunk is 1 to {CHUNK_BYTES} bytes.", field="body")
        path = await asyncio.to_thread(_write_temp, self.where.temp_dir, "part-", out.getbuffer())
        try:
            part = f"staging/{row['id']}/{offset:015d}.{new_id('part', self.core.clock.now_ms())}"
            await self.where.blobs.put_file(part, path)
            return part, writer.plain_bytes
        finally:
            await asyncio.to_thread(_discard, path)

    async def _forget(self, part: str) -> None:
        with contextlib.suppress(Exception):
            await self.where.blobs.delete(part)

    async def cancel(self, actor: Actor, upload_id: str) -> None:
        def cancel(tx: Tx) -> list[str]:
            row = _own_upload(tx.conn, actor, upload_id)
            if row["file_id"] is not None:
                raise NotFound("Upload not found.")  # finished: the file is what remains
            return stored.delete_upload(tx.conn, upload_id)

        for part in await self.core.write(cancel):
            await self._forget(part)

    # --- finalisation ----------------------------------------------------------------

    async def finalise(self, actor: Actor, upload_id: str) -> Upload:
        lock = self._finalising.setdefault(upload_id, asyncio.Lock())
        try:
            async with lock:
                return await self._finalise(actor, upload_id)
        finally:
            if not lock.locked() and self._finalising.get(upload_id) is lock:
                del self._finalising[upload_id]

    async def _finalise(self, actor: Actor, upload_id: str) -> Upload:
        row = await self.core.read(lambda c: _own_upload(c, actor, upload_id))
        if row["file_id"] is not None:
            return await self._view(row)
        parts = await self.core.read(lambda c: stored.parts(c, upload_id))
        if row["received"] != row["size"] or sum(p["length"] for p in parts) != row["size"]:
            raise UploadIncomplete("The upload has not received all its bytes yet.", offset=row["received"])
        work = Path(tempfile.mkdtemp(dir=self.where.temp_dir, prefix="final-"))
        info: MediaInfo | None = None
        try:
            plain = work / "content"
            digest = await self._assemble(row, parts, plain)
            try:
                info = await self._analyse(plain, row)
            except MediaRefused:  # refused content is not kept, not even staged
                for staged in await self.core.write(lambda tx: stored.delete_upload(tx.conn, upload_id)):
                    await self._forget(staged)
                raise
            content = info.cleaned if info.cleaned is not None else plain
            if info.cleaned is not None:
                digest = await asyncio.to_thread(_sha256_of, content)
            file_row = await self.contents.store(actor, row, content, digest, info, work)
        finally:
            await asyncio.to_thread(_remove_tree, work)
            if info is not None:
                _discard(info.cleaned)
        for part in parts:
            await self._forget(part["object"])
        await self.core.write(lambda tx: stored.drop_parts(tx.conn, upload_id))
        return _upload_view({**row, "file_id": file_row["id"]}, file_row)

    async def _assemble(self, row: Row, parts: list[Row], target: Path) -> str:
        """Open every part, in order, into ``target``; the content's SHA-256."""
        key = vault.BlobKey.decode(row["key"]).key
        digest = hashlib.sha256()
        await asyncio.to_thread(target.write_bytes, b"")
        for part in parts:
            sealed = b"".join([c async for c in self.where.blobs.read(part["object"])])
            await asyncio.to_thread(_append_part, target, digest, sealed, key, part_binding(row["id"], part["start"]),
                                    part["length"])
        return digest.hexdigest()

    async def _analyse(self, path: Path, row: Row) -> MediaInfo:
        """What the content is. An analyser failure other than a refusal (a bug, a library crash on a
        strange file) makes the upload an opaque file served as a download, never a failed upload;
        a voice message must be understood as audio, so it is refused instead."""
        if self.analyser is None:
            return MediaInfo("application/octet-stream", FileKind.FILE)
        try:
            return await asyncio.to_thread(self.analyser.analyse, path, row["name"], bool(row["voice"]))
        except MediaRefused:
            raise
        except Exception:
            log.exception("the media analyser failed on upload %s; stored as an opaque file", row["id"])
            if row["voice"]:
                raise MediaRefused("The voice message could not be read as audio.") from None
            return MediaInfo("application/octet-stream", FileKind.FILE)

def _check_quotas(conn: Conn, actor: Actor, size: int, org_quota: int | None, user_quota: int | None) -> None:
    if org_quota is not None:
        used = stored.usage(conn, actor.org_id) + stored.pending_bytes(conn, actor.org_id)
        check_quota(used, size, org_quota, "organisation")
    if user_quota is not None:
        used = stored.usage(conn, actor.org_id, actor.user_id) + stored.pending_bytes(conn, actor.org_id,
                                                                                       actor.user_id)
        check_quota(used, size, user_quota, "user")


def _own_upload(conn: Conn, actor: Actor, upload_id: str) -> Row:
    """The caller's own upload; anyone else's (or none) is not found. Uploading still needs the right
    to post files in its conversation (a member who left, or was removed, cannot go on)."""
    row = stored.get_upload(conn, upload_id)
    if row is None or row["user_id"] != actor.user_id or row["org_id"] != actor.org_id:
        raise NotFound("Upload not found.")
    if row["file_id"] is None:
        conv, member = convs.get_with_membership(conn, row["conversation_id"], actor.user_id)
        policy.check_can_upload(actor, conv, member, settings_for(conn, actor.org_id))
    return row


def _upload_view(row: Row, file: Row | None) -> Upload:
    return Upload(row["id"], row["conversation_id"], row["name"], int(row["size"]), int(row["received"]),
                  CHUNK_BYTES, iso_from_ms(row["expires_at"]), file_view(file) if file is not None else None)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while chunk := src.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _write_temp(folder: Path, prefix: str, data: memoryview) -> Path:
    fd, name = tempfile.mkstemp(dir=folder, prefix=prefix)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return Path(name)


def _append_part(target: Path, digest: Any, sealed: bytes, key: bytes, binding: bytes, length: int) -> None:
    """Open one staged part (its first bytes are its nonce prefix) onto the end of ``target``."""
    written = 0
    with open(target, "ab") as out:
        for piece in vault.open_all(sealed[vault.PREFIX_BYTES:], key, sealed[:vault.PREFIX_BYTES], binding):
            digest.update(piece)
            out.write(piece)
            written += len(piece)
    if written != length:
        raise vault.BlobBroken("An upload part does not hold the bytes recorded for it.")


def _discard(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def _remove_tree(folder: Path) -> None:
    for child in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):
            child.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()
