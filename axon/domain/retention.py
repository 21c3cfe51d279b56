"""Retention rules: how long messages are kept, and what a legal hold protects.

An organisation keeps messages for ever (``None``) or N days; a conversation follows its
organisation (``None``), keeps for ever (``0``) or N days of its own. A legal hold on a conversation
keeps all of it; a hold on a user keeps every message they sent, wherever. Holds override every policy.
"""

from __future__ import annotations

from .errors import ValidationFailed

DAY_MS = 86_400_000
MAX_RETENTION_DAYS = 36_500
HOLD_TARGETS = ("conversation", "user")


def _days(days: object) -> int | None:
    if isinstance(days, int) and not isinstance(days, bool) and 0 <= days <= MAX_RETENTION_DAYS:
        return days
    return None


def validate_org_retention(days: int) -> int | None:
    """0 (for ever, stored as None) or 1–36500 days."""
    checked = _days(days)
    if checked is None:
        raise ValidationFailed(f"retention_days is 0 (for ever) or 1 to {MAX_RETENTION_DAYS} days.",
                               field="retention_days")
    return checked or None


def validate_conversation_retention(days: int | None) -> int | None:
    """None (the organisation's), 0 (for ever) or 1–36500 days."""
    checked = _days(days)
    if days is not None and checked is None:
        raise ValidationFailed(f"retention_days is null (the organisation's), 0 (for ever) or 1 to "
                               f"{MAX_RETENTION_DAYS} days.", field="retention_days")
    return checked


def effective_days(org_days: int | None, conversation_days: int | None) -> int | None:
    """How many days a conversation's messages are kept (None: for ever)."""
    if conversation_days is None:
        return org_days
    return conversation_days or None


def cutoff_ms(now_ms: int, days: int) -> int:
    """Messages created before this instant are expired."""
    return now_ms - days * DAY_MS


def validate_hold(target_type: str, reason: str) -> str:
    if target_type not in HOLD_TARGETS:
        raise ValidationFailed("target_type is conversation or user.", field="target_type")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationFailed("reason is at most 500 characters.", field="reason")
    return reason
