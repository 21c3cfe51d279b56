"""Response bodies of search (``GET /search``, ``/search/suggest``, ``/search/recent``): the one definition,
published in ``/openapi.json`` with the shapes of ``rest.py``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .rest import Conversation, Message, User
from .shape import Shape, Timestamp


class SearchFragment(Shape):
    text: str
    match: Annotated[bool, msgspec.Meta(description="True for a matched word or phrase, to highlight.")]


class SearchHit(Shape):
    message: Annotated[Message, msgspec.Meta(description="The message as history returns it.")]
    conversation_id: str
    thread_root_id: Annotated[str | None, msgspec.Meta(description="The thread's root for a reply, else null.")]
    fragments: Annotated[list[SearchFragment], msgspec.Meta(
        description="The snippet: the best window of the text, as plain text (never HTML), matches marked.")]
    match: Annotated[Literal["keyword", "semantic", "both"], msgspec.Meta(
        description="Which search found it: by its words, by its meaning, or both.")]
    score: Annotated[float, msgspec.Meta(description="Higher is better; comparable only within one answer.")]


class SearchResults(Shape):
    items: list[SearchHit]
    next_cursor: Annotated[str | None, msgspec.Meta(description="Pass as cursor for the next page; null at the end.")]
    channels: Annotated[list[Conversation], msgspec.Meta(
        description="Conversations whose name matches the words (first page only).")]
    semantic: Annotated[bool, msgspec.Meta(description="Whether semantic search was used for this answer.")]


class SearchSuggestions(Shape):
    people: list[User]
    channels: list[Conversation]
    recent: Annotated[list[str], msgspec.Meta(description="The caller's recent searches containing what was typed.")]


class RecentSearch(Shape):
    query: str
    searched_at: Timestamp


SEARCH_SHAPES: tuple[Any, ...] = (SearchFragment, SearchHit, SearchResults, SearchSuggestions, RecentSearch)
