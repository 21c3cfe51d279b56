"""Blind terms: each organisation's search key and the keyed hashes the index stores instead of words.

When encryption at rest is on, each organisation's terms are stored as HMAC-SHA256 under a random
per-organisation key (wrapped by the master key), truncated to 80 bits, in hex: the index holds no
word. Queries hash their terms the same way. ``SearchKeys`` is None for everyone when encryption at
rest is off (plain terms). See docs/security.md, "Search over encrypted data".
"""

from __future__ import annotations

import base64
import hmac
import os
from collections.abc import Iterable
from typing import Any

from ..domain.sealing import MasterKey
from ..domain.search_terms import QueryTerm
from ..store import search_index as store
from ..store.tx import Tx
from .core import Core

BLIND_BYTES = 10  # 80 bits of HMAC-SHA256: 20 hex digits a term
_KEY_BYTES = 32


def key_context(org_id: str) -> bytes:
    """What a wrapped search key is bound to: it cannot be moved to another organisation."""
    return f"axon search key\x1f{org_id}".encode()


class Blinder:
    """Terms to keyed hashes under one organisation's search key."""

    __slots__ = ("_key", "_cache")

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[str, str] = {}

    def term(self, term: str) -> str:
        hashed = self._cache.get(term)
        if hashed is None:
            hashed = hmac.digest(self._key, term.encode(), "sha256")[:BLIND_BYTES].hex()
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[term] = hashed
        return hashed

    def terms(self, terms: Iterable[str]) -> tuple[str, ...]:
        """Hashed and sorted: the stored order says nothing about the order of the words."""
        return tuple(sorted(self.term(t) for t in terms))

    def query_term(self, q: QueryTerm) -> QueryTerm:
        return QueryTerm(self.term(q.term), tuple(self.term(p) for p in q.parts))


class SearchKeys:
    """Each organisation's search key: made on first use, stored wrapped by the master key, kept
    unwrapped in memory. None for everyone when encryption at rest is off (plain terms)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._blinders: dict[str, Blinder] = {}

    @property
    def enabled(self) -> bool:
        return self.core.db.keyring.enabled

    async def blinder(self, org_id: str) -> Blinder | None:
        if not self.enabled:
            return None
        found = self._blinders.get(org_id)
        if found is not None:
            return found
        row = await self.core.read(lambda c: store.key_of(c, org_id))
        if row is None:
            master = self.core.db.keyring.master
            assert master is not None
            wrapped = base64.b64encode(master.wrap(os.urandom(_KEY_BYTES), key_context(org_id))).decode()
            await self.core.write(lambda tx: store.add_key(tx.conn, org_id, wrapped, master.key_id, tx.now_ms))
            row = await self.core.read(lambda c: store.key_of(c, org_id))  # ours, or the one another node made
            assert row is not None
        found = self._blinders[org_id] = Blinder(self._unwrap(row))
        return found

    def _unwrap(self, row: dict[str, Any]) -> bytes:
        master = self.core.db.keyring.master
        assert master is not None
        return master.unwrap(base64.b64decode(row["wrapped"]), key_context(row["org_id"]))



def rewrap_search_keys(tx: Tx, old_master: MasterKey, new_master: MasterKey) -> int:
    """Wrap every organisation's search key under ``new_master`` (in the transaction of the master
    key's rotation, ``axon keys rotate --to``); returns how many. The keys themselves do not change:
    that would need every organisation re-indexed."""
    rows = store.all_keys(tx.conn)
    for row in rows:
        context = key_context(row["org_id"])
        key = old_master.unwrap(base64.b64decode(row["wrapped"]), context)
        store.rewrap_key(tx.conn, row["org_id"], base64.b64encode(new_master.wrap(key, context)).decode(),
                         new_master.key_id)
    return len(rows)
