"""The one tokenizer of search: Chinese words inside phrases, English stems, folding, offsets."""

from __future__ import annotations

from axon.domain.search_terms import QueryTerm, add_words, index_terms, query_terms, spans


def test_a_chinese_phrase_is_indexed_under_every_word_inside_it() -> None:
    terms = index_terms("需求评审会定在明天")
    assert {"需求", "评审", "评审会", "明天"} <= set(terms)


def test_english_words_are_folded_stemmed_and_stop_words_dropped() -> None:
    assert index_terms("The release is PLANNED for ＭＡＲＣＨ 3") == ["releas", "plan", "march", "3"]
    assert [t.term for t in query_terms("releases planning")] == ["releas", "plan"]


def test_mixed_text_is_cut_per_script_run() -> None:
    assert index_terms("明天review一下PR") == ["明天", "review", "一下", "pr"]


def test_spans_mark_the_words_as_written_and_agree_with_the_index_terms() -> None:
    text = "请 Review 需求评审会的 slides"
    found = spans(text)
    assert [s.term for s in found] == index_terms(text)
    written = [text[s.start:s.end] for s in found if s.term in {"review", "评审会", "slide"}]
    assert written == ["Review", "评审会", "slides"]


def test_a_long_chinese_query_word_also_matches_by_its_parts() -> None:
    assert query_terms("中华人民共和国") == [QueryTerm("中华人民共和国", ("中华", "人民", "共和国"))]
    assert query_terms("需求") == [QueryTerm("需求")]  # a two-character word has no smaller indexed parts


def test_a_word_added_later_is_one_query_word_that_still_finds_text_indexed_before_it_was_added() -> None:
    before = set(index_terms("我们用飞书文档写周报"))
    add_words(["飞书文档"])
    [term] = query_terms("飞书文档")
    assert term.term == "飞书文档"
    assert term.term not in before and set(term.parts) <= before
    assert "飞书文档" in index_terms("我们用飞书文档写周报")


def test_repeated_query_words_are_asked_once() -> None:
    assert [t.term for t in query_terms("deploy Deploy DEPLOY")] == ["deploy"]


def test_an_acronym_plural_is_the_acronym() -> None:
    assert index_terms("3 PRs, two APIs") == ["3", "pr", "two", "api"]
    assert [t.term for t in query_terms("PR")] == ["pr"]


def test_a_word_across_the_cut_is_indexed_too() -> None:
    terms = index_terms("CI 上报错误很多")
    assert {"上报", "错误"} <= set(terms)  # the cut
    assert "报错" in terms  # lies across it: a search for 报错 finds this message
    text = "CI 上报错误很多"
    assert [text[s.start:s.end] for s in spans(text) if s.term == "报错"] == ["报错"]
