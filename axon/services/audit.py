"""The audit log's use cases: record an entry (inside a write, or alone), verify chains.

Recording inside a write is the rule: the entry is sealed and stored in the transaction of the
change it describes, so an audited change cannot commit without its entry (and a failed change
leaves none). Events that change nothing else (a failed login) are written alone, through the
same group-commit writer.

Who acted: the ``Actor`` of the request, plus the client's address, which the HTTP layer puts in
``request_address`` for the request (this module never sees a request).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from ..domain import audit as rules
from ..domain.audit import AuditActor, AuditEvent, ChainCheck
from ..domain.clock import Clock
from ..domain.model import Actor
from ..store import audit as rows
from ..store.database import Conn
from ..store.tx import Tx

log = logging.getLogger("axon.audit")

request_address: ContextVar[str] = ContextVar("axon_request_address", default="")
"""The client address of the request being served ("" outside a request: the shell, a background job)."""

_DEFERRED = "audit"
SHELL_ACTOR_ID = "cli"  # the ``Actor.user_id`` the ``axon admin`` commands act as
VERIFY_PAGE = 2000


class AuditTrail:
    """Seals and appends entries. Holds the audit key (and older keys, to verify what they sealed)."""

    def __init__(self, key: bytes, older_keys: Iterable[bytes] = ()) -> None:
        self._key = key
        self.key_id = rules.key_id(key)
        self.keys = {rules.key_id(k): k for k in (*older_keys, key)}

    @staticmethod
    def actor(actor: Actor | None, address: str | None = None) -> AuditActor:
        """The audited form of ``actor`` (the shell's actor is no user), from the request's address."""
        where = address if address is not None else request_address.get()
        if actor is None:
            return AuditActor(None, None, where or "system")
        if actor.user_id == SHELL_ACTOR_ID:
            return AuditActor(None, None, "shell")
        return AuditActor(actor.user_id, actor.device_id or None, where)

    def event(self, actor: Actor, action: str, target_type: str = "", target_id: str = "",
              **details: Any) -> AuditEvent:
        """An event of ``actor``'s organisation, done by ``actor`` (build it where the request is served)."""
        return AuditEvent(actor.org_id, action, self.actor(actor), target_type, target_id, details)

    def record(self, tx: Tx, event: AuditEvent) -> None:
        """Append ``event`` to its chain in the write transaction ``tx`` (call it from a write op).

        The entry is sealed and stored when the batch's rows are flushed, after every operation: the
        chains' heads are then locked in one order (sorted), so transactions of several nodes that
        touch several chains never wait for each other in a cycle, and each head is locked for the
        shortest time."""
        pending = tx.deferred.setdefault(_DEFERRED, [])
        if not pending:
            tx.on_flush(_DEFERRED, self._append_pending)
        pending.append(event)

    def _append_pending(self, tx: Tx) -> None:
        events: list[AuditEvent] = tx.deferred.pop(_DEFERRED, [])
        for chain in sorted({e.chain for e in events}):
            position, prev_hash = rows.lock_head(tx.conn, chain)
            entries = []
            for event in (e for e in events if e.chain == chain):  # their order within a chain is kept
                entries.append(rules.new_entry(event, position + 1, tx.now_ms, prev_hash, self._key))
                position, prev_hash = entries[-1].position, entries[-1].hash
            rows.append(tx.conn, entries)

    def record_all(self, tx: Tx, events: Iterable[AuditEvent]) -> None:
        for event in events:
            self.record(tx, event)


@dataclass(frozen=True, slots=True)
class ChainReport:
    chain: str
    entries: int
    head_hash: str
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


Reader = Callable[[Callable[[Conn], Any]], Any]


async def verify_chain(read: Reader, chain: str, keys: dict[str, bytes],
                       anchors: dict[int, str] | None = None) -> ChainReport:
    """Walk ``chain`` from its first entry, page by page, and check every link, seal and anchor."""
    check = ChainCheck(chain, keys, dict(anchors or {}))
    while True:
        page = await read(lambda c: rows.chain_page(c, chain, check.position, VERIFY_PAGE))
        if not page or not check.feed(page):
            break
    head = (await read(rows.heads)).get(chain)
    problem = check.finish(head[0] if head is not None else None)
    return ChainReport(chain, check.position, check.head_hash, problem)


async def stored_chains(read: Reader) -> list[str]:
    return list(await read(rows.stored_chains))


AnchorWriter = Callable[[list[rules.Anchor], int], None]


class AnchorKeeper:
    """Now and then, writes every chain's head that moved since the last look outside the database
    (``write``: the data folder's anchors file) and to the log, so that a later cut-off shows."""

    def __init__(self, read: Reader, clock: Clock, write: AnchorWriter, interval: float,
                 key_ids: Iterable[str] = ()) -> None:
        self._read = read
        self._clock = clock
        self._write = write
        self._interval = interval
        self._key_ids = set(key_ids)
        self._written: dict[str, int] = {}

    async def check_key(self) -> list[str]:
        """Chains whose newest entry this node's keys cannot verify (logged): a node given another
        ``AXON_AUDIT_KEY`` than the others, or a lost key file, shows at start, not at the next audit."""
        sealed_by: dict[str, str] = await self._read(rows.head_key_ids)
        foreign = sorted(chain for chain, key in sealed_by.items() if key not in self._key_ids)
        if foreign:
            log.error("the newest audit entries of %d chain(s) were sealed with a key this node does not have "
                      "(set the same AXON_AUDIT_KEY on every node; AXON_AUDIT_OLDER_KEYS for earlier ones): %s",
                      len(foreign), ", ".join(repr(c) for c in foreign[:5]))
        return foreign

    async def run(self) -> None:
        try:
            await self.check_key()
        except Exception:
            log.exception("checking the audit key failed")
        while True:
            try:
                await self.anchor()
            except Exception:  # a full disk or a lost database must not end the node's task group
                log.exception("writing audit anchors failed; trying again in %.0f s", self._interval)
            await self._clock.sleep(self._interval)

    async def anchor(self) -> list[rules.Anchor]:
        """Write the heads that moved; returns them."""
        heads: dict[str, tuple[int, str]] = await self._read(rows.heads)
        moved = [rules.Anchor(chain, position, digest) for chain, (position, digest) in sorted(heads.items())
                 if position > 0 and self._written.get(chain) != position]
        for anchor in moved:
            if anchor.position < self._written.get(anchor.chain, 0):  # a log only grows
                log.error("audit chain %r went back from position %d to %d: entries were removed from the "
                          "database", anchor.chain, self._written[anchor.chain], anchor.position)
        if moved:
            self._write(moved, self._clock.now_ms())
            for anchor in moved:
                log.info("audit anchor chain=%r position=%d hash=%s", anchor.chain, anchor.position, anchor.hash)
                self._written[anchor.chain] = anchor.position
        return moved
