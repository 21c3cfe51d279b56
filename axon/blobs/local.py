"""The local-disk ``BlobStore``: objects are files under ``<data_dir>/blobs``.

Publishing is atomic: the content is written (or moved) to a temporary name in the same folder,
fsynced, then renamed over the key's path and the folder fsynced, so a reader (or a node after a
crash) sees no file or the whole one, never a part. Keys are validated (``blobs.check_key``) and
the resolved path is checked to stay under the root, so no key names anything outside it. Reads
go through a worker thread in chunks of at most 1 MiB, so memory stays flat for any size.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from ..services.ports import BlobMissing
from . import check_key

READ_CHUNK = 1024 * 1024
_TEMP_MARK = ".tmp-"


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise ValueError(f"invalid blob key {key!r}")
        return path

    async def put_file(self, key: str, path: Path) -> None:
        target = self._path(key)
        await asyncio.to_thread(_publish, path, target)

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise BlobMissing(key) from None
        try:
            await asyncio.to_thread(handle.seek, start)
            left = None if end is None else max(0, end - start)
            while left is None or left > 0:
                want = READ_CHUNK if left is None else min(READ_CHUNK, left)
                chunk = await asyncio.to_thread(handle.read, want)
                if not chunk:
                    break
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def size(self, key: str) -> int | None:
        try:
            return (await asyncio.to_thread(self._path(key).stat)).st_size
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self._path(key).unlink)

    async def keys(self, prefix: str) -> AsyncIterator[str]:
        check_key(prefix, prefix=True)
        found = await asyncio.to_thread(_walk, self.root, prefix)
        for key in found:
            yield key


def _publish(source: Path, target: Path) -> None:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = target.parent / f"{_TEMP_MARK}{secrets.token_hex(8)}"
    try:
        try:
            os.link(source, temp)  # same filesystem: no copy
            source.unlink()
        except OSError:
            _copy(source, temp)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    _fsync_dir(target.parent)


def _copy(source: Path, temp: Path) -> None:
    with open(source, "rb") as src, open(temp, "xb") as dst:
        while chunk := src.read(READ_CHUNK):
            dst.write(chunk)
    source.unlink()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _walk(root: Path, prefix: str) -> list[str]:
    keys = []
    start = root / prefix.rsplit("/", 1)[0] if "/" in prefix else root  # only the folder the prefix names
    for folder, _, names in os.walk(start):
        for name in names:
            if name.startswith(_TEMP_MARK):
                continue
            key = Path(folder, name).relative_to(root).as_posix()
            if key.startswith(prefix):
                keys.append(key)
    return sorted(keys)
