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
from dataclasses import dataclass, replace
from typing import Any

from ..domain import audit as actions
from ..domain import policy
from ..domain.audit import SYSTEM_CHAIN, AuditActor, AuditEvent
from ..domain.clock import iso_from_ms
from ..domain.model import Actor
from ..domain.sealing import SealBroken
from ..protocol.rest_security import DataKey, EncryptionStatus, Reencryption
from ..store import accounts, data_keys
from ..store.database import Conn
from ..store.reseal import BatchResult, reseal_batch
from ..store.sealing import Keyring, wrap_context
from ..store.tx import Tx
from .core import Core
from .ports import MasterKey
from .search_keys import rewrap_search_keys

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
        try:
            await self.core.read(self.keyring.load_all)
        except SealBroken as exc:
            master = self.keyring.master.key_id if self.keyring.master is not None else "none"
            raise SealBroken(f"The data keys in the database do not open under this node's master key ({master}). "
                             "Every node of a database needs the same AXON_MASTER_KEY or AXON_MASTER_KEY_FILE "
                             "(docs/security.md).") from exc
        legacy = await self.core.read(data_keys.orgs_without_key)
        for org_id in legacy:
            if await self.core.write(lambda tx, org_id=org_id: self._begin_legacy(tx, org_id)):
                log.info("organisation %s: sealing its existing rows in the background", org_id)
        await self.core.read(self.keyring.refresh_active)  # the keys just committed

    def _begin_legacy(self, tx: Tx, org_id: str) -> bool:
        accounts.lock_org(tx.conn, org_id)  # nodes starting together: one of them gives it its key
        if data_keys.of_org(tx.conn, org_id):
            return False
        job = self._begin(tx, org_id, "legacy")
        self.core.audit.record(tx, AuditEvent(org_id, actions.KEYS_SEALING_STARTED, AuditActor.system(), "key",
                                              job["key_id"], {"rows": int(job["total"])}))
        return True

    async def run(self) -> None:
        """Keep the active keys fresh and move unfinished jobs on, until cancelled."""
        while True:
            try:
                await self.core.read(self.keyring.refresh_active)
                for job in await self.core.read(data_keys.unfinished_jobs):
                    await self.finish_job(job["org_id"])
            except Exception:
                # A database hiccup, or a row that fails its integrity check (the job stops there
                # until an operator looks): the node keeps serving, and this is tried again.
                log.exception("encryption at rest: refreshing keys or re-encrypting failed; retrying")
            await self.core.clock.sleep(self.refresh_interval)

    async def finish_job(self, org_id: str, on_batch: Callable[[JobProgress], None] | None = None) -> None:
        """Advance the organisation's job batch by batch until it is finished (or another node has it)."""
        while True:
            result: BatchResult | None = await self.core.write(lambda tx: self._batch(tx, org_id))
            job = await self.core.read(lambda c: data_keys.job(c, org_id))
            if on_batch is not None and job is not None:
                on_batch(progress_of(job))
            if result is None or result.finished or job is None:
                return
            if job["step"] == 0 and not job["cursor"] and job["passes"] > 0:
                # Another walk is due: give every node time to switch to the new key before it.
                await self.core.clock.sleep(self.refresh_interval)

    def _batch(self, tx: Tx, org_id: str) -> BatchResult | None:
        result = reseal_batch(tx.conn, org_id, self.batch_rows, tx.now_ms, self.grace_ms)
        if result is not None and result.finished:  # recorded with the batch that retired the old keys
            job = data_keys.job(tx.conn, org_id)
            assert job is not None
            self.core.audit.record(tx, AuditEvent(org_id, actions.KEYS_REENCRYPTED, AuditActor.system(), "key",
                                                  job["key_id"], {"reason": job["reason"], "rows": int(job["done"]),
                                                                  "walks": int(job["passes"]) + 1}))
        return result

    async def rotate_data_key(self, actor: Actor) -> JobProgress:
        """A new data key for the actor's organisation (new values sealed under it at once) and a job
        that re-encrypts its rows; an unfinished job is resumed instead of starting another."""
        policy.check_org_admin(actor)
        event = self.core.audit.event(actor, actions.KEYS_ROTATED, "key")
        org_id = actor.org_id

        def begin(tx: Tx) -> Row:
            accounts.lock_org(tx.conn, org_id)
            job = data_keys.job(tx.conn, org_id)
            if job is not None and job["finished_at"] is None:
                return job
            previous = [k["id"] for k in data_keys.of_org(tx.conn, org_id) if k["state"] != "retired"]
            job = self._begin(tx, org_id, "rotation")
            self.core.audit.record(tx, replace(event, target_id=job["key_id"]).with_details(previous=previous))
            return job

        job = progress_of(await self.core.write(begin))
        await self.core.read(self.keyring.refresh_active)  # committed: seal under the new key from now on
        return job

    def _begin(self, tx: Tx, org_id: str, reason: str) -> Row:
        key_id = self.keyring.create_key(tx.conn, org_id, tx.now_ms, all_sealed=False)
        data_keys.start_job(tx.conn, org_id, key_id, reason, data_keys.count_rows(tx.conn, org_id), tx.now_ms)
        job = data_keys.job(tx.conn, org_id)
        assert job is not None
        return job

    async def rewrap_all(self, new_master: MasterKey) -> int:
        """Wrap every usable data key under ``new_master`` (one transaction); returns how many."""
        old = self.keyring.master.key_id if self.keyring.master is not None else ""
        event = AuditEvent(SYSTEM_CHAIN, actions.KEYS_MASTER_ROTATED, self.core.audit.actor(None, "shell"),
                           "key", new_master.key_id, {"previous": old})

        def rewrap(tx: Tx) -> int:
            rows = data_keys.usable(tx.conn)
            for row in rows:
                context = wrap_context(row["org_id"], row["id"])
                old = self.keyring.unwrap(row)
                wrapped = base64.b64encode(new_master.wrap(old, context)).decode()
                data_keys.rewrap(tx.conn, row["id"], wrapped, new_master.key_id)
            searched = 0
            if self.keyring.master is not None:
                searched = rewrap_search_keys(tx, self.keyring.master, new_master)
            self.core.audit.record(tx, event.with_details(data_keys=len(rows), search_keys=searched))
            return len(rows)

        return await self.core.write(rewrap)

    async def org_status(self, actor: Actor) -> EncryptionStatus:
        """What an organisation's admins see: its keys and its latest re-encryption."""
        policy.check_org_admin(actor)

        def load(conn: Conn) -> EncryptionStatus:
            keys = [DataKey(k["id"], k["state"], k["master_key_id"], iso_from_ms(k["created_at"]),
                            iso_from_ms(k["retired_at"])) for k in data_keys.of_org(conn, actor.org_id)]
            job = data_keys.job(conn, actor.org_id)
            return EncryptionStatus(keys, None if job is None else Reencryption(
                job["key_id"], job["reason"], int(job["done"]), int(job["total"]), int(job["passes"]),
                iso_from_ms(job["started_at"]), iso_from_ms(job["finished_at"])))

        return await self.core.read(load)

    async def status(self) -> tuple[list[Row], list[JobProgress]]:
        def load(conn: Conn) -> tuple[list[Row], list[JobProgress]]:
            keys = [{k: v for k, v in row.items() if k != "wrapped"} for row in data_keys.of_all(conn)]
            return keys, [progress_of(j) for j in data_keys.jobs(conn)]

        return await self.core.read(load)
