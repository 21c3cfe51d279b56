"""Response bodies of the AI helpers' settings and translation (``GET/PUT /admin/ai``,
``POST /messages/{id}/translate``): the one definition, published in ``/openapi.json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .shape import Shape


class AiEndpoint(Shape):
    """An endpoint's settings; its API key is never returned, only whether one is set."""

    url: Annotated[str | None, msgspec.Meta(description="The base URL (null: none configured).")]
    model: Annotated[str, msgspec.Meta(description="The model name sent to a chat endpoint (\"\" for none).")]
    api_key_set: bool
    timeout_seconds: float


class AiSettings(Shape):
    translation_provider: Annotated[Literal["gloss", "libretranslate", "openai"], msgspec.Meta(
        description="Who translates: the offline gloss (nothing leaves the server), the LibreTranslate "
        "endpoint or the OpenAI-compatible chat endpoint.")]
    chat_endpoint: Annotated[AiEndpoint, msgspec.Meta(
        description="OpenAI-compatible (POST {url}/v1/chat/completions): translation and the assistant.")]
    translation_endpoint: Annotated[AiEndpoint, msgspec.Meta(
        description="LibreTranslate-compatible (POST {url}/translate).")]


class Translation(Shape):
    text: str
    source_lang: Annotated[str, msgspec.Meta(description='Detected by script: "zh", "en" or "und".')]
    target: str
    kind: Annotated[Literal["translation", "gloss"], msgspec.Meta(
        description="A gloss is word-by-word dictionary meanings: show it as such, never as a translation.")]
    provider: Literal["libretranslate", "openai", "gloss", "argos"]


AI_SHAPES: tuple[Any, ...] = (AiEndpoint, AiSettings, Translation)
