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
    "hold": "h",  # a legal hold
    "file": "f",
    "upload": "up",
    "part": "p",
    "blob": "b",
    "search": "s",  # a recent search
    "calendar_event": "ev",
    "reminder": "rm",  # an @axon reminder
}


# Two digits per lookup (10 bits) instead of a Python loop per digit: ids are made on the send
# path, and the per-digit loop was a few percent of a send burst's CPU.
_PAIRS = [_ALPHABET[i >> 5] + _ALPHABET[i & 31] for i in range(1024)]
_SHIFTS: dict[int, tuple[int, ...]] = {}


def _b32(value: int, length: int) -> str:
    """The low ``5 * length`` bits of ``value``, most significant first, in Crockford base32."""
    shifts = _SHIFTS.get(length)
    if shifts is None:
        shifts = _SHIFTS[length] = tuple(range(10 * ((length + 1) // 2 - 1), -1, -10))
    text = "".join([_PAIRS[(value >> shift) & 1023] for shift in shifts])
    return text[len(text) - length:]


# Ids are not secrets (every access is authorised), so their random part comes from a
# generator seeded once from the OS: one urandom syscall per id cost a tenth of the
# CPU of a send burst. Secrets (tokens) still come from ``secrets``.
_random = random.Random(os.urandom(32))


def _reseed() -> None:
    _random.seed(os.urandom(32))


# A forked process (worker processes sharing one start-up, the tests' node zygote) must not replay its
# parent's sequence: two nodes forked from one parent made the same ids and collided on insert.
os.register_at_fork(after_in_child=_reseed)


def new_id(kind: str, now_ms: int) -> str:
    body = (now_ms & ((1 << 48) - 1)) << 64 | _random.getrandbits(64)
    return f"{PREFIXES[kind]}_{_b32(body, 23)}"


def new_token() -> str:
    """A bearer secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


_DIGITS = {c: i for i, c in enumerate(_ALPHABET)}


def timestamp_ms(value: str) -> int | None:
    """When the id ``value`` was made (its first 48 bits); None if it is not an id."""
    _, _, body = value.partition("_")
    if len(body) != 23 or any(c not in _DIGITS for c in body):
        return None
    number = 0
    for c in body:
        number = number * 32 + _DIGITS[c]
    return number >> 64
