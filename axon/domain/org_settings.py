"""An organisation's permission policy and feature modules: plain values, their defaults and their
validation. What they allow is decided in ``policy.decide``; here is only what they are.

Stored as two JSON objects (``org_settings``); a missing row or key means the default, so an
organisation created before a setting existed behaves as the defaults say.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from .errors import ValidationFailed

MAX_WINDOW_MINUTES = 525_600  # a year


class Who(StrEnum):
    """Who may do something that the organisation's policy governs."""

    EVERYONE = "everyone"  # every member (never guests)
    ADMINS = "admins"  # organisation admins and owners
    OWNERS = "owners"  # organisation owners only


class Module(StrEnum):
    PUBLIC_CHANNELS = "public_channels"
    GUESTS = "guests"
    MESSAGE_EDITING = "message_editing"  # editing and deleting one's own messages
    FILES = "files"
    CALLS = "calls"
    INTEGRATIONS = "integrations"
    AI_HELPERS = "ai_helpers"


# Modules that exist in this version. The others are slots for later work: listed, always off,
# and switching one on is refused, so an organisation never believes it has a feature it has not.
BUILT_MODULES = frozenset({Module.PUBLIC_CHANNELS, Module.GUESTS, Module.MESSAGE_EDITING, Module.FILES,
                           Module.AI_HELPERS})

# The choices each ``Who`` field offers (exporting everything may be kept to owners).
_WHO_CHOICES: dict[str, frozenset[Who]] = {
    "create_public_channels": frozenset({Who.EVERYONE, Who.ADMINS}),
    "create_private_groups": frozenset({Who.EVERYONE, Who.ADMINS}),
    "invite_guests": frozenset({Who.EVERYONE, Who.ADMINS}),
    "manage_integrations": frozenset({Who.EVERYONE, Who.ADMINS}),
    "export": frozenset({Who.ADMINS, Who.OWNERS}),
}
_WINDOWS = ("edit_window_minutes", "delete_window_minutes")
_FILE_BYTES = 1024 ** 3  # the default largest file: 1 GiB (``domain/files.py``)
_MAX_FILE_BYTES_LIMIT = 64 * 1024 ** 3
_QUOTAS = ("org_quota_bytes", "user_quota_bytes")
AI_HELPER_SWITCHES = ("ai_event_suggestions", "ai_smart_replies", "ai_translation", "ai_assistant")


@dataclass(frozen=True, slots=True)
class OrgPolicy:
    create_public_channels: Who = Who.EVERYONE
    create_private_groups: Who = Who.EVERYONE
    invite_guests: Who = Who.ADMINS
    edit_window_minutes: int | None = None  # None: no limit
    delete_window_minutes: int | None = None  # None: no limit (admins may always delete)
    members_delete_own: bool = True
    manage_integrations: Who = Who.ADMINS
    export: Who = Who.ADMINS
    link_previews: bool = True  # previews of links in messages (fetched by the server)
    max_file_bytes: int = _FILE_BYTES  # the largest file a member may upload
    org_quota_bytes: int | None = None  # None: unlimited
    user_quota_bytes: int | None = None
    # The AI helpers, each on its own switch inside the ``ai_helpers`` module (docs/ai.md).
    ai_event_suggestions: bool = True  # "Add to calendar" on messages that mention a time
    ai_smart_replies: bool = True  # reply suggestions above the composer
    ai_translation: bool = True  # "Translate" on messages
    ai_assistant: bool = True  # the @axon assistant

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.value if isinstance(v, Who) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class OrgSettings:
    policy: OrgPolicy = field(default_factory=OrgPolicy)
    modules: frozenset[Module] = BUILT_MODULES

    def enabled(self, module: Module) -> bool:
        return module in self.modules

    def modules_dict(self) -> dict[str, bool]:
        return {m.value: m in self.modules for m in Module}


DEFAULT_SETTINGS = OrgSettings()


def policy_changes(current: OrgPolicy, changes: dict[str, Any]) -> OrgPolicy:
    """``current`` with ``changes`` applied, each validated; an unknown or bad field is refused."""
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name in _WHO_CHOICES:
            values[name] = _who(name, value)
        elif name in _WINDOWS:
            values[name] = _window(name, value)
        elif name == "max_file_bytes":
            values[name] = _bytes(name, value, nullable=False)
        elif name in _QUOTAS:
            values[name] = _bytes(name, value, nullable=True)
        elif name in ("members_delete_own", "link_previews") or name in AI_HELPER_SWITCHES:
            if not isinstance(value, bool):
                raise ValidationFailed(f"{name} must be true or false.", field=name)
            values[name] = value
        else:
            raise ValidationFailed(f"Unknown policy setting {name!r}.", field=name)
    return replace(current, **values)


def _who(name: str, value: Any) -> Who:
    choices = _WHO_CHOICES[name]
    if value not in {c.value for c in choices}:
        allowed = " or ".join(sorted(c.value for c in choices))
        raise ValidationFailed(f"{name} must be {allowed}.", field=name)
    return Who(value)


def _window(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WINDOW_MINUTES:
        raise ValidationFailed(f"{name} must be null (no limit) or 1 to {MAX_WINDOW_MINUTES} minutes.", field=name)
    return value


def _bytes(name: str, value: Any, *, nullable: bool) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_FILE_BYTES_LIMIT * 1024:
        allowed = "null (unlimited) or " if nullable else ""
        raise ValidationFailed(f"{name} must be {allowed}a number of bytes from 1.", field=name)
    if name == "max_file_bytes" and value > _MAX_FILE_BYTES_LIMIT:
        raise ValidationFailed(f"max_file_bytes may be at most {_MAX_FILE_BYTES_LIMIT} bytes.", field=name)
    return int(value)


def module_changes(current: frozenset[Module], changes: dict[str, Any]) -> frozenset[Module]:
    """``current`` with modules switched on or off; unbuilt modules cannot be switched on."""
    enabled = set(current)
    for name, on in changes.items():
        if name not in {m.value for m in Module}:
            raise ValidationFailed(f"Unknown module {name!r}.", field=name)
        if not isinstance(on, bool):
            raise ValidationFailed(f"{name} must be true or false.", field=name)
        module = Module(name)
        if on and module not in BUILT_MODULES:
            raise ValidationFailed(f"The {name} module is not available in this version yet.", field=name)
        (enabled.add if on else enabled.discard)(module)
    return frozenset(enabled)


def settings_from_stored(policy: dict[str, Any] | None, modules: dict[str, Any] | None) -> OrgSettings:
    """Settings from their stored JSON objects; keys this version does not know are ignored."""
    known = {k: v for k, v in (policy or {}).items() if k in OrgPolicy.__dataclass_fields__}
    base = policy_changes(OrgPolicy(), known)
    switched = {k: v for k, v in (modules or {}).items() if k in {m.value for m in BUILT_MODULES}}
    return OrgSettings(base, module_changes(BUILT_MODULES, switched))
