"""Snippets: the part of a message worth showing under a search result, its matches marked.

Built from the message's plaintext at query time (the index may hold only blind terms). Words are
found with the one tokenizer (``search_terms.spans``), so a match is highlighted *as written*:
"planned" for the query "plans", 评审 inside 需求评审会; a quoted phrase is highlighted whole. The
snippet is the window of about ``WINDOW`` characters holding the most matches, cut at spaces where
possible and never inside an emoji sequence or before a combining mark, with "…" where text was cut.
Markdown stays as written: clients show fragments as text, never as HTML.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .search_terms import QueryTerm, spans

WINDOW = 160
LEAD = 30  # characters of context kept before the first match of the window
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Fragment:
    text: str
    match: bool


def snippet(text: str, terms: Iterable[QueryTerm], phrases: Iterable[str] = (), window: int = WINDOW) -> list[Fragment]:
    """The fragments of the best window of ``text``: matches (``match=True``) and the text between."""
    ranges = _merged(matches(text, terms, phrases))
    start, end = _window(text, ranges, window)
    fragments: list[Fragment] = []
    at = start
    for begin, finish in ranges:
        begin, finish = max(begin, start), min(finish, end)
        if begin >= finish:
            continue
        _add(fragments, text[at:begin], False)
        _add(fragments, text[begin:finish], True)
        at = finish
    _add(fragments, text[at:end], False)
    if start > 0:
        if fragments and not fragments[0].match:
            fragments[0] = Fragment(ELLIPSIS + fragments[0].text.lstrip(), False)
        else:
            fragments.insert(0, Fragment(ELLIPSIS, False))
    if end < len(text):
        if fragments and not fragments[-1].match:
            fragments[-1] = Fragment(fragments[-1].text.rstrip() + ELLIPSIS, False)
        else:
            fragments.append(Fragment(ELLIPSIS, False))
    return fragments


def matches(text: str, terms: Iterable[QueryTerm], phrases: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Where the query's words (a Chinese word or its parts) and phrases are written in ``text``."""
    wanted = {part for term in terms for part in (term.term, *term.parts)}
    found = [(s.start, s.end) for s in spans(text) if s.term in wanted]
    folded = _width_folded(text) if phrases else text
    for phrase in phrases:
        found.extend(m.span() for m in _phrase_pattern(phrase).finditer(folded))
    return found


def contains_phrase(text: str, phrase: str) -> bool:
    """Is ``phrase`` written in ``text`` (case and width folded; between its words any run of spaces
    or punctuation: "design system" is in design-system-v1.2.pdf)?"""
    return _phrase_pattern(phrase).search(_width_folded(text)) is not None


def _width_folded(text: str) -> str:
    """``text`` with each character NFKC-folded where that keeps it one character (Ｒ → R), so
    offsets into it are offsets into ``text``."""
    if text.isascii():
        return text
    return "".join(f if len(f := unicodedata.normalize("NFKC", c)) == 1 else c for c in text)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = unicodedata.normalize("NFKC", phrase).split()
    return re.compile(r"[\W_]+".join(re.escape(w) for w in words), re.IGNORECASE)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching matches as one (a Chinese word and the words inside it)."""
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(ranges):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def _window(text: str, ranges: list[tuple[int, int]], width: int) -> tuple[int, int]:
    if len(text) <= width:
        return 0, len(text)
    best_start, best_count = 0, 0
    for begin, _ in ranges:
        count = sum(1 for b, e in ranges if b >= begin and e <= begin + width - LEAD)
        if count > best_count:
            best_start, best_count = begin, count
    start = max(0, best_start - LEAD) if best_count else 0
    start = min(start, len(text) - width)
    end = start + width
    return _cut_start(text, start, best_start if best_count else start), _cut_end(text, end)


def _cut_start(text: str, start: int, first_match: int) -> int:
    if start == 0:
        return 0
    space = text.find(" ", start, first_match)  # the first whole word of the context before the match
    if space != -1:
        start = space + 1
    return _safe(text, start, forward=True)


def _cut_end(text: str, end: int) -> int:
    if end >= len(text):
        return len(text)
    space = text.rfind(" ", end - 20, end)
    if space != -1:
        end = space
    return _safe(text, end, forward=False)


def _joins(text: str, at: int) -> bool:
    """Would cutting before ``text[at]`` split a character as people see it?"""
    if at <= 0 or at >= len(text):
        return False
    here, before = text[at], text[at - 1]
    return (before == "\u200d" or here == "\u200d" or here in "\ufe0e\ufe0f" or "\U0001f3fb" <= here <= "\U0001f3ff"
            or "\U000e0020" <= here <= "\U000e007f" or unicodedata.combining(here) != 0
            or ("\U0001f1e6" <= before <= "\U0001f1ff" and "\U0001f1e6" <= here <= "\U0001f1ff"))


def _safe(text: str, at: int, *, forward: bool) -> int:
    while _joins(text, at):
        at += 1 if forward else -1
    return at


def _add(fragments: list[Fragment], text: str, match: bool) -> None:
    if text:
        fragments.append(Fragment(text, match))
