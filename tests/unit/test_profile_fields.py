"""The profile fields a user may set, and what makes a forward the same send on retry."""

from __future__ import annotations

import pytest

from axon.domain.accounts import profile_changes
from axon.domain.errors import ValidationFailed
from axon.domain.idempotency import content_hash


def test_status_emoji_is_one_short_token_or_empty() -> None:
    assert profile_changes({"status_emoji": "🚢"}) == {"status_emoji": "🚢"}
    assert profile_changes({"status_emoji": "👩🏽‍💻"}) == {"status_emoji": "👩🏽‍💻"}
    assert profile_changes({"status_emoji": ""}) == {"status_emoji": ""}
    assert profile_changes({"status_emoji": None}) == {}
    for bad in ("two words", "x" * 33, 7, "\x07"):
        with pytest.raises(ValidationFailed) as refused:
            profile_changes({"status_emoji": bad})
        assert refused.value.details == {"field": "status_emoji"}


def test_title_status_and_time_zone_are_checked() -> None:
    assert profile_changes({"title": "  Lead   designer ", "timezone": "Asia/Shanghai"}) == {
        "title": "Lead designer", "timezone": "Asia/Shanghai"}
    for field, bad in (("title", "x" * 201), ("status_text", 3), ("timezone", "Mars/Base")):
        with pytest.raises(ValidationFailed) as refused:
            profile_changes({field: bad})
        assert refused.value.details == {"field": field}


def test_a_forward_fingerprint_names_its_source_and_plain_ones_are_unchanged() -> None:
    plain = content_hash("c_1", "hi", None)
    assert content_hash("c_1", "hi", None, "") == plain  # messages stored before forwards still match
    forward = content_hash("c_1", "", None, "c_2:5")
    assert forward != content_hash("c_1", "", None, "c_2:6") != plain
