"""The @axon assistant's proposals: the asker confirms or dismisses a meeting it proposed
(docs/ai/assistant.md, "Scheduling a meeting")."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import APIRouter, Response

from ..protocol.rest_cards import AssistantProposalCard
from .deps import CurrentActor, Svc, fast_json
from .openapi import returns

router = APIRouter(tags=["assistant"])
PROPOSAL = "/assistant/proposals/{message_id}"


@router.post(PROPOSAL + "/confirm", responses=returns(AssistantProposalCard, 400, 401, 403, 404, 409, 429))
async def confirm(message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Schedule the proposed meeting as the asker (the calendar's own checks apply) → the card, now
    ``scheduled`` with its ``event_id``. Again: the same card; dismissed: 409 ``proposal_closed``."""
    return _card(await svc.assistant_schedule.confirm(actor, message_id))


@router.post(PROPOSAL + "/dismiss", responses=returns(AssistantProposalCard, 400, 401, 403, 404, 409))
async def dismiss(message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Close the proposal without a meeting → the card, now ``dismissed``. Again: the same card;
    scheduled: 409 ``proposal_closed``."""
    return _card(await svc.assistant_schedule.dismiss(actor, message_id))


def _card(card: dict[str, Any]) -> Response:
    """The card in its wire shape, as history shows it (optional fields spelled out)."""
    return fast_json(msgspec.convert(card, AssistantProposalCard))
