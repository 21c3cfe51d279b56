"""Encryption of file contents at rest: segmented AES-256-GCM, so a ``Range`` read decrypts only
the segments it needs and any truncation, reordering or change is detected.

A content is cut into segments of 64 KiB; each is sealed with the blob's own key under the nonce
``prefix (8 random bytes) || segment number (4 bytes)``, and the associated data binds it to its
blob (organisation, SHA-256, rendition) and says whether it is the last segment. A segment moved to
another place, an object cut short (its new last segment was not sealed as last) or extended all
fail to open. The stored object is the concatenation of the sealed segments: ``stored_size``.

The per-blob key and its prefixes are random, made when the content is first stored, and kept in
the database sealed by the organisation's data key (``blobs.key``, ``store/sealed_columns.py``), so
a key rotation re-wraps them and the master key never touches file contents directly.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..domain.sealing import SealBroken
from .ports import BlobStore

SEGMENT = 64 * 1024
TAG = 16
SEALED_SEGMENT = SEGMENT + TAG
KEY_BYTES = 32
PREFIX_BYTES = 8
_MAX_SEGMENTS = 1 << 32


class BlobBroken(SealBroken):
    """A stored file failed its integrity check (altered, truncated, or sealed under another key)."""


@dataclass(frozen=True, slots=True)
class BlobKey:
    """A content key and the nonce prefixes of the renditions sealed under it."""

    key: bytes
    content_prefix: bytes
    thumb_prefix: bytes

    @classmethod
    def new(cls) -> BlobKey:
        return cls(AESGCM.generate_key(bit_length=KEY_BYTES * 8), os.urandom(PREFIX_BYTES), os.urandom(PREFIX_BYTES))

    def encode(self) -> str:
        return base64.b64encode(self.key + self.content_prefix + self.thumb_prefix).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> BlobKey:
        raw = base64.b64decode(text)
        if len(raw) != KEY_BYTES + 2 * PREFIX_BYTES:
            raise BlobBroken("A stored file key has the wrong length.")
        return cls(raw[:KEY_BYTES], raw[KEY_BYTES:KEY_BYTES + PREFIX_BYTES], raw[KEY_BYTES + PREFIX_BYTES:])


def segments(size: int) -> int:
    return max(1, -(-size // SEGMENT))


def stored_size(size: int) -> int:
    return size + segments(size) * TAG


def _nonce(prefix: bytes, index: int) -> bytes:
    if index >= _MAX_SEGMENTS:
        raise ValueError("content too large for one key")
    return prefix + index.to_bytes(4, "big")


def _aad(binding: bytes, last: bool) -> bytes:
    return binding + (b"\x1flast" if last else b"\x1fmore")


class SegmentWriter:
    """Seals a plaintext stream into ``out``, segment by segment (the last one on ``close``)."""

    def __init__(self, out: BinaryIO, key: bytes, prefix: bytes, binding: bytes) -> None:
        self._out = out
        self._cipher = AESGCM(key)
        self._prefix = prefix
        self._binding = binding
        self._buffer = bytearray()
        self._index = 0
        self.plain_bytes = 0

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.plain_bytes += len(data)
        while len(self._buffer) > SEGMENT:  # more follows, so this one is not the last
            self._emit(bytes(self._buffer[:SEGMENT]), last=False)
            del self._buffer[:SEGMENT]

    def close(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _emit(self, plain: bytes, last: bool) -> None:
        nonce = _nonce(self._prefix, self._index)
        self._out.write(self._cipher.encrypt(nonce, plain, _aad(self._binding, last)))
        self._index += 1


def seal_file(source: Path, target: Path, key: bytes, prefix: bytes, binding: bytes) -> int:
    """Seal the file ``source`` into ``target`` (blocking: run in a worker thread); its plain size."""
    with open(source, "rb") as src, open(target, "wb") as out:
        writer = SegmentWriter(out, key, prefix, binding)
        while chunk := src.read(1024 * 1024):
            writer.write(chunk)
        writer.close()
        return writer.plain_bytes


def seal_bytes(data: bytes, key: bytes, prefix: bytes, binding: bytes) -> bytes:
    cipher = AESGCM(key)
    count = segments(len(data))
    return b"".join(cipher.encrypt(_nonce(prefix, i), data[i * SEGMENT:(i + 1) * SEGMENT],
                                   _aad(binding, i == count - 1)) for i in range(count))


async def open_range(store: BlobStore, object_key: str, size: int, key: bytes, prefix: bytes, binding: bytes,
                     start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
    """The plaintext bytes ``[start, end)`` of a sealed object of ``size`` plain bytes, reading and
    opening only the segments that hold them. Raises ``BlobBroken`` on any integrity failure."""
    end = size if end is None else min(end, size)
    if start >= end:
        if size == 0:  # an empty content is one sealed empty segment: check it is there and whole
            await _check_empty(store, object_key, key, prefix, binding)
        return
    cipher = AESGCM(key)
    count = segments(size)
    first, last = start // SEGMENT, (end - 1) // SEGMENT
    index = first
    pending = bytearray()
    async for chunk in store.read(object_key, first * SEALED_SEGMENT, min(stored_size(size),
                                                                          (last + 1) * SEALED_SEGMENT)):
        pending += chunk
        while len(pending) >= SEALED_SEGMENT or (index == count - 1 and len(pending) >= _last_len(size)):
            length = SEALED_SEGMENT if index < count - 1 else _last_len(size)
            plain = _open(cipher, prefix, binding, index, bytes(pending[:length]), index == count - 1)
            del pending[:length]
            yield _slice(plain, index, start, end)
            index += 1
            if index > last:
                return
    raise BlobBroken("A stored file is shorter than its recorded size.")


def _last_len(size: int) -> int:
    return size - (segments(size) - 1) * SEGMENT + TAG


def _slice(plain: bytes, index: int, start: int, end: int) -> bytes:
    base = index * SEGMENT
    return plain[max(0, start - base):max(0, min(len(plain), end - base))]


def _open(cipher: AESGCM, prefix: bytes, binding: bytes, index: int, sealed: bytes, last: bool) -> bytes:
    try:
        return cipher.decrypt(_nonce(prefix, index), sealed, _aad(binding, last))
    except InvalidTag:
        raise BlobBroken("A stored file failed its integrity check (altered, truncated or moved).") from None


async def _check_empty(store: BlobStore, object_key: str, key: bytes, prefix: bytes, binding: bytes) -> None:
    sealed = b"".join([chunk async for chunk in store.read(object_key)])
    _open(AESGCM(key), prefix, binding, 0, sealed, True)


def open_all(sealed: bytes, key: bytes, prefix: bytes, binding: bytes) -> Iterable[bytes]:
    """The plaintext of a whole sealed object held in memory (a staged chunk: at most 8 MiB)."""
    cipher = AESGCM(key)
    count = max(1, -(-len(sealed) // SEALED_SEGMENT))
    for i in range(count):
        yield _open(cipher, prefix, binding, i, sealed[i * SEALED_SEGMENT:(i + 1) * SEALED_SEGMENT], i == count - 1)
