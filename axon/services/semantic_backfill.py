"""Semantic search over history: vectors for the messages sent before the ``search_vectors``
consumer existed (or while semantic search was switched off).

The consumer starts at the head of the outbox, so the messages already stored have no vector. At
every start of a node with semantic search on, ``SemanticBackfill`` walks each organisation's live
messages that have no row in ``search_vectors`` (id order), ``BACKFILL_PAGE`` at a time: texts read,
embedded in a worker thread (off the writer), then inserted in one write that checks again that each
message is still live and still has no row (a row the consumer wrote meanwhile is newer and stays).
A message with nothing to embed gets a row without a vector, so it is not looked at again. One node
at a time does it, under a lease (``job_leases``), as the keyword index's ``Backfill`` does; a node
taking over repeats at most one page. Idempotent: a second run finds nothing to do, so it runs at
every start (that is also how messages sent while the setting was off are caught up), and the
marker ``semantic_backfilled:<org>`` in ``axon_meta`` records when an organisation was last complete.

Nodes see the rows as they see the consumer's: their stamps (``store.search_vectors.backfill_version``)
are ordered with the consumer's in commit order.
"""

from __future__ import annotations

import logging
from typing import Any

from ..store import search_vectors as store
from ..store.retention import claim_lease
from ..store.search_vectors import Backfilled
from ..store.tx import Tx
from .core import Core
from .ports import Embedder
from .semantic import EMBED_BATCH, CpuShare, meaningful, to_stored

log = logging.getLogger("axon.search")

BACKFILL_PAGE = EMBED_BATCH  # messages read, embedded and written per round


class SemanticBackfill:
    LEASE = "semantic-backfill"

    def __init__(self, core: Core, embedder: Embedder, node_id: str, *, page: int = BACKFILL_PAGE,
                 lease_seconds: float = 600.0, cpu: CpuShare | None = None) -> None:
        self.core = core
        self.embedder = embedder
        self.cpu = cpu or CpuShare()
        self.node_id = node_id
        self.page = page
        self.lease_ms = int(lease_seconds * 1000)

    async def run(self) -> int:
        """Embed every organisation's messages that have no vector; returns how many were written."""
        while not await self._claim():
            await self.core.clock.sleep(self.lease_ms / 2000)  # another node is at it
        written = 0
        for org_id in await self.core.read(store.org_ids):
            count = await self.backfill(org_id)
            await self.core.write(lambda tx, org_id=org_id: _mark(tx, org_id))
            if count:
                log.info("semantic search: embedded %d earlier messages of organisation %s", count, org_id)
            written += count
        return written

    async def backfill(self, org_id: str) -> int:
        after = ""
        written = 0
        while True:
            rows = await self.core.read(lambda c, after=after: store.missing_page(c, org_id, after, self.page))
            if not rows:
                return written
            found = await self.cpu.run(lambda rows=rows: self._embedded(rows))
            if not await self._claim():
                raise RuntimeError("semantic backfill: another node took the lease")
            written += await self.core.write(lambda tx, found=found: store.put_missing(tx.conn, found, org_id))
            after = rows[-1]["id"]

    def _embedded(self, rows: list[dict[str, Any]]) -> list[Backfilled]:
        keep = [r for r in rows if meaningful(r["text"] or "")]
        vectors = dict(zip((r["id"] for r in keep), self.embedder.embed([r["text"] for r in keep]), strict=True))
        return [Backfilled(r["id"], r["conversation_id"], int(r["created_at"]),
                           to_stored(vectors[r["id"]]) if r["id"] in vectors else None) for r in rows]

    async def _claim(self) -> bool:
        return bool(await self.core.write(lambda tx: claim_lease(tx.conn, self.LEASE, self.node_id, tx.now_ms,
                                                                 tx.now_ms + self.lease_ms)))


def _mark(tx: Tx, org_id: str) -> None:
    store.mark_backfilled(tx.conn, org_id, tx.now_ms)
