"""Translation's pure rules: which language a text is in, which targets are understood, what a
result is, and what a cached answer is keyed by. No I/O: the providers are adapters behind the
``Translator`` port (``services/ports.py``), the use case is ``services/translation.py``.

Language detection is by script, deliberately simple: a text whose letters are mostly Han
characters is Chinese (``"zh"``), one of Latin letters English (``"en"``), anything else
undetermined (``"und"``). It tells Chinese from English, the two languages Axon is written for; it
does not tell English from French, nor simplified from traditional characters (the offline gloss
reads both).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from .errors import ValidationFailed

Kind = Literal["translation", "gloss"]
CHINESE, ENGLISH, UNDETERMINED = "zh", "en", "und"
MAX_TRANSLATED_CHARS = 5000  # a longer message is translated up to here (an endpoint's bill, a gloss's time)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_TARGET = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}")
# Targets spelled several ways, to the one code the API answers with.
_TARGET_ALIASES = {"zh": "zh-CN", "zh-cn": "zh-CN", "zh-hans": "zh-CN", "zh-sg": "zh-CN", "en-us": "en",
                   "en-gb": "en"}
LANGUAGE_NAMES = {"en": "English", "zh-CN": "Simplified Chinese", "zh-TW": "Traditional Chinese"}


def detect_language(text: str) -> str:
    """``"zh"``, ``"en"`` or ``"und"`` by the script of the text's letters (see the module's note).
    A Han character weighs as much as a three-letter word: "用 Docker 部署" is Chinese."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    if han == 0 and latin == 0:
        return UNDETERMINED
    return CHINESE if han * 3 >= latin else ENGLISH


def normalise_target(value: str) -> str:
    """A target language as the API answers it (``"en"``, ``"zh-CN"``, or a code such as ``"fr"``
    for an endpoint that knows it). Raises ``ValidationFailed`` for anything not shaped like one."""
    if not isinstance(value, str) or not _TARGET.fullmatch(value):
        raise ValidationFailed("target is a language code such as en or zh-CN.", field="target")
    lowered = value.lower()
    if lowered in _TARGET_ALIASES:
        return _TARGET_ALIASES[lowered]
    base, _, region = value.partition("-")
    return base.lower() + (f"-{region.upper() if len(region) == 2 else region}" if region else "")


def base_language(code: str) -> str:
    """``"zh-CN"`` → ``"zh"``: what a detected source language is compared with."""
    return code.split("-", 1)[0].lower()


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


@dataclass(frozen=True, slots=True)
class Translated:
    """A message's text in another language, as ``POST /messages/{id}/translate`` answers it.
    ``kind`` "gloss" is word-by-word dictionary meanings, never to be shown as a translation."""

    text: str
    source_lang: str
    target: str
    kind: Kind
    provider: str


def cache_key(message_id: str, text: str, target: str, provider: str) -> str:
    """Answers are cached by message, the text's hash (an edit misses), target and provider (a new
    provider misses); the text itself is not part of the key, so the key reveals nothing."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"{message_id}:{digest}:{target}:{provider}"
