"""Where the audit key comes from: the environment, or a file in the data folder made on first start.

The key seals audit entries, so it must not live in the database it protects. With several nodes
every node must use the same key: set ``AXON_AUDIT_KEY`` on each (a file made by one node would
differ from another's).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from .private_files import write_secret

KEY_FILE = "audit.key"
MIN_KEY_CHARS = 32


def audit_key(given: str | None, data_dir: Path) -> bytes:
    """The configured key, or the data folder's key file (created 0600 with a random key if absent)."""
    if given:
        return key_bytes(given)
    path = data_dir / KEY_FILE
    if not path.exists():
        write_secret(path, secrets.token_hex(32) + "\n")
    return key_bytes(path.read_text(encoding="utf-8").strip())


def older_keys(given: str | None) -> list[bytes]:
    return [key_bytes(k.strip()) for k in (given or "").split(",") if k.strip()]


def key_bytes(text: str) -> bytes:
    if len(text) < MIN_KEY_CHARS:
        raise ValueError(f"An audit key must have at least {MIN_KEY_CHARS} characters "
                         "(e.g. the output of: openssl rand -hex 32).")
    return text.encode("utf-8")
