"""Avatars: upload and remove one's own, read anyone's in the organisation.

Images cannot send an ``Authorization`` header, so clients fetch an avatar with their
token and show it through a ``blob:`` URL (the CSP allows ``img-src blob:``): no token in
any URL. ``ETag`` is the avatar's version (the user's ``avatar`` field), so a client that
has it answers ``If-None-Match`` with 304.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..protocol.rest import User
from .deps import CurrentActor, Svc, fast_json
from .openapi import errors, returns

router = APIRouter(tags=["account"])

_IMAGE_BODY = {"requestBody": {"required": True, "content": {
    t: {"schema": {"type": "string", "format": "binary"}} for t in ("image/png", "image/jpeg", "image/webp",
                                                                    "image/gif")}}}


@router.put("/me/avatar", responses=returns(User, 400, 401, 413), openapi_extra=_IMAGE_BODY)
async def put_avatar(request: Request, actor: CurrentActor, svc: Svc) -> Response:
    """Upload own avatar as the raw image body (PNG, JPEG, WebP or GIF, at most 5 MiB); the server
    stores it re-encoded as a 256 px square WebP without metadata. → the updated profile.
    Over 5 MiB: 413 ``body_too_large``; over 40 million pixels: 413 ``image_too_large``."""
    # The body is bounded before this runs (``body_limit.LARGER_BODIES``: 413 body_too_large).
    return fast_json(await svc.avatars.set(actor, await request.body()))


@router.delete("/me/avatar", responses=returns(User, 401))
async def delete_avatar(actor: CurrentActor, svc: Svc) -> Response:
    """Remove own avatar (initials are shown again). → the updated profile."""
    return fast_json(await svc.avatars.remove(actor))


@router.get("/users/{user_id}/avatar", tags=["directory"], response_class=Response, responses={
    200: {"description": "The avatar image", "content": {"image/webp": {"schema": {"type": "string",
                                                                                   "format": "binary"}}}},
    304: {"description": "Not modified (If-None-Match matched the ETag)"}, **errors(401, 404)})
async def get_avatar(user_id: str, request: Request, actor: CurrentActor, svc: Svc) -> Response:
    """A user's avatar (same organisation only; 404 when they have none)."""
    image = await svc.avatars.get(actor, user_id)
    headers = {"ETag": f'"{image.etag}"', "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match", "").strip() in (f'"{image.etag}"', f'W/"{image.etag}"'):
        return Response(status_code=304, headers=headers)
    return Response(image.data, media_type=image.content_type, headers=headers)
