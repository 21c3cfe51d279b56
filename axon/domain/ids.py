"""Identifiers: short, hard-to-guess, time-sortable strings with a type prefix.

A prefix (``u_`` user, ``c_`` conversation, ``m_`` message...) makes a pasted id
self-describing in logs and support tickets. The body is 48 bits of milliseconds
followed by 64 random bits, Crockford base32, so ids sort by creation time and
reveal nothing about how many exist (unlike sequential integers).
"""

from __future__ import annotations

import os
import random
import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

PREFIXES = {
    "org": "o",
    "user": "u",
    "device": "d",
    "conversation": "c",
    "message": "m",
    "invite": "i",
}


def _b32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


# Ids are not secrets (every access is authorised), so their random part comes from a
# generator seeded once from the OS: one urandom syscall per id cost a tenth of the
# CPU of a send burst. Secrets (tokens) still come from ``secrets``.
_random = random.Random(os.urandom(32))


def new_id(kind: str, now_ms: int) -> str:
    body = (now_ms & ((1 << 48) - 1)) << 64 | _random.getrandbits(64)
    return f"{PREFIXES[kind]}_{_b32(body, 23)}"


def new_token() -> str:
    """A bearer secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)
