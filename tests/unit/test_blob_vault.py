"""Blob contents at rest: the local-disk store (atomic, contained) and the segmented AES-GCM vault
(range reads open only what they need; truncation, reordering and moves are detected)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from axon.blobs.local import LocalBlobStore
from axon.services import vault
from axon.services.ports import BlobMissing

KEY = vault.BlobKey.new()
BINDING = b"axon blob\x1fo_1\x1fabc\x1fcontent"


async def _sealed(store: LocalBlobStore, tmp_path: Path, data: bytes, name: str = "blobs/o_1/x") -> str:
    plain = tmp_path / "plain"
    plain.write_bytes(data)
    sealed = tmp_path / "sealed"
    assert vault.seal_file(plain, sealed, KEY.key, KEY.content_prefix, BINDING) == len(data)
    assert sealed.stat().st_size == vault.stored_size(len(data))
    await store.put_file(name, sealed)
    assert not sealed.exists()  # consumed
    return name


async def _read(store: LocalBlobStore, name: str, size: int, start: int = 0, end: int | None = None,
                binding: bytes = BINDING) -> bytes:
    chunks = [c async for c in vault.open_range(store, name, size, KEY.key, KEY.content_prefix, binding, start, end)]
    return b"".join(chunks)


@pytest.mark.parametrize("size", [0, 1, vault.SEGMENT - 1, vault.SEGMENT, vault.SEGMENT + 1, 5 * vault.SEGMENT + 7])
async def test_round_trip_and_ranges(tmp_path: Path, size: int) -> None:
    store = LocalBlobStore(tmp_path / "root")
    data = os.urandom(size)
    name = await _sealed(store, tmp_path, data)
    assert await _read(store, name, size) == data
    for start, end in ((0, 1), (size // 2, size), (vault.SEGMENT - 3, vault.SEGMENT + 3), (size - 1, size)):
        if 0 <= start < end <= size:
            assert await _read(store, name, size, start, end) == data[start:end]


async def test_a_truncated_object_is_refused(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "root")
    size = 3 * vault.SEGMENT
    name = await _sealed(store, tmp_path, os.urandom(size))
    path = store.root / name
    path.write_bytes(path.read_bytes()[:2 * vault.SEALED_SEGMENT])  # a whole segment cut off
    with pytest.raises(vault.BlobBroken):
        await _read(store, name, size)
    with pytest.raises(vault.BlobBroken):  # even believed to be the last one, it was not sealed as last
        await _read(store, name, 2 * vault.SEGMENT)


async def test_reordered_or_altered_segments_or_another_binding_are_refused(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "root")
    size = 2 * vault.SEGMENT + 10
    name = await _sealed(store, tmp_path, os.urandom(size))
    path = store.root / name
    raw = path.read_bytes()
    swapped = raw[vault.SEALED_SEGMENT:2 * vault.SEALED_SEGMENT] + raw[:vault.SEALED_SEGMENT] + raw[
        2 * vault.SEALED_SEGMENT:]
    path.write_bytes(swapped)
    with pytest.raises(vault.BlobBroken):
        await _read(store, name, size)
    path.write_bytes(raw[:5] + bytes([raw[5] ^ 1]) + raw[6:])
    with pytest.raises(vault.BlobBroken):
        await _read(store, name, size, 0, 10)
    path.write_bytes(raw)
    with pytest.raises(vault.BlobBroken):
        await _read(store, name, size, binding=b"axon blob\x1fo_2\x1fabc\x1fcontent")


async def test_keys_cannot_escape_the_root(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "root")
    for bad in ("../outside", "a/../../b", "/etc/passwd", "a//b", "A/b", "a/./b", "", "a/b/"):
        with pytest.raises(ValueError):
            await store.size(bad)
    assert not (tmp_path / "outside").exists()


async def test_missing_objects_and_listing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "root")
    with pytest.raises(BlobMissing):
        [c async for c in store.read("blobs/none")]
    assert await store.size("blobs/none") is None
    await store.delete("blobs/none")  # not an error
    for name in ("staging/up_1/0", "staging/up_1/8", "blobs/o/x"):
        source = tmp_path / "src"
        source.write_bytes(b"12345")
        await store.put_file(name, source)
    assert [k async for k in store.keys("staging/")] == ["staging/up_1/0", "staging/up_1/8"]
    assert b"".join([c async for c in store.read("blobs/o/x", 1, 3)]) == b"23"


def test_the_key_encoding_round_trips() -> None:
    assert vault.BlobKey.decode(KEY.encode()) == KEY
    with pytest.raises(vault.BlobBroken):
        vault.BlobKey.decode("c2hvcnQ=")
