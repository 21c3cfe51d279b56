"""Smart replies: suggestions for the last message addressed to the caller (``services/smart_replies.py``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..protocol.rest_ai_replies import ReplySuggestion, ReplySuggestions
from .deps import CurrentActor, Svc, fast_json
from .openapi import returns

router = APIRouter(tags=["ai"])


@router.get("/conversations/{conversation_id}/reply-suggestions", responses=returns(ReplySuggestions, 401, 403, 404))
async def reply_suggestions(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Up to three short replies to the last message addressed to the caller in the conversation, in its
    language; never sends anything. Empty when the caller switched them off (``smart_replies`` in
    ``/me/preferences``); 403 ``module_disabled`` when the organisation did."""
    found = await svc.smart_replies.suggest(actor, conversation_id)
    return fast_json(ReplySuggestions(found.message_id, found.thread_root,
                                      [ReplySuggestion(s.text, s.source) for s in found.suggestions]))
