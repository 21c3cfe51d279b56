"""Search administration: an organisation's own words for the segmenter (docs/search.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from ..protocol.rest import SearchWords
from .deps import CurrentActor, Svc, fast_json
from .openapi import returns
from .schemas import Body

router = APIRouter(prefix="/admin/search", tags=["admin"])


class SearchWordsBody(Body):
    words: list[Any] = Field(description="The organisation's whole list (replaces the previous one).")


@router.get("/words", responses=returns(SearchWords, 401, 403))
async def search_words(actor: CurrentActor, svc: Svc) -> Response:
    """The organisation's own words (organisation admins)."""
    return fast_json(SearchWords(await svc.search_words.words(actor)))


@router.put("/words", responses=returns(SearchWords, 400, 401, 403, 422))
async def set_search_words(body: SearchWordsBody, actor: CurrentActor, svc: Svc) -> Response:
    """Replace the organisation's own words (at most 500, each 2–32 characters). The segmenter learns
    them at once; the organisation's messages are then re-indexed in the background, since a new
    word can change how older text was cut."""
    return fast_json(SearchWords(await svc.search_words.set_words(actor, body.words)))
