"""The search box's language: ``parse(q)`` turns what a person typed into a ``SearchQuery``.

    in:#design  in:设计评审  in:@bob      where (a channel or group by name; a direct conversation by
                                          the other person's username)
    from:@alice  from:me                  who sent it
    has:file|image|link|voice             what it carries
    before:2026-11-01  after:…  on:…      when (days in the searcher's time zone; before and after
                                          exclude the day named, as in Slack)
    is:thread  mentions:me                replies and roots with replies; messages naming me
    "quoted phrase"  -excluded            words together, in this order; words that must not occur
    anything else                         free words (each must match)

Chinese punctuation is read as its ASCII twin: ``in：设计``, ``“发布 日期”``, ``＠``, ``＃``. A word with
a colon that is not a filter (``http://…``, ``10:30``) stays a free word. Errors are 400
``validation_failed`` with ``details.field = "q"`` and a message that says what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .errors import ValidationFailed
from .search_terms import QueryTerm, query_terms

MAX_QUERY_CHARS = 500
MAX_WORDS = 32  # search terms, phrases' words and exclusions together
HAS_VALUES = frozenset({"file", "image", "link", "voice"})
ME = "me"

_FOLD = str.maketrans({"：": ":", "“": '"', "”": '"', "＂": '"', "＠": "@", "＃": "#", "－": "-"})
# A token: an optional minus, an optional ``key:``, then a quoted run (possibly unterminated) or a word.
_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+):)?("[^"]*"?|[^\s"]+)')
_FILTERS = frozenset({"in", "from", "has", "before", "after", "on", "is", "mentions"})


@dataclass(frozen=True, slots=True)
class SearchQuery:
    words: str = ""  # the free words, as typed, joined by spaces
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # words (or quoted phrases) that must not occur
    in_names: tuple[str, ...] = ()  # "#design" → "design"; "@bob" stays "@bob" (a direct conversation)
    from_names: tuple[str, ...] = ()  # usernames without "@"; "me" for the searcher
    has: frozenset[str] = frozenset()
    before: date | None = None
    after: date | None = None
    on: date | None = None
    is_thread: bool = False
    mentions_me: bool = False
    terms: tuple[QueryTerm, ...] = field(default=(), compare=False)  # of the free words and the phrases

    @property
    def text(self) -> str:
        """What a semantic index is asked: the words and phrases, without filters."""
        return " ".join([self.words, *self.phrases]).strip()

    @property
    def has_filters(self) -> bool:
        return bool(self.in_names or self.from_names or self.has or self.before or self.after or self.on
                    or self.is_thread or self.mentions_me)


def parse(q: str) -> SearchQuery:
    """Raises ``ValidationFailed`` for a query too long, a filter's bad value, or nothing to search for."""
    if len(q) > MAX_QUERY_CHARS:
        raise _invalid(f"A search is at most {MAX_QUERY_CHARS} characters (this one has {len(q)}).")
    parts = _Parts()
    for match in _TOKEN.finditer(q.translate(_FOLD)):
        minus, key, value = match.groups()
        parts.take(minus == "-", key, value)
    return parts.query()


class _Parts:
    def __init__(self) -> None:
        self.words: list[str] = []
        self.phrases: list[str] = []
        self.excluded: list[str] = []
        self.filters: dict[str, list[str]] = {name: [] for name in _FILTERS}

    def take(self, minus: bool, key: str | None, value: str) -> None:
        if key and key.lower() in _FILTERS and value.strip('"'):
            self.filters[key.lower()].append(_unquote(value))
            return
        word = f"{key}:{value}" if key else value
        quoted = word.startswith('"')
        word = _unquote(word) if quoted else word
        if not word:
            return
        if minus:
            self.excluded.append(word)
        elif quoted:
            self.phrases.append(word)
        else:
            self.words.append(word)

    def query(self) -> SearchQuery:
        f = self.filters
        words = " ".join(self.words)
        terms = tuple(query_terms(" ".join([words, *self.phrases])))
        query = SearchQuery(
            words=words, phrases=tuple(self.phrases), excluded=tuple(dict.fromkeys(self.excluded)),
            in_names=_unique(_place(v) for v in f["in"]), from_names=_unique(_person(v) for v in f["from"]),
            has=frozenset(_one_of("has", v, HAS_VALUES) for v in f["has"]),
            before=_last_date("before", f["before"]), after=_last_date("after", f["after"]),
            on=_last_date("on", f["on"]),
            is_thread=any(_one_of("is", v, frozenset({"thread"})) for v in f["is"]),
            mentions_me=any(_one_of("mentions", v.lstrip("@"), frozenset({ME})) for v in f["mentions"]),
            terms=terms)
        _check_size(query)
        return query


def _check_size(query: SearchQuery) -> None:
    words = len(query.terms) + len(query.excluded)
    if words > MAX_WORDS:
        raise _invalid(f"A search has at most {MAX_WORDS} words (this one has {words}).")
    if not query.terms and not query.has_filters:
        if query.words or query.phrases:
            raise _invalid("These words are too common to search for: add another word or a filter.")
        raise _invalid("Type something to search for, or a filter such as in:#channel or from:@name.")


def _unquote(value: str) -> str:
    return " ".join(value.strip('"').split())


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _place(value: str) -> str:
    return value if value.startswith("@") else value.removeprefix("#")


def _person(value: str) -> str:
    name = value.removeprefix("@")
    return ME if name.lower() == ME else name


def _one_of(name: str, value: str, allowed: frozenset[str]) -> str:
    lowered = value.lower()
    if lowered not in allowed:
        choices = "|".join(sorted(allowed))
        raise _invalid(f"{name}:{value} is not a filter: write {name}:{choices}.", filter=name)
    return lowered


def _last_date(name: str, values: list[str]) -> date | None:
    if not values:
        return None
    value = values[-1]
    try:
        if not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            raise ValueError(value)
        year, month, day = (int(p) for p in value.split("-"))
        return date(year, month, day)
    except ValueError:
        raise _invalid(f"{name}:{value} is not a date: write it as {name}:2026-11-01.", filter=name) from None


def _invalid(message: str, **details: str) -> ValidationFailed:
    return ValidationFailed(message, field="q", **details)
