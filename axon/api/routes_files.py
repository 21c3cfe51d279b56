"""Files: resumable uploads, file details, downloads (bearer or signed URL, with Range), signed URLs
for the browser, a conversation's Files tab, voice messages played, and usage for admins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from ..domain.errors import NotFound
from ..domain.model import Actor
from ..protocol.rest import FileInfo, FilePage, FileUrls, FileUsage, PlayedFiles, Upload
from ..services.file_reads import Download
from ..services.ports import BlobMissing
from .deps import BearerToken, CurrentActor, Svc, client_address, fast_json
from .openapi import errors, returns
from .schemas import FileUrlsBody, UploadBody

router = APIRouter(tags=["files"])

_CHUNK_BODY = {"requestBody": {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}
_CONTENT: dict[int | str, dict[str, Any]] = {200: {"description": "The content (or the asked range: 206)", "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
    304: {"description": "Not modified (If-None-Match matched the ETag)"},
    206: {"description": "Partial content (Range)", "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, **errors(401, 404, 416)}


@router.post("/conversations/{conversation_id}/uploads", status_code=201,
             responses=returns(Upload, 400, 401, 403, 404, 413, 422, status=201))
async def start_upload(conversation_id: str, body: UploadBody, actor: CurrentActor, svc: Svc) -> Response:
    """Start a resumable upload into the conversation (checked before any byte is sent: the right to
    post files there, ``max_file_bytes`` → 413 ``file_too_large``, quotas → 413 ``quota_exceeded``).
    A 0-byte upload is finalised at once (``file`` set)."""
    upload = await svc.uploads.start(actor, conversation_id, body.name, body.size, body.mime, body.voice)
    return fast_json(upload, 201)


@router.get("/uploads/{upload_id}", responses=returns(Upload, 401, 404))
async def get_upload(upload_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Where an upload stands (to resume it: PUT the next chunk at ``offset``)."""
    return fast_json(await svc.uploads.get(actor, upload_id))


@router.put("/uploads/{upload_id}", responses=returns(Upload, 400, 401, 403, 404, 409, 413, 422),
            openapi_extra=_CHUNK_BODY)
async def put_chunk(upload_id: str, request: Request, actor: CurrentActor, svc: Svc,
                    offset: int = Query(ge=0, le=2 ** 53)) -> Response:
    """One chunk (1 byte to 8 MiB, raw body) at ``offset``, which must be the upload's
    current offset (else 409 ``upload_offset_mismatch`` with ``details.offset``). The chunk that
    completes the upload finalises it: the answer then has ``file``. An empty body at
    ``offset = size`` finalises again an upload whose finalisation was interrupted."""
    declared = request.headers.get("content-length")
    length = int(declared) if declared and declared.isdigit() else None
    return fast_json(await svc.uploads.put(actor, upload_id, offset, length, request.stream()))


@router.delete("/uploads/{upload_id}", status_code=204, responses=errors(401, 404))
async def cancel_upload(upload_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Cancel an unfinished upload; its stored chunks are deleted."""
    await svc.uploads.cancel(actor, upload_id)
    return Response(status_code=204)


@router.get("/files/{file_id}", responses=returns(FileInfo, 401, 404))
async def file_info(file_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """A file's details (members of its conversation only)."""
    return fast_json(await svc.file_reads.info(actor, file_id))


async def _reader(request: Request, file_id: str, what: str, svc: Svc, token: BearerToken) -> Actor:
    """The bearer token's actor, or the user a signed URL (``u``, ``exp``, ``sig``) was made for."""
    query = request.query_params
    if "sig" in query:
        return await svc.file_reads.signed_actor(query.get("u", ""), file_id, what, query.get("exp", ""),
                                                 query.get("sig", ""))
    return await svc.auth.authenticate(token, client_address(request))


async def _download(svc: Svc, actor: Actor, file_id: str, what: str, request: Request, download: bool) -> Response:
    found = await svc.file_reads.content(actor, file_id, what, request.headers.get("range"), download)
    etag = found.headers.get("ETag")
    if found.status == 200 and etag and request.headers.get("if-none-match", "").strip() in (etag, f"W/{etag}"):
        # The content of a file never changes: what the browser has is current.
        kept = {k: v for k, v in found.headers.items() if k not in ("Content-Length", "Content-Type")}
        return Response(status_code=304, headers=kept)
    return await _stream(found)


async def _stream(found: Download) -> Response:
    assert found.body is not None
    body = found.body
    try:
        first = await anext(body)  # a missing or broken object is an error answer, not a cut stream
    except StopAsyncIteration:
        first = b""
    except BlobMissing:
        raise NotFound("The file's content is missing from the store.") from None

    async def chained() -> AsyncIterator[bytes]:
        if first:
            yield first
        async for chunk in body:
            yield chunk

    return StreamingResponse(chained(), status_code=found.status, headers=found.headers)


@router.get("/files/{file_id}/content", response_class=Response, responses=_CONTENT)
async def content(file_id: str, request: Request, svc: Svc, token: BearerToken,
                  download: bool = Query(False, description="Force Content-Disposition: attachment.")) -> Response:
    """The file's content: bearer token, or a signed URL from POST /files/urls. Honours ``Range``."""
    actor = await _reader(request, file_id, "content", svc, token)
    return await _download(svc, actor, file_id, "content", request, download)


@router.get("/files/{file_id}/thumbnail", response_class=Response, responses=_CONTENT)
async def thumbnail(file_id: str, request: Request, svc: Svc, token: BearerToken) -> Response:
    """The file's thumbnail (images, PDFs, videos), when it has one: bearer token or signed URL."""
    actor = await _reader(request, file_id, "thumbnail", svc, token)
    return await _download(svc, actor, file_id, "thumbnail", request, False)


@router.post("/files/urls", responses=returns(FileUrls, 401, 422))
async def urls(body: FileUrlsBody, actor: CurrentActor, svc: Svc) -> Response:
    """Signed URLs for ``<img>``, ``<audio>``, ``<video>`` (bound to the caller, ~10 minutes); ids the
    caller cannot read are left out."""
    return fast_json(await svc.file_reads.urls(actor, body.ids))


@router.get("/conversations/{conversation_id}/files", responses=returns(FilePage, 401, 404, 422))
async def conversation_files(conversation_id: str, actor: CurrentActor, svc: Svc,
                             kind: Annotated[str | None, Query(
                                 description="image, video, audio, voice, pdf, file")] = None,
                             sender: str | None = None, q: str | None = Query(None, max_length=200),
                             before: str | None = Query(None, max_length=64),
                             limit: int = Query(50, ge=1, le=200)) -> Response:
    """Files shared in the conversation, newest first, paged with ``before`` = the last page's ``next``."""
    return fast_json(await svc.file_reads.conversation_files(actor, conversation_id, kind, sender, q, before, limit))


@router.post("/files/{file_id}/played", status_code=204, responses=errors(401, 404, 422))
async def played(file_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Mark a voice message as played (the caller's devices get ``voice.played``)."""
    await svc.file_reads.mark_played(actor, file_id)
    return Response(status_code=204)


@router.get("/conversations/{conversation_id}/played", responses=returns(PlayedFiles, 401, 404))
async def played_files(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Voice messages of the conversation the caller has played (their own count as played)."""
    return fast_json(await svc.file_reads.played(actor, conversation_id))


@router.get("/admin/files/usage", tags=["admin"], responses=returns(FileUsage, 401, 403))
async def usage(actor: CurrentActor, svc: Svc) -> Response:
    """Storage used by the organisation's files, in total and per user, with the limits (admins)."""
    return fast_json(await svc.file_reads.usage(actor))


