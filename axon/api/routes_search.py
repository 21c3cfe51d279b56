"""Search: results, suggestions as you type, recent searches (``services/search.py``; docs/search.md)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response

from ..domain.clock import iso_from_ms
from ..protocol.rest_search import RecentSearch, SearchFragment, SearchHit, SearchResults, SearchSuggestions
from ..services.search import Hit
from .deps import CurrentActor, Svc, fast_json
from .openapi import errors, returns

router = APIRouter(tags=["search"])


@router.get("/search", responses=returns(SearchResults, 400, 401, 422))
async def search(actor: CurrentActor, svc: Svc, q: str = Query(...),
                 mode: Literal["hybrid", "keyword", "semantic"] = "hybrid",
                 sort: Literal["relevance", "date"] = "relevance",
                 limit: int = Query(20, ge=1, le=100), cursor: str | None = Query(None, max_length=200),
                 record: bool = False) -> Response:
    """Messages of the conversations the caller can read, matching ``q`` (the query language of
    docs/search.md); ``record=true`` (the search box) adds ``q`` to the caller's recent searches."""
    found = await svc.search.search(actor, q, mode=mode, sort=sort, limit=limit, cursor=cursor, record=record)
    return fast_json(SearchResults([_hit(h) for h in found["items"]], found["next_cursor"], found["channels"],
                                   found["semantic"]))


def _hit(hit: Hit) -> SearchHit:
    m = hit.message
    return SearchHit(m, m.conversation_id, m.reply_to, [SearchFragment(f.text, f.match) for f in hit.fragments],
                     hit.match, round(hit.score, 6))  # type: ignore[arg-type]


@router.get("/search/suggest", responses=returns(SearchSuggestions, 400, 401, 422))
async def suggest(actor: CurrentActor, svc: Svc, q: str = Query("", max_length=100)) -> Response:
    """As the caller types: people, conversations and their own recent searches that match."""
    found = await svc.search.suggest(actor, svc.people, q)
    return fast_json(SearchSuggestions(found["people"], found["channels"], found["recent"]))


@router.get("/search/recent", responses=returns(list[RecentSearch], 401))
async def recent(actor: CurrentActor, svc: Svc) -> Response:
    """The caller's last 20 searches run from the search box, newest first."""
    return fast_json([RecentSearch(r["query"], iso_from_ms(r["searched_at"])) for r in await svc.search.recent(actor)])


@router.delete("/search/recent", status_code=204, responses=errors(401))
async def clear_recent(actor: CurrentActor, svc: Svc) -> Response:
    await svc.search.clear_recent(actor)
    return Response(status_code=204)
