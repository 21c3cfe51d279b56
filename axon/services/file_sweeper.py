"""The file sweeper: removes what nothing refers to any more, safe with several nodes.

Three kinds of leftovers, each found from the database first and removed from the BlobStore only
after the row that named it is gone (so no node ever serves a row whose object was deleted):

- expired uploads (not finished within ``UPLOAD_TTL_MS``, or finished ones past that age): rows and
  staged parts; files no message attached within that time (their blobs lose a reference);
- blobs no file refers to (``refs`` 0) for longer than ``BLOB_GRACE_MS``: the row is deleted only
  if still unreferenced (a finalisation may have claimed it meanwhile), then its objects;
- orphaned objects a crash left between publishing an object and committing its row: staged parts
  of uploads that do not exist and blob objects no row names, older than a day (their names carry
  their creation time).

One node at a time sweeps: the lease ``file-sweeper`` (``job_leases``, as retention does).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from ..domain.files import BLOB_GRACE_MS, UPLOAD_TTL_MS
from ..domain.ids import timestamp_ms
from ..store import files as stored
from ..store import retention as leases
from ..store.tx import Tx
from .core import Core
from .ports import BlobStore

log = logging.getLogger("axon.files")
LEASE = "file-sweeper"
_BATCH = 200


class FileSweeper:
    def __init__(self, core: Core, blobs: BlobStore, node_id: str, lease_seconds: float = 300.0) -> None:
        self.core = core
        self.blobs = blobs
        self.node_id = node_id
        self.lease_ms = int(lease_seconds * 1000)

    async def run(self, interval: float) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # a lost database or store must not end the node's task group
                log.exception("sweeping files failed; trying again in %.0f s", interval)
            await self.core.clock.sleep(interval)

    async def sweep(self) -> dict[str, int]:
        """One round, if this node holds the lease: how many uploads, blobs and orphans went."""
        done = {"uploads": 0, "unsent": 0, "blobs": 0, "orphans": 0}
        if not await self._hold_lease():
            return done
        done["uploads"] = await self._expired_uploads()
        done["unsent"] = await self._unsent_files()
        done["blobs"] = await self._released_blobs()
        done["orphans"] = await self._orphans()
        return done

    async def _hold_lease(self) -> bool:
        def claim(tx: Tx) -> bool:
            return leases.claim_lease(tx.conn, LEASE, self.node_id, tx.now_ms, tx.now_ms + self.lease_ms)

        return bool(await self.core.write(claim))

    async def _expired_uploads(self) -> int:
        count = 0
        while True:
            def expire(tx: Tx) -> list[str]:
                objects: list[str] = []
                for upload_id in stored.expired_uploads(tx.conn, tx.now_ms, _BATCH):
                    objects += stored.delete_upload(tx.conn, upload_id)
                    nonlocal count
                    count += 1
                return objects

            before = count
            for obj in await self.core.write(expire):
                await self._delete(obj)
            if count - before < _BATCH:
                return count

    async def _unsent_files(self) -> int:
        def expire(tx: Tx) -> int:
            found = stored.unsent_files(tx.conn, tx.now_ms - UPLOAD_TTL_MS, _BATCH)
            return len(stored.delete_unsent(tx.conn, found, tx.now_ms))

        count = 0
        while True:
            done = await self.core.write(expire)
            count += done
            if done < _BATCH:
                return count

    async def _released_blobs(self) -> int:
        cutoff = self.core.clock.now_ms() - BLOB_GRACE_MS
        found = await self.core.read(lambda c: stored.released_blobs(c, cutoff, _BATCH))
        count = 0
        for blob in found:
            gone = await self.core.write(lambda tx, b=blob: stored.delete_released_blob(tx.conn, b["org_id"],
                                                                                         b["sha256"]))
            if gone:
                count += 1
                await self._delete(blob["object"])
                if blob["thumb_size"] is not None:
                    await self._delete(blob["object"] + ".thumb")
        return count

    async def _orphans(self) -> int:
        """Objects older than a day that no row names, looked up a page of keys at a time."""
        old = self.core.clock.now_ms() - UPLOAD_TTL_MS
        count = 0
        for prefix, named in (("staging/", _upload_of), ("blobs/", lambda key: key.removesuffix(".thumb"))):
            page: list[str] = []
            async for key in self.blobs.keys(prefix):
                if _made_before(named(key), old):
                    page.append(key)
                if len(page) == _BATCH:
                    count += await self._delete_unnamed(page, prefix, named)
                    page = []
            count += await self._delete_unnamed(page, prefix, named)
        return count

    async def _delete_unnamed(self, keys: list[str], prefix: str, named: Callable[[str], str]) -> int:
        if not keys:
            return 0
        names = [named(k) for k in keys]
        lookup = stored.known_uploads if prefix == "staging/" else stored.known_objects
        known = await self.core.read(lambda c: lookup(c, names))
        gone = [key for key, name in zip(keys, names, strict=True) if name not in known]
        for key in gone:
            await self._delete(key)
        return len(gone)

    async def _delete(self, key: str) -> None:
        with contextlib.suppress(Exception):
            await self.blobs.delete(key)


def _upload_of(key: str) -> str:
    """The upload a staged part belongs to (``staging/<upload>/<offset>.<part id>``)."""
    parts = key.split("/")
    return parts[1] if len(parts) == 3 else ""


def _made_before(key: str, cutoff_ms: int) -> bool:
    """Whether the object named ``key`` (its last part ends with an id) was made before ``cutoff_ms``."""
    made = timestamp_ms(key.rsplit(".", 1)[-1])
    return made is not None and made < cutoff_ms
