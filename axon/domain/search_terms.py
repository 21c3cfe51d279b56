"""The words of a text as search sees them: the one tokenizer of the index, the queries and the highlights.

A text is cut into runs of one script, and each run into terms:

- **Chinese** (Han characters, with kana and hangul cut the same way): ``rjieba`` (jieba's
  dictionary, the Rust port) in *search mode*, which gives every dictionary word inside a longer
  one as well: 需求评审会 → 需求, 评审, 评审会. So a document is found by any word inside its phrases.
  Words that straddle the cut are indexed too (上报错 is cut 上报/错, and holds 报错).
- **Everything else** (Latin, Cyrillic, digits...): words of letters and digits, NFKC-folded and
  case-folded (``Ｒｅｌｅａｓｅ`` → ``release``), English stop words dropped, and stemmed with the
  Snowball English stemmer (``planned`` → ``plan``), so "plans" finds "planned".

Index and query use the same functions, so a term means the same on both sides. A query term
from Chinese text also carries its *parts* (the shorter dictionary words covering it), and matches
a document that has either: a word an admin adds to the dictionary later (``add_words``) still
finds messages indexed before it was added when they hold its parts. (Where the old dictionary
cut across the new word's edges — 星火协作台写 as 星火/协作/台写 — only re-indexing finds it, so
adding words re-indexes the organisation.)

Offsets are in code points of the original text (``TermSpan``): highlights mark the words as written.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import rjieba
import snowballstemmer

# Han (with the extensions and compatibility ideographs), kana, hangul: scripts written without spaces.
_CJK = (r"\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf"
        r"\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f")
_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")  # a CJK run, or a word of other letters and digits

# Words that would match almost every message. Short on purpose: chat is short, and "not", "no",
# "all" carry meaning in it.
ENGLISH_STOP_WORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to was were will with".split())
CHINESE_STOP_WORDS = frozenset("的 了 着 吗 呢 吧 啊 呀 嘛".split())

MAX_TERM_CHARS = 64  # a longer "word" (a hash, a base64 blob) is cut: nobody types it to search


@dataclass(frozen=True, slots=True)
class TermSpan:
    term: str  # as indexed
    start: int  # code points into the text
    end: int


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One word of a query: found when a document has ``term``, or (for a Chinese word) all of ``parts``."""

    term: str
    parts: tuple[str, ...] = ()


_stemmer_local = threading.local()  # Snowball stemmers keep state between calls: one per thread
_dictionary_lock = threading.Lock()


def _stem(word: str) -> str:
    stemmer = getattr(_stemmer_local, "stemmer", None)
    if stemmer is None:
        stemmer = _stemmer_local.stemmer = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


_CACHE_LIMIT = 200_000  # words remembered; chat reuses a small vocabulary, so nearly every word is a hit
_latin_cache: dict[str, str | None] = {}
_cjk_cache: dict[str, str | None] = {}


def _latin_term(word: str) -> str | None:
    term = _latin_cache.get(word, "")
    if term == "":
        # An acronym's plural is the acronym: PRs, APIs, URLs (Snowball would keep "prs").
        singular = word[:-1] if len(word) > 2 and word[-1] == "s" and word[:-1].isupper() else word
        folded = _fold(singular)
        term = None if not folded or folded in ENGLISH_STOP_WORDS else (
            _stem(folded) if folded.isalpha() else folded)[:MAX_TERM_CHARS]
        if len(_latin_cache) >= _CACHE_LIMIT:
            _latin_cache.clear()
        _latin_cache[word] = term
    return term


def _cjk_term(word: str) -> str | None:
    term = _cjk_cache.get(word, "")
    if term == "":
        folded = _fold(word)
        term = None if not folded or folded in CHINESE_STOP_WORDS or folded.isspace() else folded[:MAX_TERM_CHARS]
        if len(_cjk_cache) >= _CACHE_LIMIT:
            _cjk_cache.clear()
        _cjk_cache[word] = term
    return term


def spans(text: str) -> list[TermSpan]:
    """Every term of ``text`` in order, with where it is written (overlapping for Chinese words)."""
    found: list[TermSpan] = []
    # NFKC may change lengths (ligatures, full-width forms), so runs are found in the text as written
    # and each word is folded on its own.
    for run in _RUNS.finditer(text):
        start = run.start()
        if run.group(1):
            cjk = run.group(1)
            seen: set[str] = set()
            for word, begin, end in rjieba.tokenize(cjk, mode="search"):
                term = _cjk_term(word)
                if term:
                    seen.add(word)
                    found.append(TermSpan(term, start + begin, start + end))
            at = 0
            for word in _overlapping(cjk, seen):
                at = cjk.index(word, at)  # cut_all gives words by where they start
                term = _cjk_term(word)
                if term:
                    found.append(TermSpan(term, start + at, start + at + len(word)))
        else:
            term = _latin_term(run.group(2))
            if term:
                found.append(TermSpan(term, start, run.end()))
    return found


def _overlapping(cjk: str, seen: set[str]) -> list[str]:
    """Dictionary words of two or more characters that straddle the cut: 系统上报错误 is cut
    上报/错误, and 报错 — a word people search for — lies across the two. Indexed too (after the
    cut's words, so the cut's order stays first), at the price of rare false friends (市长 in
    南京市长江大桥)."""
    return [w for w in rjieba.cut_all(cjk) if len(w) > 1 and w not in seen]


def index_terms(text: str) -> list[str]:
    """The terms a document is indexed under, in order, repeated as often as they occur: the terms
    of ``spans`` without their offsets (the indexer's path, so no span objects are made)."""
    found: list[str] = []
    for cjk, other in _RUNS.findall(text):
        if cjk:
            cjk_get = _cjk_cache.get
            words = rjieba.cut_for_search(cjk)
            for word in words + _overlapping(cjk, set(words)):
                term = cjk_get(word, "")
                if term == "":
                    term = _cjk_term(word)
                if term:
                    found.append(term)
        else:
            term = _latin_term(other)
            if term:
                found.append(term)
    return found


def query_terms(text: str) -> list[QueryTerm]:
    """The words of a query, each once, in order. Chinese is cut in precise mode (the words the
    person meant), each word carrying the search-mode parts that cover it."""
    terms: list[QueryTerm] = []
    seen: set[str] = set()
    for run in _RUNS.finditer(text):
        if run.group(1):
            for word in rjieba.cut(run.group(1)):
                term = _cjk_term(word)
                if term and term not in seen:
                    seen.add(term)
                    terms.append(QueryTerm(term, _parts(term)))
        else:
            term = _latin_term(run.group(2))
            if term and term not in seen:
                seen.add(term)
                terms.append(QueryTerm(term))
    return terms


def _parts(word: str) -> tuple[str, ...]:
    """Shorter words that together cover ``word`` (a cover by the longest parts, left to right),
    or () for a word of one or two characters (its characters alone are not indexed)."""
    if len(word) < 3:
        return ()
    shorter = [(b, e, w) for w, b, e in rjieba.tokenize(word, mode="search") if e - b < len(word)]
    cover: list[str] = []
    at = 0
    while at < len(word):
        here = [(e, w) for b, e, w in shorter if b == at]
        if not here:
            single = word[at]  # a character no dictionary word starts with stands for itself
            cover.append(single)
            at += 1
            continue
        end, part = max(here)
        cover.append(part)
        at = end
    parts = tuple(dict.fromkeys(p for p in cover if p not in CHINESE_STOP_WORDS))
    return parts if len(parts) > 1 else ()


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter words of the organisations' own (product names, team jargon).

    The dictionary is one per process: a word added for one organisation changes only where
    Chinese text is cut, never what anyone can find in another organisation's messages.
    """
    with _dictionary_lock:
        _cjk_cache.clear()
        for word in words:
            word = word.strip()
            if word and not rjieba.has_word(word):
                rjieba.add_word(word, None, None)
