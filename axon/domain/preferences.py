"""Sidebar preferences and drafts: the pure rules (shapes, limits, validation, merging).

A user's preferences are one small document with a version. A change names the
version it was based on; a stale base is refused (``version_conflict``) with the
current document, so a client re-applies its change and retries instead of
silently overwriting what another device just did.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .errors import Conflict, MessageTooLarge, ValidationFailed

SECTIONS = ("favourites", "channels", "groups", "direct")
MAX_FAVOURITES = 200
MAX_MUTED = 1000
LIST_FIELDS = ("favourites", "muted")


@dataclass(frozen=True, slots=True)
class Preferences:
    version: int = 0
    favourites: tuple[str, ...] = ()
    collapsed: tuple[str, ...] = ()
    unread_only: bool = False
    muted: tuple[str, ...] = ()
    smart_replies: bool = True  # reply suggestions above the composer (docs/ai/replies.md)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "favourites": list(self.favourites), "collapsed": list(self.collapsed),
                "unread_only": self.unread_only, "muted": list(self.muted), "smart_replies": self.smart_replies}

    def data(self) -> dict[str, Any]:
        """What is stored (everything but the version, which has its own column)."""
        body = self.to_dict()
        del body["version"]
        return body


def from_stored(version: int, data: dict[str, Any]) -> Preferences:
    return Preferences(version, tuple(data.get("favourites", ())), tuple(data.get("collapsed", ())),
                       bool(data.get("unread_only", False)), tuple(data.get("muted", ())),
                       bool(data.get("smart_replies", True)))


def check_base_version(current: Preferences, base_version: Any) -> None:
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 0:
        raise ValidationFailed("base_version must be a non-negative integer.", field="base_version")
    if base_version != current.version:
        raise Conflict("The preferences changed on another device; apply your change to these and retry.",
                       code="version_conflict", preferences=current.to_dict())


def apply_changes(current: Preferences, changes: dict[str, Any]) -> Preferences:
    """The preferences after ``changes`` (validated shapes; membership is checked by the caller)."""
    updated = current
    if "favourites" in changes:
        updated = replace(updated, favourites=_id_list(changes["favourites"], "favourites", MAX_FAVOURITES))
    if "muted" in changes:
        updated = replace(updated, muted=_id_list(changes["muted"], "muted", MAX_MUTED))
    if "collapsed" in changes:
        updated = replace(updated, collapsed=_sections(changes["collapsed"]))
    if "unread_only" in changes:
        if not isinstance(changes["unread_only"], bool):
            raise ValidationFailed("unread_only must be true or false.", field="unread_only")
        updated = replace(updated, unread_only=changes["unread_only"])
    if "smart_replies" in changes:
        if not isinstance(changes["smart_replies"], bool):
            raise ValidationFailed("smart_replies must be true or false.", field="smart_replies")
        updated = replace(updated, smart_replies=changes["smart_replies"])
    return replace(updated, version=current.version + 1)


def added_ids(current: Preferences, updated: Preferences) -> set[str]:
    """Conversation ids the change brings in: each must be one the user is a member of."""
    return {cid for name in LIST_FIELDS for cid in getattr(updated, name)} - {
        cid for name in LIST_FIELDS for cid in getattr(current, name)}


def without(prefs: Preferences, gone: set[str]) -> Preferences:
    """``prefs`` without conversations the user no longer belongs to (kept ids are never refused)."""
    if not gone:
        return prefs
    return replace(prefs, favourites=tuple(c for c in prefs.favourites if c not in gone),
                   muted=tuple(c for c in prefs.muted if c not in gone))


def _id_list(value: Any, field: str, limit: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 32 for v in value):
        raise ValidationFailed(f"{field} must be a list of conversation ids.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{field} may hold at most {limit} conversations.", field=field, limit=limit)
    return tuple(dict.fromkeys(value))  # duplicates collapse, the first place wins


def _sections(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v in SECTIONS for v in value):
        raise ValidationFailed(f"collapsed must be a list of sections: {', '.join(SECTIONS)}.", field="collapsed")
    return tuple(s for s in SECTIONS if s in value)


# --- drafts --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    conversation_id: str
    thread_root: str | None
    text: str | None  # None: cleared
    updated_at: int


def draft_text(text: Any, max_bytes: int) -> str:
    """A draft may be anything a message may be, and empty (which clears it)."""
    if not isinstance(text, str):
        raise ValidationFailed("text must be a string.", field="text")
    clean: str = text.replace("\r\n", "\n").replace("\r", "\n")
    size = len(clean.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise MessageTooLarge(f"text is {size} bytes; the limit is {max_bytes}.", limit=max_bytes)
    return clean
