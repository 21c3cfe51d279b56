"""What makes a retried send the same message, and the member directory's page cursors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axon.domain.cursors import decode_directory_cursor, encode_directory_cursor
from axon.domain.errors import ValidationFailed
from axon.domain.idempotency import MAX_CLIENT_MSG_ID, content_hash, validate_client_msg_id

ids = st.text(st.characters(codec="ascii", exclude_characters="\x00"), min_size=1, max_size=32)
texts = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1, max_size=200)

# --- the content fingerprint ----------------------------------------------------------


@given(conv=ids, text=texts, reply_to=st.none() | ids)
def test_a_retry_with_the_same_content_has_the_same_fingerprint(conv: str, text: str, reply_to: str | None) -> None:
    first = content_hash(conv, text, reply_to)
    assert first == content_hash(conv, text, reply_to)
    assert len(first) == 64 and set(first) <= set("0123456789abcdef")


@given(conv=ids, text=texts, other=texts, reply_to=st.none() | ids)
def test_different_text_or_target_gives_a_different_fingerprint(conv: str, text: str, other: str,
                                                                reply_to: str | None) -> None:
    if other != text:
        assert content_hash(conv, text, reply_to) != content_hash(conv, other, reply_to)
    assert content_hash(conv, text, reply_to) != content_hash(conv + "x", text, reply_to)
    assert content_hash(conv, text, None) != content_hash(conv, text, "m_root")


def test_parts_cannot_slide_into_each_other() -> None:
    assert content_hash("c_1", "ab", None) != content_hash("c_1a", "b", None)
    assert content_hash("c_1", "b", "m_a") != content_hash("c_1", "m_ab", None)


# --- client_msg_id --------------------------------------------------------------------


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs", "Cf", "Co", "Cn")),
               min_size=1, max_size=MAX_CLIENT_MSG_ID))
def test_printable_ids_up_to_64_characters_are_kept_as_given(value: str) -> None:
    assert validate_client_msg_id(value) == value


@pytest.mark.parametrize("bad", ["", "x" * (MAX_CLIENT_MSG_ID + 1), "tab\there", "nl\n", 7, None])
def test_empty_long_unprintable_or_non_text_ids_are_refused(bad: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_client_msg_id(bad)
    assert refused.value.details == {"field": "client_msg_id"}


# --- directory cursors ----------------------------------------------------------------


@given(name=st.text(st.characters(exclude_categories=("Cs",)), max_size=200),
       user_id=st.text("0123456789abcdefghjkmnpqrstvwxyz_", min_size=1, max_size=32))
def test_a_cursor_gives_back_the_position_it_was_made_from(name: str, user_id: str) -> None:
    cursor = encode_directory_cursor(name, user_id)
    assert decode_directory_cursor(cursor) == (name, user_id)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def test_no_cursor_means_the_first_page() -> None:
    assert decode_directory_cursor(None) is None and decode_directory_cursor("") is None


@pytest.mark.parametrize("bad", ["!!!", "bm9zZXBhcmF0b3I=", "/w=="])  # not base64; no separator; not UTF-8
def test_a_forged_cursor_is_a_validation_error(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        decode_directory_cursor(bad)
