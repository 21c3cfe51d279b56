"""Everyday comforts that follow the user to every device: sidebar preferences, drafts, mark all as read."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from ..protocol.rest import Draft, Preferences, ReadMarker
from .deps import CurrentActor, Svc, fast_json
from .openapi import errors, returns
from .schemas import DraftBody, PreferencesBody

router = APIRouter(tags=["preferences"])


@router.get("/me/preferences", responses=returns(Preferences, 401))
async def preferences(actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.preferences.get(actor))


@router.patch("/me/preferences", responses=returns(Preferences, 400, 401, 403, 404, 409, 422))
async def update_preferences(body: PreferencesBody, actor: CurrentActor, svc: Svc) -> Response:
    """Change some preferences; every device of the user gets a ``preferences.updated`` user event."""
    changes = body.model_dump(exclude_unset=True, exclude={"base_version"})
    return fast_json(await svc.preferences.update(actor, changes, body.base_version))


@router.post("/me/read-all", responses=returns(list[ReadMarker], 401))
async def read_all(actor: CurrentActor, svc: Svc) -> Response:
    """Move the read marker of every conversation to its end; answers the markers that moved."""
    moved = await svc.markers.mark_all_read(actor)
    return fast_json([ReadMarker(cid, seq) for cid, seq in moved])


@router.get("/me/drafts", responses=returns(list[Draft], 401))
async def drafts(actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.drafts.list(actor))


_CLEARED: dict[int | str, dict[str, str]] = {204: {"description": "The text was empty: the draft was cleared."}}


@router.put("/conversations/{conversation_id}/draft",
            responses={**returns(Draft, 400, 401, 403, 404, 413, 422), **_CLEARED})
async def put_draft(conversation_id: str, body: DraftBody, actor: CurrentActor, svc: Svc) -> Response:
    """Save the caller's draft (an empty text clears it: 204); other devices get ``draft.updated``."""
    draft = await svc.drafts.put(actor, conversation_id, body.text, body.thread_root)
    return fast_json(draft) if draft is not None else Response(status_code=204)


@router.delete("/conversations/{conversation_id}/draft", status_code=204, responses=errors(400, 401, 403, 404))
async def delete_draft(conversation_id: str, actor: CurrentActor, svc: Svc,
                       thread_root: str | None = Query(None, max_length=32)) -> Response:
    await svc.drafts.delete(actor, conversation_id, thread_root)
    return Response(status_code=204)
