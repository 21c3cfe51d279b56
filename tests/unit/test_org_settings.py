"""The organisation's policy and modules as values: defaults, validated changes, stored forms."""

from __future__ import annotations

import pytest

from axon.domain.errors import ValidationFailed
from axon.domain.org_settings import (
    BUILT_MODULES,
    DEFAULT_SETTINGS,
    Module,
    OrgPolicy,
    Who,
    module_changes,
    policy_changes,
    settings_from_stored,
)


def test_the_defaults_are_what_axon_did_before_there_was_a_policy() -> None:
    policy = DEFAULT_SETTINGS.policy
    assert (policy.create_public_channels, policy.create_private_groups) == (Who.EVERYONE, Who.EVERYONE)
    assert policy.edit_window_minutes is None and policy.delete_window_minutes is None
    assert policy.members_delete_own is True
    assert DEFAULT_SETTINGS.modules == BUILT_MODULES
    assert DEFAULT_SETTINGS.modules_dict() == {"public_channels": True, "guests": True, "message_editing": True,
                                               "files": True, "calls": False, "integrations": False,
                                               "ai_helpers": True}


def test_a_change_keeps_what_it_does_not_name() -> None:
    changed = policy_changes(OrgPolicy(), {"invite_guests": "everyone", "edit_window_minutes": 15})
    assert changed == OrgPolicy(invite_guests=Who.EVERYONE, edit_window_minutes=15)
    assert policy_changes(changed, {"edit_window_minutes": None}).edit_window_minutes is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"create_public_channels": "owners"}, "create_public_channels"),  # not a choice of this setting
    ({"export": "everyone"}, "export"),
    ({"edit_window_minutes": 0}, "edit_window_minutes"),
    ({"delete_window_minutes": 525_601}, "delete_window_minutes"),
    ({"delete_window_minutes": True}, "delete_window_minutes"),
    ({"members_delete_own": "yes"}, "members_delete_own"),
    ({"who_may_fly": "everyone"}, "who_may_fly"),
])
def test_bad_policy_values_are_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        policy_changes(OrgPolicy(), changes)
    assert caught.value.details["field"] == field


def test_modules_switch_on_and_off_but_unbuilt_ones_only_off() -> None:
    off = module_changes(BUILT_MODULES, {"guests": False})
    assert off == BUILT_MODULES - {Module.GUESTS}
    assert module_changes(off, {"guests": True, "calls": False}) == BUILT_MODULES
    assert module_changes(BUILT_MODULES, {"files": False}) == BUILT_MODULES - {Module.FILES}
    for unbuilt in set(Module) - BUILT_MODULES:
        with pytest.raises(ValidationFailed):
            module_changes(BUILT_MODULES, {unbuilt.value: True})
    with pytest.raises(ValidationFailed):
        module_changes(BUILT_MODULES, {"teleport": False})


def test_stored_settings_from_another_version_load_what_this_one_knows() -> None:
    loaded = settings_from_stored({"invite_guests": "everyone", "from_the_future": 1},
                                  {"guests": False, "calls": True, "teleport": True})
    assert loaded.policy.invite_guests is Who.EVERYONE
    assert loaded.modules == BUILT_MODULES - {Module.GUESTS}  # calls is not built here: stays off
    assert settings_from_stored(loaded.policy.to_dict(), loaded.modules_dict()) == loaded
