"""The search box's language: every filter, Chinese punctuation, limits and the errors people see."""

from __future__ import annotations

from datetime import date

import pytest

from axon.domain.errors import ValidationFailed
from axon.domain.search_query import MAX_QUERY_CHARS, MAX_WORDS, parse


def test_every_filter_is_read() -> None:
    q = parse('design in:#design from:@alice has:link has:FILE before:2026-11-01 after:2026-10-01 '
              'on:2026-10-15 is:thread mentions:me "release plan" -draft')
    assert q.words == "design"
    assert q.in_names == ("design",)
    assert q.from_names == ("alice",)
    assert q.has == frozenset({"link", "file"})
    assert (q.before, q.after, q.on) == (date(2026, 11, 1), date(2026, 10, 1), date(2026, 10, 15))
    assert q.is_thread and q.mentions_me
    assert q.phrases == ("release plan",)
    assert q.excluded == ("draft",)
    assert [t.term for t in q.terms] == ["design", "releas", "plan"]


def test_chinese_names_and_full_width_punctuation() -> None:
    q = parse("in：设计评审 from：＠张伟 “发布 日期” －草稿 需求评审会")
    assert q.in_names == ("设计评审",)
    assert q.from_names == ("张伟",)
    assert q.phrases == ("发布 日期",)
    assert q.excluded == ("草稿",)
    assert q.words == "需求评审会"
    assert {"需求", "评审会", "发布", "日期"} <= {t.term for t in q.terms}


def test_direct_conversations_me_and_quoted_names() -> None:
    q = parse('in:@bob in:"design review" from:me from:@Me plan')
    assert q.in_names == ("@bob", "design review")
    assert q.from_names == ("me",)


def test_words_with_colons_that_are_not_filters_stay_words() -> None:
    q = parse("see http://example.com at 10:30 note:x")
    assert q.words == "see http://example.com at 10:30 note:x"
    assert not q.has_filters


def test_a_filter_alone_is_a_search_and_text_is_the_words_and_phrases() -> None:
    assert parse("from:@alice").terms == ()
    assert parse('budget "next quarter" in:#ops').text == "budget next quarter"


def test_an_unterminated_quote_is_a_phrase_to_the_end() -> None:
    assert parse('plan "release da').phrases == ("release da",)


@pytest.mark.parametrize(("q", "says"), [
    ("has:video", "has:file|image|link|voice"),
    ("is:pinned", "is:thread"),
    ("mentions:bob", "mentions:me"),
    ("before:2026-13-01", "before:2026-11-01"),
    ("on:yesterday", "on:2026-11-01"),
    ("after:2026-02-30", "after:2026-11-01"),
    ("", "Type something"),
    ("   ", "Type something"),
    ("-draft", "Type something"),
    ("the of", "too common"),
])
def test_bad_queries_are_refused_with_a_message_saying_what_to_write(q: str, says: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse(q)
    assert refused.value.code == "validation_failed"
    assert refused.value.details["field"] == "q"
    assert says in refused.value.message


def test_limits() -> None:
    parse("x" * MAX_QUERY_CHARS)
    with pytest.raises(ValidationFailed, match="at most 500 characters"):
        parse("x" * (MAX_QUERY_CHARS + 1))
    parse(" ".join(f"w{i}" for i in range(MAX_WORDS)))
    with pytest.raises(ValidationFailed, match="at most 32 words"):
        parse(" ".join(f"w{i}" for i in range(MAX_WORDS + 1)))
