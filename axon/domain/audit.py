"""The audit log's rules: what an entry is, how entries are chained and sealed, how a chain is checked.

Each organisation has its own chain (``chain`` = the organisation's id; ``""`` is the system chain
for events no organisation can be named for, such as a failed login with an unknown name).
Positions in a chain are 1, 2, 3… without gaps. Every entry carries

- ``hash`` = SHA-256 of the canonical encoding of its fields followed by the previous entry's hash
  (``GENESIS`` before the first): altering, removing or reordering an entry breaks every later link;
- ``mac`` = HMAC-SHA-256 of ``hash`` under the audit key, which is kept outside the database: someone
  who can write the database but does not hold the key cannot rebuild a consistent chain.

What a chain cannot show by itself is that entries were cut off its end (a shorter chain is still
consistent). Anchors (``Anchor``: a chain's position and hash, kept outside the database) close
that up to the newest anchor; ``verify_chain`` checks them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

GENESIS = "0" * 64
SYSTEM_CHAIN = ""

# Stable action names: ``<area>.<past-tense verb or noun>``, lower case, dots between words.
# Other features add theirs beside these (see /docs/security.md "Audit log").
AUTH_LOGIN = "auth.login"
AUTH_LOGIN_FAILED = "auth.login_failed"
AUTH_LOGOUT = "auth.logout"
AUTH_SIGNUP = "auth.signup"
AUTH_SIGNUP_REQUESTED = "auth.signup_requested"
AUTH_EMAIL_CONFIRMED = "auth.email_confirmed"
AUTH_PASSWORD_CHANGED = "auth.password_changed"
AUTH_PASSWORD_RESET = "auth.password_reset"
AUTH_TOTP_ENABLED = "auth.totp_enabled"
AUTH_TOTP_DISABLED = "auth.totp_disabled"
AUTH_RECOVERY_CODES_REGENERATED = "auth.recovery_codes_regenerated"
AUTH_RECOVERY_CODE_USED = "auth.recovery_code_used"
AUTH_TWO_FACTOR_RESET = "auth.two_factor_reset"
DEVICE_REVOKED = "device.revoked"
DEVICE_WIPE_ORDERED = "device.wipe_ordered"
DEVICE_WIPED = "device.wiped"
USER_CREATED = "user.created"
USER_DISABLED = "user.disabled"
USER_ENABLED = "user.enabled"
USER_ROLE_CHANGED = "user.role_changed"
ORG_CREATED = "org.created"
ORG_RENAMED = "org.renamed"
ORG_POLICY_CHANGED = "org.policy_changed"
ORG_DEFAULT_CHANNELS_CHANGED = "org.default_channels_changed"
INVITE_CREATED = "invite.created"
INVITE_REVOKED = "invite.revoked"
CONVERSATION_ROLE_CHANGED = "conversation.role_changed"
CONVERSATION_POLICY_CHANGED = "conversation.policy_changed"  # details {"setting", "from", "to"}
ORG_MODULE_CHANGED = "org.module_changed"  # details {"module", "from", "to"}
AUDIT_EXPORTED = "audit.exported"
CONVERSATION_RETENTION_CHANGED = "conversation.retention_changed"
LEGAL_HOLD_PLACED = "legal_hold.placed"
LEGAL_HOLD_RELEASED = "legal_hold.released"
RETENTION_APPLIED = "retention.applied"
EXPORT_CONVERSATION = "export.conversation"
EXPORT_USER = "export.user"
# Single sign-on (``services/sso*.py``, ``services/directory_sync.py``).
SSO_SETTINGS_CHANGED = "sso.settings_changed"
SSO_IDENTITY_LINKED = "sso.identity_linked"
SSO_DIRECTORY_SYNCED = "sso.directory_synced"
SSO_LOGIN_FAILED = "sso.login_failed"
# encryption at rest (services/encryption.py)
KEYS_ROTATED = "keys.rotated"  # a new data key for an organisation; its rows are to be re-encrypted
KEYS_SEALING_STARTED = "keys.sealing_started"  # an older install's organisation got its first data key
KEYS_REENCRYPTED = "keys.reencrypted"  # a re-encryption finished: every row under the new key, old keys retired
KEYS_MASTER_ROTATED = "keys.master_rotated"  # every data key re-wrapped under a new master key (system chain)
# AI helpers (services/ai_settings.py, services/translation.py; docs/ai.md)
AI_SETTINGS_CHANGED = "ai.settings_changed"  # details: the settings, which keys changed (never a key)
AI_ENDPOINT_CALLED = "ai.endpoint_called"  # details {"purpose", "provider", "endpoint", "characters", "outcome"}
# (and "target" for translation, "ability" — "digest" or "chat" — for the assistant)


@dataclass(frozen=True, slots=True)
class AuditActor:
    """Who did it: a user on a device, from an address. ``user_id`` is None for the system and the shell."""

    user_id: str | None
    device_id: str | None
    address: str

    @classmethod
    def system(cls, address: str = "system") -> AuditActor:
        return cls(None, None, address)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What a use case records: the chain, position, time and seal are added when it is written."""

    chain: str
    action: str
    actor: AuditActor
    target_type: str = ""
    target_id: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def with_details(self, **more: Any) -> AuditEvent:
        """The same event with more details (what only the write learns, e.g. how many rows it changed)."""
        return replace(self, details={**self.details, **more})


@dataclass(frozen=True, slots=True)
class SealedEntry:
    """An entry as stored: every field the hash covers, and the hash and seal."""

    chain: str
    position: int
    created_at: int
    actor_user_id: str | None
    actor_device_id: str | None
    actor_address: str
    action: str
    target_type: str
    target_id: str
    details: str  # canonical JSON text, hashed as stored
    prev_hash: str
    hash: str
    mac: str
    key_id: str


@dataclass(frozen=True, slots=True)
class Anchor:
    chain: str
    position: int
    hash: str


def canonical_details(details: dict[str, Any]) -> str:
    """One spelling for one content: sorted keys, no spaces, ASCII only."""
    return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def entry_hash(entry: SealedEntry | dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the canonical encoding of the entry's fields and the previous entry's hash."""
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name)
    fields = [get("chain"), get("position"), get("created_at"), get("actor_user_id"), get("actor_device_id"),
              get("actor_address"), get("action"), get("target_type"), get("target_id"), get("details"), prev_hash]
    encoded = json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode()
    return hashlib.sha256(encoded).hexdigest()


def seal(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short public name of a key (which key sealed an entry), revealing nothing of it."""
    return hashlib.sha256(b"axon-audit-key-id\0" + key).hexdigest()[:16]


def new_entry(event: AuditEvent, position: int, created_at: int, prev_hash: str, key: bytes) -> SealedEntry:
    fields: dict[str, Any] = {
        "chain": event.chain, "position": position, "created_at": created_at,
        "actor_user_id": event.actor.user_id, "actor_device_id": event.actor.device_id,
        "actor_address": event.actor.address[:100], "action": event.action, "target_type": event.target_type,
        "target_id": event.target_id, "details": canonical_details(event.details)}
    digest = entry_hash(fields, prev_hash)
    return SealedEntry(**fields, prev_hash=prev_hash, hash=digest, mac=seal(key, digest), key_id=key_id(key))


@dataclass(slots=True)
class ChainCheck:
    """Walks one chain in position order; ``problem`` names the first bad position and why."""

    chain: str
    keys: dict[str, bytes]
    anchors: dict[int, str] = field(default_factory=dict)  # position -> hash kept outside the database
    position: int = 0
    head_hash: str = GENESIS
    problem: str | None = None

    def feed(self, entries: Iterable[SealedEntry]) -> bool:
        """Check the next entries; False once a problem is found (the rest is then not looked at)."""
        for entry in entries:
            if self.problem is None:
                self.problem = self._check(entry)
            if self.problem is not None:
                return False
            self.position, self.head_hash = entry.position, entry.hash
        return True

    def _check(self, entry: SealedEntry) -> str | None:
        expected = self.position + 1
        where = f"position {expected}"
        if entry.position != expected:
            return f"{where}: entry missing (the next stored entry is at position {entry.position})"
        if entry.chain != self.chain:
            return f"{where}: the entry belongs to another chain"
        if entry.prev_hash != self.head_hash:
            return f"{where}: does not follow position {self.position} (removed, reordered or altered entries)"
        if entry_hash(entry, entry.prev_hash) != entry.hash:
            return f"{where}: the entry's content was altered (its hash does not match)"
        key = self.keys.get(entry.key_id)
        if key is None:
            return f"{where}: sealed with an unknown key {entry.key_id} (give that key to check it)"
        if not hmac.compare_digest(seal(key, entry.hash), entry.mac):
            return f"{where}: the seal does not match (rewritten without the audit key)"
        if self.anchors.get(expected, entry.hash) != entry.hash:
            return f"{where}: does not match its anchor (the chain was rewritten from here)"
        return None

    def finish(self, head_position: int | None) -> str | None:
        """After the last entry: the chain must reach its recorded head and its newest anchor."""
        if self.problem is None:
            reached = max([head_position or 0, *self.anchors])
            if reached > self.position:
                self.problem = (f"position {self.position + 1}: entries up to position {reached} were written, "
                                f"the log ends at {self.position} (cut off)")
        return self.problem
