"""Encryption at rest: the stored format of a sealed value and what binds it to its row.

A sealed value is text, so it fits the columns that held the plaintext::

    "\\x1e" "1" <data key id: 12 hex digits> <base64 of 12-byte nonce + AES-256-GCM ciphertext and tag>

The leading record separator (U+001E) is the format marker: every text Axon stores is
validated free of C0 controls (``domain.content``), and JSON starts with ``{``, so a value
without the marker is plaintext from before encryption (a legacy row), never a sealed one.

The associated data names the row and column a value belongs to (``row_binding``). GCM
authenticates it, so a ciphertext copied to another row, column, conversation or organisation,
or altered in any byte, fails to open and is refused (``SealBroken``) rather than served.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .errors import AxonError

MARKER = "\x1e"
FORMAT_VERSION = "1"
PREFIX = MARKER + FORMAT_VERSION
KEY_ID_CHARS = 12
NONCE_BYTES = 12
DATA_KEY_BYTES = 32  # AES-256


class SealBroken(AxonError):
    """A stored value failed its integrity check: altered, moved from another row, or sealed
    under a key this server does not have. Served as an error, never as garbage."""

    status = 500
    code = "stored_data_tampered"


@dataclass(frozen=True, slots=True)
class Sealed:
    key_id: str
    payload: str  # base64 of nonce + ciphertext + tag


def is_sealed(stored: str) -> bool:
    return stored.startswith(MARKER)


def compose(key_id: str, payload: str) -> str:
    return PREFIX + key_id + payload


def parse(stored: str) -> Sealed:
    """The parts of a sealed value (``is_sealed`` must hold); refuses any other format."""
    if not stored.startswith(PREFIX) or len(stored) <= len(PREFIX) + KEY_ID_CHARS:
        raise SealBroken("A stored value has an unknown sealed format.")
    start = len(PREFIX)
    return Sealed(stored[start:start + KEY_ID_CHARS], stored[start + KEY_ID_CHARS:])


def key_id_of(stored: str) -> str | None:
    """The data key a stored value is sealed under; None for plaintext."""
    return parse(stored).key_id if is_sealed(stored) else None


def row_binding(column: str, org_id: str, *row_key: str | int) -> bytes:
    """The associated data of one value: its column, organisation and the row's key.

    Unit separators keep the parts apart (no id contains one), so no two rows share a binding.
    """
    return "\x1f".join((column, org_id, *(str(part) for part in row_key))).encode()


class MasterKey(Protocol):
    """Wraps the organisations' data keys (a key-encryption key). Implemented by a key from a file
    or the environment (``axon.keys.master``); a KMS fits the same three members."""

    @property
    def key_id(self) -> str:
        """A short public name of this master key (it never reveals the key)."""
        ...

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        """``data_key`` encrypted under the master key, bound to ``context`` (its org and key id)."""
        ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        """The data key; raises ``SealBroken`` if ``wrapped`` was altered or is for another context."""
        ...
