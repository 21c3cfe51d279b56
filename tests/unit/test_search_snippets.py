"""Snippets: matches highlighted as written (stems, Chinese words, phrases), the best window, safe cuts."""

from __future__ import annotations

from axon.domain.search_snippets import ELLIPSIS, WINDOW, Fragment, contains_phrase, snippet
from axon.domain.search_terms import query_terms


def marked(fragments: list[Fragment]) -> list[str]:
    return [f.text for f in fragments if f.match]


def test_a_stem_is_highlighted_as_written() -> None:
    fragments = snippet("We PLANNED the release for March 3", query_terms("plans"))
    assert fragments == [Fragment("We ", False), Fragment("PLANNED", True),
                         Fragment(" the release for March 3", False)]


def test_a_chinese_word_inside_a_longer_phrase_is_highlighted() -> None:
    assert marked(snippet("明天下午开需求评审会，请准时参加", query_terms("需求"))) == ["需求"]


def test_a_phrase_is_highlighted_whole_and_chinese_words_inside_it_merge() -> None:
    text = "明天下午开需求评审会，请准时参加"
    assert marked(snippet(text, query_terms("评审"), ["需求评审会"])) == ["需求评审会"]
    assert marked(snippet("the Release  Date moved", (), ["release date"])) == ["Release  Date"]


def test_the_window_is_around_the_densest_matches_with_ellipses() -> None:
    text = "budget " + "lorem ipsum " * 40 + "the design doc is ready for review " + "dolor sit " * 40
    fragments = snippet(text, query_terms("design doc review"))
    shown = "".join(f.text for f in fragments)
    assert shown.startswith(ELLIPSIS) and shown.endswith(ELLIPSIS)
    assert marked(fragments) == ["design", "doc", "review"]
    assert len(shown) <= WINDOW + 2
    assert " lorem" not in shown[:2]  # cut at a space, not inside a word


def test_a_short_text_is_shown_whole_and_no_match_shows_its_start() -> None:
    assert snippet("hello there", ()) == [Fragment("hello there", False)]
    long = "word " * 100
    shown = snippet(long, query_terms("absent"))
    assert shown[0].text.startswith("word") and shown[-1].text.endswith(ELLIPSIS)


def test_cuts_never_split_an_emoji_sequence() -> None:
    family = "👨\u200d👩\u200d👧"
    for pad in range(0, 12):
        text = "x" * pad + (family + "👍🏽") * 60 + " plan " + (family + "🇨🇳") * 60
        shown = "".join(f.text for f in snippet(text, query_terms("plan")))
        body = shown.strip(ELLIPSIS)
        assert not body.startswith(("\u200d", "👩", "👧", "🏽")), pad
        assert not body.endswith("\u200d"), pad
        assert body.count("🇨🇳") * 2 == body.count("🇨") + body.count("🇳"), pad


def test_phrases_match_across_width_and_case() -> None:
    assert contains_phrase("Ｒｅｌｅａｓｅ plan", "release PLAN")
    assert not contains_phrase("release the plan", "release plan")


def test_a_phrase_matches_across_punctuation_between_its_words() -> None:
    assert contains_phrase("design-system-v1.2.pdf", "design system")
    assert contains_phrase("the design_system doc", "Design System")
    assert not contains_phrase("designsystem", "design system")
