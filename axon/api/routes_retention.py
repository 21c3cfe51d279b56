"""Retention, legal holds and compliance exports for admins.

The organisation's own retention is a setting of ``PATCH /admin/org`` (``retention_days``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from ..protocol.rest_audit import ConversationExport, ConversationRetention, LegalHold, UserExport
from .deps import CurrentActor, Svc, fast_json
from .openapi import returns
from .schemas import ConversationRetentionBody, LegalHoldBody

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/conversations/{conversation_id}/retention", responses=returns(ConversationRetention, 401, 403, 404))
async def conversation_retention(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """How long the conversation's messages are kept, and whether a legal hold keeps them."""
    return fast_json(await svc.retention.conversation_retention(actor, conversation_id))


@router.put("/conversations/{conversation_id}/retention",
            responses=returns(ConversationRetention, 400, 401, 403, 404, 422))
async def set_conversation_retention(conversation_id: str, body: ConversationRetentionBody, actor: CurrentActor,
                                     svc: Svc) -> Response:
    """Set the conversation's retention: null follows the organisation, 0 keeps for ever, else days."""
    return fast_json(await svc.retention.set_conversation_retention(actor, conversation_id, body.retention_days))


@router.get("/legal-holds", responses=returns(list[LegalHold], 401, 403))
async def legal_holds(actor: CurrentActor, svc: Svc) -> Response:
    """The organisation's legal holds, active first, newest first."""
    return fast_json(await svc.retention.holds(actor))


@router.post("/legal-holds", status_code=201, responses=returns(LegalHold, 400, 401, 403, 404, 422, status=201))
async def place_legal_hold(body: LegalHoldBody, actor: CurrentActor, svc: Svc) -> Response:
    """Keep a conversation, or everything a user sent, from retention until the hold is released."""
    hold = await svc.retention.place_hold(actor, body.target_type, body.target_id, body.reason)
    return fast_json(hold, 201)


@router.delete("/legal-holds/{hold_id}", responses=returns(LegalHold, 401, 403, 404))
async def release_legal_hold(hold_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Release a hold (kept in the list as released); retention applies again at its next round."""
    return fast_json(await svc.retention.release_hold(actor, hold_id))


@router.get("/compliance/conversations/{conversation_id}/export", response_class=StreamingResponse,
            responses=returns(ConversationExport, 401, 403, 404))
async def export_conversation(conversation_id: str, actor: CurrentActor, svc: Svc) -> StreamingResponse:
    """Compliance export of a conversation (admins only; recorded as export.conversation)."""
    stream = await svc.compliance.conversation(actor, conversation_id)
    return _download(stream, f"conversation-{conversation_id}.json")


@router.get("/compliance/users/{user_id}/export", response_class=StreamingResponse,
            responses=returns(UserExport, 401, 403, 404))
async def export_user(user_id: str, actor: CurrentActor, svc: Svc) -> StreamingResponse:
    """Compliance export of a user's data: profile, devices, every message they sent (recorded as export.user)."""
    return _download(await svc.compliance.user(actor, user_id), f"user-{user_id}.json")


def _download(stream: AsyncIterator[bytes], name: str) -> StreamingResponse:
    return StreamingResponse(stream, media_type="application/json",
                             headers={"content-disposition": f'attachment; filename="{name}"'})
