"""Argon2id password hashing, off the event loop (a hash costs tens of milliseconds)."""

from __future__ import annotations

import asyncio
import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..domain.accounts import check_password_strength


class Passwords:
    def __init__(self, time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 2) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        # Verified against when the account does not exist, so a miss costs as much as a wrong password.
        self._dummy = self._hasher.hash("not-a-real-password")

    async def hash(self, password: str, *personal: str | None) -> str:
        """Hash a new password, refused first if it is weak (``personal``: the account's own words)."""
        check_password_strength(password, *personal)
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        # No hash (an unknown account) or an empty one (an account that signs in only through single
        # sign-on): checked against the dummy for the same cost, and never a match.
        return await asyncio.to_thread(self._verify, stored_hash or self._dummy, password, bool(stored_hash))

    def _verify(self, stored_hash: str, password: str, real: bool) -> bool:
        try:
            self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return real


def token_hash(token: str) -> str:
    """Device tokens are 256 random bits: a plain SHA-256 is the right (fast) hash for them."""
    return hashlib.sha256(token.encode()).hexdigest()
