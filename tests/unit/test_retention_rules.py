"""Retention rules: which policy applies, and which values are accepted."""

from __future__ import annotations

import pytest

from axon.domain.errors import ValidationFailed
from axon.domain.retention import (
    DAY_MS,
    cutoff_ms,
    effective_days,
    validate_conversation_retention,
    validate_hold,
    validate_org_retention,
)


def test_a_conversation_follows_its_organisation_keeps_for_ever_or_has_its_own_days() -> None:
    assert effective_days(None, None) is None
    assert effective_days(30, None) == 30
    assert effective_days(30, 0) is None
    assert effective_days(None, 7) == 7 and effective_days(30, 400) == 400


def test_values() -> None:
    assert validate_org_retention(0) is None and validate_org_retention(365) == 365
    assert validate_conversation_retention(None) is None and validate_conversation_retention(0) == 0
    for bad in (-1, 36_501, True, 1.5, "30"):
        with pytest.raises(ValidationFailed):
            validate_org_retention(bad)  # type: ignore[arg-type]
        with pytest.raises(ValidationFailed):
            validate_conversation_retention(bad)  # type: ignore[arg-type]
    assert cutoff_ms(10 * DAY_MS, 3) == 7 * DAY_MS


def test_holds() -> None:
    assert validate_hold("user", "  case 7 ") == "case 7"
    with pytest.raises(ValidationFailed):
        validate_hold("org", "")
    with pytest.raises(ValidationFailed):
        validate_hold("conversation", "x" * 501)
