"""The pure rules of sidebar preferences and drafts (``axon/domain/preferences.py``)."""

from __future__ import annotations

import pytest

from axon.domain import preferences as rules
from axon.domain.errors import Conflict, MessageTooLarge, ValidationFailed


def test_a_change_keeps_untouched_fields_and_bumps_the_version() -> None:
    current = rules.Preferences(3, ("c_a",), ("groups",), False, ("c_m",))
    updated = rules.apply_changes(current, {"unread_only": True, "favourites": ["c_b", "c_a", "c_b"]})
    assert updated == rules.Preferences(4, ("c_b", "c_a"), ("groups",), True, ("c_m",))  # duplicates collapse


def test_collapsed_sections_are_known_ones_in_sidebar_order() -> None:
    assert rules.apply_changes(rules.Preferences(), {"collapsed": ["direct", "favourites"]}).collapsed == (
        "favourites", "direct")
    with pytest.raises(ValidationFailed) as refused:
        rules.apply_changes(rules.Preferences(), {"collapsed": ["starred"]})
    assert refused.value.details["field"] == "collapsed"


@pytest.mark.parametrize("changes", [
    {"favourites": [f"c_{i}" for i in range(rules.MAX_FAVOURITES + 1)]},
    {"muted": [f"c_{i}" for i in range(rules.MAX_MUTED + 1)]},
    {"favourites": "c_a"}, {"muted": [""]}, {"favourites": ["c_" + "x" * 40]}, {"unread_only": 1},
])
def test_malformed_or_oversized_changes_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed):
        rules.apply_changes(rules.Preferences(), changes)


def test_a_stale_base_version_is_a_conflict_carrying_the_current_preferences() -> None:
    current = rules.Preferences(2, ("c_a",))
    rules.check_base_version(current, 2)
    with pytest.raises(Conflict) as refused:
        rules.check_base_version(current, 1)
    assert refused.value.code == "version_conflict"
    assert refused.value.details == {"preferences": current.to_dict()}
    with pytest.raises(ValidationFailed):
        rules.check_base_version(current, True)


def test_only_ids_a_change_brings_in_are_checked_and_departed_ones_are_dropped() -> None:
    current = rules.Preferences(1, ("c_a", "c_gone"), muted=("c_m",))
    updated = rules.apply_changes(current, {"favourites": ["c_gone", "c_a", "c_new"], "muted": ["c_m", "c_a"]})
    assert rules.added_ids(current, updated) == {"c_new"}
    assert rules.without(updated, {"c_gone"}).favourites == ("c_a", "c_new")


def test_a_draft_may_be_empty_but_not_longer_than_a_message() -> None:
    assert rules.draft_text("", 10) == ""
    assert rules.draft_text("a\r\nb", 10) == "a\nb"
    with pytest.raises(MessageTooLarge):
        rules.draft_text("é" * 6, 10)
    with pytest.raises(ValidationFailed):
        rules.draft_text(None, 10)
