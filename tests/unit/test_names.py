"""Search keys: people and channels are found by what users type, Chinese names included."""

from __future__ import annotations

import pytest

from axon.domain.errors import ValidationFailed
from axon.domain.names import normalise_query, search_key, search_query


def found_by(query: str, *parts: str) -> bool:
    """The store's rule: every word of the normalised query is a substring of the key."""
    key = search_key(*parts)
    return all(word in key for word in normalise_query(query).split())


@pytest.mark.parametrize("query", ["张", "张伟", "伟", "zhang", "zhangwei", "ZhangWei", "zw", "zhang wei", "wei"])
def test_a_chinese_name_is_found_by_characters_full_pinyin_and_initials(query: str) -> None:
    assert found_by(query, "张伟")


def test_the_key_holds_text_pinyin_and_initials() -> None:
    assert search_key("张伟") == "张伟 zhangwei zw"


@pytest.mark.parametrize("query", ["li", "xiaolong", "li xiaolong", "li xl", "李", "小龙"])
def test_a_chinese_name_typed_with_a_space_is_found_by_each_half(query: str) -> None:
    assert found_by(query, "李 小龙")


@pytest.mark.parametrize("query", ["lixiaolong", "lxl"])
def test_a_chinese_name_typed_with_a_space_is_found_by_joined_pinyin(query: str) -> None:
    # "李 小龙" and "李小龙" are the same person to whoever searches for them.
    assert found_by(query, "李 小龙")


@pytest.mark.parametrize("query", ["alice", "ALICE", "张", "zhang", "alice zhang"])
def test_a_mixed_name_is_found_by_either_part(query: str) -> None:
    assert found_by(query, "Alice 张")


@pytest.mark.parametrize("query", ["zhao", "wangwu", "王"])
def test_someone_else_is_not_found(query: str) -> None:
    assert not found_by(query, "张伟", "zhangwei_dev")


def test_every_part_is_searchable() -> None:
    parts = ("张伟", "zw.dev", "wei@example.com")
    assert found_by("zw.dev", *parts)
    assert found_by("example.com", *parts)
    assert found_by("zhangwei example", *parts)


def test_latin_names_are_only_lower_cased() -> None:
    assert search_key("Bob Smith", "bob") == "bob smith bob"
    assert search_key("Zoë") == "zoë"


def test_empty_parts_are_skipped() -> None:
    assert search_key("", "bob", "") == "bob"
    assert search_key() == ""


@pytest.mark.parametrize(
    ("raw", "normal"), [("  Zhang   WEI ", "zhang wei"), ("a\tb\nc", "a b c"), ("", ""), ("张 伟", "张 伟")]
)
def test_normalise_query_lower_cases_and_collapses_whitespace(raw: str, normal: str) -> None:
    assert normalise_query(raw) == normal


def test_a_search_query_of_up_to_100_characters_is_normalised_and_a_longer_one_refused() -> None:
    assert search_query("  Zhang   WEI ") == "zhang wei"
    assert search_query("张" * 100) == "张" * 100  # characters, not bytes
    with pytest.raises(ValidationFailed) as caught:
        search_query("张" * 101)
    assert (caught.value.status, caught.value.code, caught.value.details) == (400, "validation_failed", {"field": "q"})
