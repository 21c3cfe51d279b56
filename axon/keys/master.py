"""A master key held by the node itself: from the environment, a file, or generated once.

Where it comes from, first match wins:

1. ``AXON_MASTER_KEY``: 32 random bytes, base64 (``axon keys generate`` prints one);
2. ``AXON_MASTER_KEY_FILE``: a file holding that text (a mounted secret, a file on another disk);
3. ``<data_dir>/master.key``: generated on the first start, 0600, so that ``make run`` just works.
   Whoever can read the data folder can then read the data: production keeps the key elsewhere
   (1 or 2), and backs it up apart from the database (see docs/security.md).

A data key is wrapped with AES-256-GCM under the master key, bound to its organisation and key id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..domain.sealing import DATA_KEY_BYTES, NONCE_BYTES, SealBroken
from ..store.private_files import write_secret

log = logging.getLogger("axon.keys")

DEFAULT_FILE_NAME = "master.key"


class MasterKeyError(ValueError):
    """The configured master key is missing or malformed."""


def generate_text() -> str:
    """A new master key as the text ``AXON_MASTER_KEY`` and key files hold."""
    return base64.b64encode(os.urandom(DATA_KEY_BYTES)).decode()


def parse_text(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"{where} is not base64 (make one with: axon keys generate)") from None
    if len(key) != DATA_KEY_BYTES:
        raise MasterKeyError(f"{where} holds {len(key)} bytes; a master key is {DATA_KEY_BYTES} random bytes")
    return key


@dataclass(frozen=True)
class LocalMasterKey:
    """A ``MasterKey`` (``domain.sealing``) whose key is in this process's memory."""

    key: bytes = field(repr=False)
    source: str

    @property
    def key_id(self) -> str:
        # A fingerprint, not the key: names which master key wrapped a data key.
        return hashlib.sha256(b"axon master key id\x00" + self.key).hexdigest()[:16]

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.key).encrypt(nonce, data_key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        try:
            return AESGCM(self.key).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context)
        except InvalidTag:
            raise SealBroken("A data key does not open under this master key (wrong key, or altered).") from None


def load(key_text: str | None, key_file: Path | None, data_dir: Path) -> LocalMasterKey:
    """The node's master key from the environment, a file, or the data folder (created there once)."""
    if key_text:
        return LocalMasterKey(parse_text(key_text, "AXON_MASTER_KEY"), "AXON_MASTER_KEY")
    if key_file is not None:
        try:
            text = key_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise MasterKeyError(f"AXON_MASTER_KEY_FILE {key_file}: {exc.strerror or exc}") from None
        return LocalMasterKey(parse_text(text, str(key_file)), str(key_file))
    return _in_data_dir(data_dir / DEFAULT_FILE_NAME)


def _in_data_dir(path: Path) -> LocalMasterKey:
    if not path.exists():
        write_secret(path, generate_text() + "\n")
        log.warning("Generated a master key in %s. Anyone who can read the data folder can read the data: "
                    "in production set AXON_MASTER_KEY or AXON_MASTER_KEY_FILE and keep a copy apart from "
                    "backups of the database (docs/security.md).", path)
    return LocalMasterKey(parse_text(path.read_text(encoding="utf-8"), str(path)), str(path))
