"""@axon reminders: the caller's pending ones, and cancelling one (``services/reminders.py``; due ones
arrive as the ``reminder.due`` user event and a message from @axon)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..protocol.rest_reminders import ReminderList
from .deps import CurrentActor, Svc, fast_json
from .openapi import errors, returns

router = APIRouter(tags=["ai"])


@router.get("/reminders", responses=returns(ReminderList, 401, 403))
async def list_reminders(actor: CurrentActor, svc: Svc) -> Response:
    """The caller's reminders not yet delivered nor cancelled, soonest first (at most 500). 403
    ``module_disabled`` when the organisation has the assistant off."""
    return fast_json({"items": await svc.reminders.pending(actor)})


@router.delete("/reminders/{reminder_id}", status_code=204, responses=errors(401, 403, 404, 409))
async def cancel_reminder(reminder_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Cancel one of the caller's reminders (again: no change); its answer's card shows it cancelled.
    Someone else's or unknown: 404; already delivered: 409 ``already_delivered``."""
    await svc.reminders.cancel(actor, reminder_id)
    return Response(status_code=204)
