"""Encryption at rest: the node's data keys, master-key rotation and re-encryption jobs.

``start`` (before the node serves) unwraps every data key and gives organisations from before
encryption a key and a "legacy" job that seals their plaintext rows. ``run`` is the background
task: it re-reads which key is active every ``refresh_interval`` seconds (another node or the
shell may have rotated one) and advances unfinished jobs in bounded batches through the
group-commit writer, so reads and sends go on throughout.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.sealing import MasterKey
from ..store import data_keys
from ..store.database import Conn
from ..store.reseal import BatchResult, reseal_batch
from ..store.sealing import Keyring, wrap_context
from ..store.tx import Tx
from .core import Core

log = logging.getLogger("axon.encryption")

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class JobProgress:
    org_id: str
    key_id: str
    reason: str
    done: int
    total: int
    passes: int
    finished_at: int | None


def progress_of(job: Row) -> JobProgress:
    return JobProgress(job["org_id"], job["key_id"], job["reason"], int(job["done"]), int(job["total"]),
                       int(job["passes"]), job["finished_at"])


class Encryption:
    def __init__(self, core: Core, keyring: Keyring, *, batch_rows: int = 500, refresh_interval: float = 5.0) -> None:
        self.core = core
        self.keyring = keyring
        self.batch_rows = batch_rows
        self.refresh_interval = refresh_interval

    @property
    def grace_ms(self) -> int:
        """How long after a rotation every node is sure to seal under the new key."""
        return int(3 * self.refresh_interval * 1000)

    async def start(self) -> None:
        await self.core.read(self.keyring.load_all)
        legacy = await self.core.read(data_keys.orgs_without_key)
        for org_id in legacy:
            await self.core.write(lambda tx, org_id=org_id: self._begin(tx, org_id, "legacy"))
            log.info("organisation %s: sealing its existing rows in the background", org_id)

    async def run(self) -> None:
        """Keep the active keys fresh and move unfinished jobs on, until cancelled."""
        while True:
            await self.core.read(self.keyring.refresh_active)
            for job in await self.core.read(data_keys.unfinished_jobs):
                await self.finish_job(job["org_id"])
            await self.core.clock.sleep(self.refresh_interval)

    async def finish_job(self, org_id: str, on_batch: Callable[[JobProgress], None] | None = None) -> None:
        """Advance the organisation's job batch by batch until it is finished (or another node has it)."""
        while True:
            result: BatchResult | None = await self.core.write(
                lambda tx: reseal_batch(tx.conn, org_id, self.batch_rows, tx.now_ms, self.grace_ms))
            job = await self.core.read(lambda c: data_keys.job(c, org_id))
            if on_batch is not None and job is not None:
                on_batch(progress_of(job))
            if result is None or result.finished:
                return
            if result.looked_at == 0 and result.resealed == 0 and job is not None and job["step"] == 0:
                # A verification walk that must wait for the other nodes to switch keys.
                await self.core.clock.sleep(min(self.refresh_interval, 1.0))

    async def rotate_data_key(self, org_id: str) -> JobProgress:
        """A new data key for the organisation (new values sealed under it at once) and a job that
        re-encrypts its rows; an unfinished job is resumed instead of starting another."""
        def begin(tx: Tx) -> Row:
            job = data_keys.job(tx.conn, org_id)
            if job is not None and job["finished_at"] is None:
                return job
            return self._begin(tx, org_id, "rotation")

        return progress_of(await self.core.write(begin))

    def _begin(self, tx: Tx, org_id: str, reason: str) -> Row:
        key_id = self.keyring.create_key(tx.conn, org_id, tx.now_ms, all_sealed=False)
        data_keys.start_job(tx.conn, org_id, key_id, reason, data_keys.count_rows(tx.conn, org_id), tx.now_ms)
        job = data_keys.job(tx.conn, org_id)
        assert job is not None
        return job

    async def rewrap_all(self, new_master: MasterKey) -> int:
        """Wrap every usable data key under ``new_master`` (one transaction); returns how many."""
        def rewrap(tx: Tx) -> int:
            rows = data_keys.usable(tx.conn)
            for row in rows:
                context = wrap_context(row["org_id"], row["id"])
                old = self.keyring.unwrap(row)
                wrapped = base64.b64encode(new_master.wrap(old, context)).decode()
                data_keys.rewrap(tx.conn, row["id"], wrapped, new_master.key_id)
            return len(rows)

        return await self.core.write(rewrap)

    async def status(self) -> tuple[list[Row], list[JobProgress]]:
        def load(conn: Conn) -> tuple[list[Row], list[JobProgress]]:
            keys = [{k: v for k, v in row.items() if k != "wrapped"} for row in data_keys.of_all(conn)]
            return keys, [progress_of(j) for j in data_keys.jobs(conn)]

        return await self.core.read(load)
