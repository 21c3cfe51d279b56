"""Link previews of messages: remove one, read its picture.

The picture is our small re-encoded copy (never the third-party original), served same-origin:
readers' browsers never contact the linked site. Like avatars, clients fetch it with their token
and show it through a ``blob:`` URL (the CSP allows ``img-src blob:``).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from .deps import CurrentActor, Svc
from .openapi import errors

router = APIRouter(tags=["messages"])
MSG = "/conversations/{conversation_id}/messages/{message_id}"


@router.delete(MSG + "/preview", status_code=204, responses=errors(401, 403, 404))
async def remove_preview(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Remove the message's link preview (its sender, or a conversation or organisation admin); it does
    not come back after an edit. Members get ``message.preview`` with ``preview: null``."""
    assert svc.link_previews is not None
    await svc.link_previews.remove(actor, conversation_id, message_id)
    return Response(status_code=204)


@router.get(MSG + "/preview-image", response_class=Response, responses={
    200: {"description": "The preview's picture, re-encoded by the server",
          "content": {"image/webp": {"schema": {"type": "string", "format": "binary"}}}}, **errors(401, 404)})
async def preview_image(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """The picture of the message's link preview (whoever may read the conversation; 404 when none)."""
    assert svc.link_previews is not None
    data, mime = await svc.link_previews.image(actor, conversation_id, message_id)
    return Response(data, media_type=mime, headers={"Cache-Control": "private, max-age=86400",
                                                    "Content-Disposition": "inline"})
