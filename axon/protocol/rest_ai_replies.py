"""Response body of smart replies (``GET /conversations/{id}/reply-suggestions``): the one definition,
published in ``/openapi.json`` with the shapes of ``rest.py`` (docs/ai/replies.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .shape import Shape


class ReplySuggestion(Shape):
    text: Annotated[str, msgspec.Meta(description="A short reply; a client puts it in the composer, never sends it.")]
    source: Annotated[Literal["learned", "built_in"], msgspec.Meta(
        description="Learned from the organisation's conversations the caller can read, or built in.")]


class ReplySuggestions(Shape):
    message_id: Annotated[str | None, msgspec.Meta(
        description="The last message addressed to the caller there that they have not answered; null: none.")]
    thread_root: Annotated[str | None, msgspec.Meta(
        description="That message's thread root (answer in the thread), null at the top level or with no message.")]
    suggestions: Annotated[list[ReplySuggestion], msgspec.Meta(
        description="At most 3, best first, in the message's language; empty when none.")]


REPLY_SHAPES: tuple[Any, ...] = (ReplySuggestion, ReplySuggestions)
