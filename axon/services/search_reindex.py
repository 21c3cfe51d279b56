"""Rebuilding the keyword index from ``messages``: ``Reindexer`` (``axon search reindex``, a change of
an organisation's words) and ``Backfill`` (the history sent before the index existed), both online
while the live indexer (``services/search_index.py``) keeps running."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..store import search_index as store
from ..store.retention import claim_lease
from ..store.search_index import Doc
from ..store.tx import Tx
from .attachments import attachments_for
from .core import Core
from .search_index import cut_all, source_of_row
from .search_keys import SearchKeys

log = logging.getLogger("axon.search")

REINDEX_PAGE = 300  # messages a reindex transaction writes


@dataclass(frozen=True, slots=True)
class ReindexProgress:
    org_id: str
    done: int
    total: int
    seconds: float


class Reindexer:
    """Rebuilds organisations' docs from ``messages`` while the live indexer keeps running: pages of
    a few hundred messages, each read, cut off the writer, then upserted in one write. A message
    the live indexer writes meanwhile is upserted by both, with the same doc (both read what is
    committed), and a delete after the page was read is removed again by the indexer's
    ``message.deleted``, which commits after it: the two converge."""

    def __init__(self, core: Core, keys: SearchKeys, page: int = REINDEX_PAGE) -> None:
        self.core = core
        self.keys = keys
        self.page = page

    async def reindex(self, org_id: str, on_page: Callable[[ReindexProgress], None] | None = None) -> int:
        started = time.monotonic()
        total = await self.core.read(lambda c: store.live_message_count(c, org_id))
        blinder = await self.keys.blinder(org_id)
        after = ""
        done = 0
        while True:
            def load(c: Any, after: str = after) -> list[tuple[dict[str, Any], list[Any]]]:
                ids = store.message_ids_page(c, org_id, after, self.page)
                rows = sorted(store.message_rows(c, ids), key=lambda r: r["id"])
                files = attachments_for(c, rows)
                return [(r, files.get(r["id"], [])) for r in rows]

            page = await self.core.read(load)
            if not page:
                break
            sources = [source_of_row(r, org_id, f) for r, f in page if r["deleted_at"] is None]
            docs = await asyncio.to_thread(cut_all, sources, blinder)

            def write(tx: Tx, docs: list[Doc] = docs) -> None:
                # Only messages still live: one deleted since the page was read stays out.
                live = {r["id"] for r in store.message_rows(tx.conn, [d.message_id for d in docs])
                        if r["deleted_at"] is None}
                store.upsert(tx.conn, [d for d in docs if d.message_id in live])

            await self.core.write(write)
            done += len(page)
            after = page[-1][0]["id"]
            if on_page is not None:
                on_page(ReindexProgress(org_id, done, max(total, done), time.monotonic() - started))
        return done


class Backfill:
    """The history sent before the index existed: each organisation is re-indexed once, in the
    background, at node start (one node at a time, under a lease; another node taking over
    repeats at most one organisation's work, which upserts make harmless). An organisation
    created later is backfilled at the next start: cheap, its messages are indexed already."""

    LEASE = "search-backfill"

    def __init__(self, core: Core, reindexer: Reindexer, node_id: str, lease_seconds: float = 600.0) -> None:
        self.core = core
        self.reindexer = reindexer
        self.node_id = node_id
        self.lease_ms = int(lease_seconds * 1000)

    async def run(self) -> int:
        """Backfill every organisation not done yet; returns how many this node did."""
        done = 0
        while True:
            waiting = await self.core.read(store.orgs_to_backfill)
            if not waiting:
                return done
            if not await self.core.write(lambda tx: claim_lease(tx.conn, self.LEASE, self.node_id, tx.now_ms,
                                                                 tx.now_ms + self.lease_ms)):
                await self.core.clock.sleep(self.lease_ms / 2000)  # another node is at it
                continue
            org_id = waiting[0]
            count = await self.reindexer.reindex(org_id)
            await self.core.write(lambda tx, org_id=org_id: store.mark_backfilled(tx.conn, org_id))
            if count:
                log.info("search: indexed the %d earlier messages of organisation %s", count, org_id)
            done += 1
