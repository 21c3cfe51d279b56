"""Sealing stored values: AES-256-GCM under each organisation's data key (format in ``domain.sealing``).

The ``Keyring`` holds the data keys unwrapped in memory, which key is each organisation's
active one, and which organisation each conversation and user belongs to (both never change,
so they are cached). It travels with the database's connections (``keyring_of``): every store
function that writes or reads a sealed column finds it there, so callers need not pass it.

Costs are per value, not per reader: a value is sealed once when its row is written and opened
once when a page of rows is read; live delivery uses the plaintext already in memory.

Keys another node created (an organisation made there, a rotation run from the shell) are
loaded on first sight of their id; which key is active is re-read every few seconds
(``refresh_active``), and until then a node seals under the previous key, which stays
readable until a re-encryption has verified that no row uses it any more.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection

from ..domain.sealing import (
    DATA_KEY_BYTES,
    KEY_ID_CHARS,
    NONCE_BYTES,
    PREFIX,
    MasterKey,
    SealBroken,
    is_sealed,
    parse,
)
from . import data_keys

_KEYRING = "axon.keyring"
_PREFIX = PREFIX
_KEY_START = len(PREFIX)
_PAYLOAD_START = _KEY_START + KEY_ID_CHARS
_MAX_CACHED_ROWS = 500_000
_MAX_CACHED_OPENED = 100_000


def wrap_context(org_id: str, key_id: str) -> bytes:
    """What a wrapped data key is bound to: it cannot be moved to another organisation or id."""
    return f"axon data key\x1f{org_id}\x1f{key_id}".encode()


def new_key_id() -> str:
    return os.urandom(KEY_ID_CHARS // 2).hex()


class Keyring:
    def __init__(self, master: MasterKey | None) -> None:
        self.master = master  # None: sealing is off (store tests that build a bare database)
        self._ciphers: dict[str, AESGCM] = {}
        self._active: dict[str, str] = {}
        self._plaintext_refused: set[str] = set()  # organisations whose rows are all sealed
        self._org_of_conversation: dict[str, str] = {}
        self._org_of_user: dict[str, str] = {}
        self._opened: dict[tuple[bytes, str], str] = {}

    @property
    def enabled(self) -> bool:
        return self.master is not None

    # --- keys -------------------------------------------------------------------------

    def load_all(self, conn: Connection) -> None:
        """Unwrap every usable data key (at start, and to pick up other nodes' changes)."""
        for row in data_keys.usable(conn):
            self._install(row)
        self.refresh_active(conn)

    def refresh_active(self, conn: Connection) -> None:
        self._active = data_keys.active_ids(conn)
        self._plaintext_refused = data_keys.orgs_all_sealed(conn)

    def create_key(self, conn: Connection, org_id: str, now_ms: int, *, all_sealed: bool,
                   seal_now: bool = False) -> str:
        """A new active data key for ``org_id``, stored wrapped in this transaction; the previous active
        key is kept, "retiring", for the rows still sealed under it.

        ``seal_now`` (a new organisation, whose first rows this same transaction writes): this node
        seals under it at once. If that transaction rolls back, nothing can be sealed under the key
        by mistake: the organisation does not exist either, and its id is never used again. Else
        the key is used once committed, from ``refresh_active``: a rotation that rolled back must
        not leave values sealed under a key that was never stored.
        """
        master = self._require_master()
        key_id = new_key_id()
        key = AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)
        wrapped = master.wrap(key, wrap_context(org_id, key_id))
        data_keys.add(conn, key_id, org_id, base64.b64encode(wrapped).decode(), master.key_id, now_ms,
                         now_ms if all_sealed else None)
        self._ciphers[key_id] = AESGCM(key)
        if seal_now:
            self._active[org_id] = key_id
            if all_sealed:
                self._plaintext_refused.add(org_id)
        return key_id

    def active_key_id(self, conn: Connection, org_id: str) -> str:
        key_id = self._active.get(org_id)
        if key_id is None:
            self.refresh_active(conn)
            key_id = self._active.get(org_id)
            if key_id is None:
                raise SealBroken(f"Organisation {org_id} has no data key.")
        return key_id

    def _cipher(self, conn: Connection, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            row = data_keys.get(conn, key_id)
            if row is None or not row["wrapped"]:
                raise SealBroken("A stored value is sealed under a data key that does not exist (any more).")
            cipher = self._install(row)
        return cipher

    def unwrap(self, row: data_keys.Row) -> bytes:
        """The data key of a ``data_keys`` row, unwrapped by the master key."""
        master = self._require_master()
        return master.unwrap(base64.b64decode(row["wrapped"]), wrap_context(row["org_id"], row["id"]))

    def _install(self, row: data_keys.Row) -> AESGCM:
        cipher = self._ciphers[row["id"]] = AESGCM(self.unwrap(row))
        return cipher

    def forget(self, key_id: str) -> None:
        self._ciphers.pop(key_id, None)

    def _require_master(self) -> MasterKey:
        if self.master is None:
            raise SealBroken("Sealed data needs a master key, and this database was opened without one.")
        return self.master

    # --- rows' organisations ------------------------------------------------------------

    def orgs_of_conversations(self, conn: Connection, ids: Iterable[str]) -> dict[str, str]:
        return self._orgs_of(conn, ids, self._org_of_conversation, data_keys.orgs_of_conversations)

    def orgs_of_users(self, conn: Connection, ids: Iterable[str]) -> dict[str, str]:
        return self._orgs_of(conn, ids, self._org_of_user, data_keys.orgs_of_users)

    def org_of_conversation(self, conn: Connection, conversation_id: str) -> str:
        return self.orgs_of_conversations(conn, (conversation_id,))[conversation_id]

    def org_of_user(self, conn: Connection, user_id: str) -> str:
        return self.orgs_of_users(conn, (user_id,))[user_id]

    @staticmethod
    def _orgs_of(conn: Connection, ids: Iterable[str], cache: dict[str, str],
                 load: data_keys.OrgLookup) -> dict[str, str]:
        wanted = set(ids)
        missing = wanted - cache.keys()
        if missing:
            if len(cache) > _MAX_CACHED_ROWS:
                cache.clear()
            cache.update(load(conn, sorted(missing)))
            if not missing <= cache.keys():
                raise LookupError(f"no organisation for {sorted(missing - cache.keys())[:3]}")
        return {i: cache[i] for i in wanted}

    def learn_conversation(self, conversation_id: str, org_id: str) -> None:
        """A row written in this transaction: its organisation, before any query could find it."""
        self._org_of_conversation[conversation_id] = org_id

    def learn_user(self, user_id: str, org_id: str) -> None:
        self._org_of_user[user_id] = org_id

    # --- values -------------------------------------------------------------------------

    def seal(self, conn: Connection, org_id: str, binding: bytes, text: str) -> str:
        """``text`` sealed under the organisation's active key; "" stays "" (it hides nothing)."""
        if not text or self.master is None:
            return text
        key_id = self.active_key_id(conn, org_id)
        return self.seal_with(conn, key_id, binding, text)

    def seal_with(self, conn: Connection, key_id: str, binding: bytes, text: str) -> str:
        cipher = self._ciphers.get(key_id) or self._cipher(conn, key_id)
        nonce = os.urandom(NONCE_BYTES)
        sealed = cipher.encrypt(nonce, text.encode(), binding)
        return _PREFIX + key_id + binascii.b2a_base64(nonce + sealed, newline=False).decode("ascii")

    def open(self, conn: Connection, org_id: str, binding: bytes, stored: str) -> str:
        """The plaintext of a stored value, or ``SealBroken`` if it was altered or moved."""
        if not is_sealed(stored):
            if stored and org_id in self._plaintext_refused:
                raise SealBroken("A stored value is plaintext where only sealed values can be.")
            return stored
        if not stored.startswith(_PREFIX):
            parse(stored)  # refuses an unknown format with a clear message
        key_id = stored[_KEY_START:_PAYLOAD_START]
        cipher = self._ciphers.get(key_id) or self._cipher(conn, key_id)
        try:
            # Not strict: GCM authenticates every byte, so any change is refused below anyway,
            # and the strict decoder costs half as much again (this runs for every row read).
            raw = binascii.a2b_base64(stored[_PAYLOAD_START:])
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], binding).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise SealBroken("A stored value failed its integrity check: it was altered or moved "
                             "from another row.") from None


    def plain_only(self, stored: Iterable[str]) -> bool:
        """True when sealing is off and none of ``stored`` is sealed: they can be served as they are
        (with sealing off, a sealed value is refused by ``open``)."""
        return self.master is None and not any(is_sealed(value) for value in stored)

    def open_cached(self, conn: Connection, org_id: str, binding: bytes, stored: str) -> str:
        """``open`` for small values read on every request (topics, profile fields): each distinct
        stored value of a row is opened once. The binding is part of the cache key, so a value
        moved to another row is still checked (and refused)."""
        if not is_sealed(stored):
            return self.open(conn, org_id, binding, stored)
        key = (binding, stored)
        text = self._opened.get(key)
        if text is None:
            if len(self._opened) > _MAX_CACHED_OPENED:
                self._opened.clear()
            text = self._opened[key] = self.open(conn, org_id, binding, stored)
        return text


DISABLED = Keyring(None)


def attach(conn: Connection, keyring: Keyring) -> None:
    conn.info[_KEYRING] = keyring


def keyring_of(conn: Connection) -> Keyring:
    keyring: Keyring = conn.info.get(_KEYRING, DISABLED)
    return keyring
