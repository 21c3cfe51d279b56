"""The AI helpers' REST routes: Admin › AI (endpoint settings) and translating a message."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..protocol.rest_ai import AiSettings, Translation
from .deps import CurrentActor, Svc, fast_json
from .openapi import returns
from .schemas import AiSettingsBody, TranslateBody

router = APIRouter(tags=["ai"])


@router.get("/admin/ai", responses=returns(AiSettings, 401, 403))
async def ai_settings(actor: CurrentActor, svc: Svc) -> Response:
    """The organisation's translation provider and model endpoints; API keys only as ``api_key_set``."""
    return fast_json(await svc.ai_settings.view(actor))


@router.put("/admin/ai", responses=returns(AiSettings, 400, 401, 403, 422))
async def put_ai_settings(body: AiSettingsBody, actor: CurrentActor, svc: Svc) -> Response:
    """Replace the settings; an endpoint's ``api_key`` left out or null keeps the stored key, "" forgets it.
    URLs: https://, or http:// to a loopback address or localhost only."""
    return fast_json(await svc.ai_settings.put(actor, body.model_dump()))


@router.post("/messages/{message_id}/translate", responses=returns(Translation, 400, 401, 403, 404, 422, 502, 504))
async def translate(message_id: str, actor: CurrentActor, svc: Svc, body: TranslateBody | None = None) -> Response:
    """The message's text in ``target`` (default: the reader's language). ``kind: "gloss"`` is a
    word-by-word reading aid, not a translation. 502 ``ai_endpoint_failed`` / 504 ``ai_endpoint_timeout``
    when the organisation's endpoint fails or stays silent past its timeout."""
    result = await svc.translations.translate(actor, message_id, body.target if body else None)
    return fast_json(Translation(result.text, result.source_lang, result.target, result.kind,
                                 result.provider))  # type: ignore[arg-type]
