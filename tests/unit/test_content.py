"""Message text, mentions and the names people type."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axon.domain.content import (
    MentionRefs,
    parse_mentions,
    validate_emoji,
    validate_name,
    validate_text,
    validate_topic,
    validate_username,
)
from axon.domain.errors import MessageTooLarge, ValidationFailed

# --- validate_text -------------------------------------------------------------------


def test_ordinary_text_is_kept_as_written() -> None:
    text = "Hi **team**,\n\tsee `x` and 你好 👋"
    assert validate_text(text, 1000) == text


@pytest.mark.parametrize(("raw", "stored"), [("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("a\r\n\r\nb\r", "a\n\nb\n")])
def test_line_endings_are_normalised_to_newline(raw: str, stored: str) -> None:
    assert validate_text(raw, 1000) == stored


@pytest.mark.parametrize(("char", "size"), [("a", 1), ("é", 2), ("中", 3), ("😀", 4)])
def test_limit_counts_utf8_bytes_not_characters(char: str, size: int) -> None:
    assert validate_text(char * 10, 10 * size) == char * 10
    with pytest.raises(MessageTooLarge) as caught:
        validate_text(char * 10, 10 * size - 1)
    assert caught.value.status == 413
    assert caught.value.details == {"limit": 10 * size - 1}


def test_limit_is_measured_after_line_endings_are_normalised() -> None:
    assert validate_text("ab\r\ncd", 5) == "ab\ncd"


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\r\n", " \t "])
def test_empty_or_blank_text_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_text(text, 1000)
    assert caught.value.details == {"field": "text"}


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f"])
def test_control_characters_are_refused(char: str) -> None:
    with pytest.raises(ValidationFailed):
        validate_text(f"hello{char}world", 1000)


def test_lone_surrogate_is_refused_cleanly() -> None:
    with pytest.raises(ValidationFailed):
        validate_text("broken \ud800 text", 1000)


@pytest.mark.parametrize("value", [None, 42, b"bytes", ["list"]])
def test_non_string_text_is_refused(value: object) -> None:
    with pytest.raises(ValidationFailed):
        validate_text(value, 1000)  # type: ignore[arg-type]


@given(text=st.text(), limit=st.integers(1, 64))
def test_accepted_text_is_within_limit_and_has_no_carriage_returns(text: str, limit: int) -> None:
    try:
        stored = validate_text(text, limit)
    except (ValidationFailed, MessageTooLarge):
        return
    assert "\r" not in stored
    assert stored.strip()
    assert len(stored.encode("utf-8")) <= limit


# --- parse_mentions ------------------------------------------------------------------


def test_mentions_are_collected_lower_cased() -> None:
    assert parse_mentions("hi @Bob and @carol.smith") == MentionRefs(frozenset({"bob", "carol.smith"}), False)


@pytest.mark.parametrize(
    "text",
    ["@bob, look", "@bob.", "@bob...", "@bob!", "(@bob)", "@bob's idea", "@bob:", "@bob?", "，@bob"],
)
def test_trailing_punctuation_is_not_part_of_the_name(text: str) -> None:
    assert parse_mentions(text).usernames == {"bob"}


@pytest.mark.parametrize("text", ["你好@bob", "请@bob 看一下", "谢谢@bob！"])
def test_mention_directly_after_chinese_text_is_found(text: str) -> None:
    # Chinese is written without spaces: "请@bob 看一下" is how people ping bob.
    assert parse_mentions(text).usernames == {"bob"}


@pytest.mark.parametrize("text", ["mail bob@example.com", "a.b@c.io", "x@@bob"])
def test_email_addresses_are_not_mentions(text: str) -> None:
    assert parse_mentions(text) == MentionRefs(frozenset(), False)


@pytest.mark.parametrize("word", ["all", "channel", "here", "everyone", "ALL", "Here"])
def test_room_wide_words_notify_everyone_and_are_not_usernames(word: str) -> None:
    refs = parse_mentions(f"heads up @{word}: deploy at 5")
    assert refs.everyone is True
    assert refs.usernames == frozenset()


def test_room_wide_and_personal_mentions_combine() -> None:
    assert parse_mentions("@here and @bob") == MentionRefs(frozenset({"bob"}), True)


@pytest.mark.parametrize(
    "text",
    [
        "use `@all` to ping everyone",
        "```\n@all @bob\n```",
        "```python\nprint('@bob')",  # an unclosed fence runs to the end
        "before ```@bob``` after",
    ],
)
def test_mentions_inside_code_are_ignored(text: str) -> None:
    assert parse_mentions(text) == MentionRefs(frozenset(), False)


def test_text_around_code_is_still_parsed() -> None:
    assert parse_mentions("`@all` is an example, @bob") == MentionRefs(frozenset({"bob"}), False)
    assert parse_mentions("```\ncode\n```\n@carol") == MentionRefs(frozenset({"carol"}), False)


def test_plain_text_has_no_mentions() -> None:
    assert parse_mentions("no pings here @ all") == MentionRefs(frozenset(), False)


@given(st.from_regex(r"[a-z0-9][a-z0-9._-]{1,63}", fullmatch=True))
def test_every_valid_username_can_be_mentioned(username: str) -> None:
    try:
        username = validate_username(username)
    except ValidationFailed:
        return  # a reserved word
    assert parse_mentions(f"cc @{username} please") == MentionRefs(frozenset({username}), False)


# --- validate_username ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("bob", "bob"), ("  Alice.Smith ", "alice.smith"), ("ab", "ab"), ("a" * 64, "a" * 64), ("0x_dev-1", "0x_dev-1")],
)
def test_valid_usernames_are_normalised(raw: str, stored: str) -> None:
    assert validate_username(raw) == stored


@pytest.mark.parametrize(
    "raw",
    ["", "a", "a" * 65, "bob smith", "bob@example", "_bob", ".bob", "-bob", "张三", "all", "Here", "everyone",
     "channel", None, 7],
)
def test_invalid_usernames_are_refused(raw: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_username(raw)  # type: ignore[arg-type]
    assert caught.value.details == {"field": "username"}


# --- validate_name / validate_topic --------------------------------------------------


def test_name_whitespace_is_collapsed() -> None:
    assert validate_name("  Design \t  team\n ") == "Design team"


def test_name_length_counts_characters() -> None:
    assert validate_name("设" * 80) == "设" * 80
    with pytest.raises(ValidationFailed):
        validate_name("设" * 81)
    assert validate_name("ab", max_len=2) == "ab"
    with pytest.raises(ValidationFailed):
        validate_name("abc", max_len=2)


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", None, 3, "bad\x00name", "bell\x07"])
def test_invalid_names_are_refused_naming_the_field(raw: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_name(raw, field="display_name")  # type: ignore[arg-type]
    assert caught.value.details == {"field": "display_name"}


def test_topic_is_trimmed_and_may_be_cleared() -> None:
    assert validate_topic("  Release planning  ") == "Release planning"
    assert validate_topic("") == ""
    assert validate_topic("   ") == ""


def test_topic_length_limit() -> None:
    assert validate_topic("话" * 250) == "话" * 250
    with pytest.raises(ValidationFailed):
        validate_topic("话" * 251)


@pytest.mark.parametrize("raw", ["a\x00b", "esc\x1b[31m", None, 1])
def test_invalid_topics_are_refused(raw: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_topic(raw)  # type: ignore[arg-type]
    assert caught.value.details == {"field": "topic"}


# --- validate_emoji ------------------------------------------------------------------


@pytest.mark.parametrize("emoji", ["👍", ":tada:", "👨\u200d👩\u200d👧\u200d👦", "🇨🇳", "+1", "x" * 32])
def test_valid_reactions(emoji: str) -> None:
    assert validate_emoji(emoji) == emoji


@pytest.mark.parametrize("emoji", ["", "x" * 33, "thumbs up", "👍\n", "\t", "a\x00", None, 5])
def test_invalid_reactions_are_refused(emoji: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_emoji(emoji)  # type: ignore[arg-type]
    assert caught.value.details == {"field": "emoji"}
