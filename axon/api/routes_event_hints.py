"""Event hints (AI helpers, meeting times → calendar events): the hints of a conversation's history
(``services/event_hints.py``; live ones arrive as the ``ai.event_hint`` user event)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from ..domain.sequence import MAX_SEQ
from ..protocol.rest_ai_events import EventHintPage
from .deps import CurrentActor, Svc, fast_json
from .openapi import returns

router = APIRouter(tags=["ai"])


@router.get("/conversations/{conversation_id}/event-hints", responses=returns(EventHintPage, 401, 403, 404, 422))
async def event_hints(conversation_id: str, actor: CurrentActor, svc: Svc,
                      after_seq: int = Query(0, ge=0, le=MAX_SEQ),
                      before_seq: int | None = Query(None, ge=1, le=MAX_SEQ)) -> Response:
    """The meeting times proposed by the conversation's messages with ``after_seq < seq < before_seq``
    that the caller is the author or an addressee of (oldest first, at most 200). 403 ``module_disabled``
    when the organisation has the AI helpers or event suggestions off."""
    hints = await svc.event_hints.hints(actor, conversation_id, after_seq, before_seq)
    return fast_json({"hints": hints})
