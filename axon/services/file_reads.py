"""Reading files: details, content and thumbnails (with ``Range``), signed URLs for the browser, a
conversation's Files tab, voice messages played, and the organisation's usage for admins.

Every read re-checks that the reader is a member of the file's conversation (``policy.
check_can_read_files``), whether it came with a bearer token or a signed URL: a URL signed for a
member stops working the moment they leave. A signed URL is bound to one user, one file and one
rendition, and expires after ``SIGNED_URL_TTL_MS`` (its HMAC key is derived from the master key).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from ..domain import policy
from ..domain.clock import iso_from_ms
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.files import (
    MAX_URL_IDS,
    SIGNED_URL_TTL_MS,
    ByteRange,
    content_disposition,
    disposition,
    parse_range,
    signature_valid,
    url_signature,
)
from ..domain.model import Actor, OrgRole
from ..protocol.rest import FileInfo, FilePage, FileUrl, FileUrls, FileUsage, PlayedFiles, UserFileUsage
from ..store import accounts
from ..store import conversations as convs
from ..store import files as stored
from ..store.database import Conn
from ..store.tx import Tx
from . import vault
from .core import Core
from .file_contents import blob_binding
from .file_views import file_view
from .org_settings import settings_for
from .ports import BlobStore

Row = dict[str, Any]
PREFIX = "/api/v1/files/"
_KINDS = frozenset({"image", "video", "audio", "voice", "pdf", "file"})


@dataclass(frozen=True, slots=True)
class Download:
    """What a download answers: status, headers and the (decrypted) body, streamed."""

    status: int
    headers: dict[str, str]
    body: AsyncIterator[bytes] | None


class FileReads:
    def __init__(self, core: Core, blobs: BlobStore, url_key: bytes) -> None:
        self.core = core
        self.blobs = blobs
        self.url_key = url_key

    async def info(self, actor: Actor, file_id: str) -> FileInfo:
        return file_view(await self.core.read(lambda c: _readable_file(c, actor, file_id)))

    # --- content -------------------------------------------------------------------

    async def signed_actor(self, user_id: str, file_id: str, what: str, expires: str, signature: str) -> Actor:
        """The user a signed URL was made for, if its signature holds and it has not expired."""
        try:
            expires_s = int(expires)
        except ValueError:
            raise NotFound("File not found.") from None
        now_s = self.core.clock.now_ms() // 1000
        if not signature_valid(self.url_key, user_id, file_id, what, expires_s, signature, now_s):
            raise NotFound("File not found (or the link expired: ask for a new one).")
        user = await self.core.read(lambda c: accounts.get_user(c, user_id))
        if user is None or user["disabled"]:
            raise NotFound("File not found.")
        return Actor(user["id"], user["org_id"], "signed-url", OrgRole(user["org_role"]))

    async def content(self, actor: Actor, file_id: str, what: str, range_header: str | None,
                      force_download: bool) -> Download:
        def load(conn: Conn) -> tuple[Row, Row]:
            file = _readable_file(conn, actor, file_id)
            blob = stored.get_blob(conn, file["org_id"], file["sha256"])
            if blob is None:
                raise NotFound("File not found.")
            return file, blob

        file, blob = await self.core.read(load)
        key = vault.BlobKey.decode(blob["key"])
        if what == "thumbnail":
            if blob["thumb_size"] is None:
                raise NotFound("This file has no thumbnail.")
            return self._whole(blob["object"] + ".thumb", int(blob["thumb_size"]), key.key, key.thumb_prefix,
                               blob_binding(file["org_id"], file["sha256"], "thumb"), blob["thumb_mime"], file)
        size = int(blob["size"])
        wanted = parse_range(range_header, size)
        mime = file["mime"]
        headers = _headers(mime, disposition(mime, force_download), file["name"], file["sha256"])
        binding = blob_binding(file["org_id"], file["sha256"], "content")
        if wanted is None:
            wanted, status = ByteRange(0, size), 200
        else:
            status = 206
            headers["Content-Range"] = f"bytes {wanted.start}-{wanted.end - 1}/{size}"
        headers["Content-Length"] = str(wanted.length)
        body = vault.open_range(self.blobs, blob["object"], size, key.key, key.content_prefix, binding,
                                wanted.start, wanted.end)
        return Download(status, headers, body)

    def _whole(self, obj: str, size: int, key: bytes, prefix: bytes, binding: bytes, mime: str, file: Row) -> Download:
        headers = _headers(mime, "inline", file["name"], file["sha256"] + "-thumb")
        headers["Content-Length"] = str(size)
        return Download(200, headers, vault.open_range(self.blobs, obj, size, key, prefix, binding))

    async def urls(self, actor: Actor, file_ids: list[str]) -> FileUrls:
        if len(file_ids) > MAX_URL_IDS:
            raise ValidationFailed(f"At most {MAX_URL_IDS} ids.", field="ids")
        readable = await self.core.read(lambda c: _readable_files(c, actor, list(dict.fromkeys(file_ids))))
        expires_ms = self.core.clock.now_ms() + SIGNED_URL_TTL_MS
        expires_s = expires_ms // 1000
        urls = {}
        for row in readable:
            thumb = self._url(actor.user_id, row["id"], "thumbnail", expires_s) if row["thumb_width"] else None
            urls[row["id"]] = FileUrl(self._url(actor.user_id, row["id"], "content", expires_s), thumb)
        return FileUrls(urls, iso_from_ms(expires_s * 1000))

    def _url(self, user_id: str, file_id: str, what: str, expires_s: int) -> str:
        sig = url_signature(self.url_key, user_id, file_id, what, expires_s)
        return f"{PREFIX}{file_id}/{what}?u={user_id}&exp={expires_s}&sig={sig}"

    # --- the Files tab, voice played, usage ------------------------------------------

    async def conversation_files(self, actor: Actor, conversation_id: str, kind: str | None, sender: str | None,
                                 query: str | None, before: str | None, limit: int) -> FilePage:
        if kind is not None and kind not in _KINDS:
            raise ValidationFailed("kind must be image, video, audio, voice, pdf or file.", field="kind")
        if query is not None and len(query) > 200:
            raise ValidationFailed("q is at most 200 characters.", field="q")

        def load(conn: Conn) -> FilePage:
            conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
            policy.check_can_read_files(actor, conv, member)
            rows = stored.conversation_files(conn, conversation_id, kind, sender, query or None, before, limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            return FilePage([file_view(r) for r in rows], rows[-1]["id"] if more and rows else None)

        return await self.core.read(load)

    async def mark_played(self, actor: Actor, file_id: str) -> None:
        def played(tx: Tx) -> None:
            file = _readable_file(tx.conn, actor, file_id)
            if file["kind"] != "voice":
                raise ValidationFailed("Only voice messages are marked as played.", field="file_id")
            if stored.add_play(tx.conn, actor.user_id, file_id, file["conversation_id"], tx.now_ms):
                tx.user_event(actor.user_id, "voice.played", {"file_id": file_id,
                                                              "conversation_id": file["conversation_id"]})

        await self.core.write(played)

    async def played(self, actor: Actor, conversation_id: str) -> PlayedFiles:
        def load(conn: Conn) -> PlayedFiles:
            conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
            policy.check_can_read_files(actor, conv, member)
            return PlayedFiles(stored.played(conn, actor.user_id, conversation_id))

        return await self.core.read(load)

    async def usage(self, actor: Actor) -> FileUsage:
        policy.check_org_admin(actor)

        def load(conn: Conn) -> FileUsage:
            settings = settings_for(conn, actor.org_id).policy
            blobs, stored_size = stored.stored_bytes(conn, actor.org_id)
            users = [UserFileUsage(u["user_id"], u["files"], u["bytes"])
                     for u in stored.usage_by_user(conn, actor.org_id)]
            return FileUsage(stored.usage(conn, actor.org_id), stored_size, blobs, settings.max_file_bytes,
                             settings.org_quota_bytes, settings.user_quota_bytes, users)

        return await self.core.read(load)


def _readable_file(conn: Conn, actor: Actor, file_id: str) -> Row:
    file = stored.get_file(conn, file_id)
    if file is None or file["org_id"] != actor.org_id:
        raise NotFound("File not found.")
    conv, member = convs.get_with_membership(conn, file["conversation_id"], actor.user_id)
    policy.check_can_read_files(actor, conv, member)
    if file["message_id"] is None and file["uploader_id"] != actor.user_id:
        raise NotFound("File not found.")  # not yet sent: only its uploader knows of it
    return file


def _readable_files(conn: Conn, actor: Actor, file_ids: list[str]) -> list[Row]:
    """The files among ``file_ids`` the actor may read: one query for the files, one for the
    actor's access to all their conversations (a history page asks for dozens at once)."""
    rows = [r for r in stored.get_files(conn, file_ids).values() if r["org_id"] == actor.org_id]
    access = convs.access_many(conn, {(r["conversation_id"], actor.user_id) for r in rows})
    found = []
    for row in rows:
        conv, member = access[(row["conversation_id"], actor.user_id)]
        try:
            policy.check_can_read_files(actor, conv, member)
        except (NotFound, Forbidden):
            continue
        if row["message_id"] is not None or row["uploader_id"] == actor.user_id:
            found.append(row)
    return found


def _headers(mime: str, kind: str, name: str, etag: str) -> dict[str, str]:
    # X-Content-Type-Options: nosniff and the app's CSP come with every answer (api/http.py's security
    # headers). A file opened on its own is also sandboxed (no script, no same-origin access, even if a
    # browser rendered it as a page despite the above); not PDFs, which Chromium's viewer then refuses
    # to show, and which run no page script.
    headers = {"Content-Type": mime, "Content-Disposition": content_disposition(kind, name),
               "Cache-Control": "private, max-age=600", "Accept-Ranges": "bytes", "ETag": f'"{etag}"'}
    if mime != "application/pdf":
        headers["Content-Security-Policy"] = "sandbox"
    return headers
