"""Read markers (durable, per user, synced to all devices) and delivery marks (coalesced)."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable

from ..domain import policy
from ..domain.errors import ValidationFailed
from ..domain.model import Actor
from ..domain.sequence import MAX_SEQ
from ..store import accounts
from ..store import conversations as convs
from ..store.tx import Tx
from .core import Core

log = logging.getLogger("axon.markers")


class Markers:
    def __init__(self, core: Core, flush_interval: float = 0.25) -> None:
        self.core = core
        self.flush_interval = flush_interval
        self._pending: dict[str, dict[str, int]] = defaultdict(dict)
        self._wake = asyncio.Event()

    async def mark_read(self, actor: Actor, conversation_id: str, seq: int) -> int:
        """Move the caller's read marker forward (never back); returns the marker."""
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValidationFailed("seq must be a non-negative integer.", field="seq")

        def apply(tx: Tx) -> tuple[int, bool]:
            conv, member = convs.get_with_membership(tx.conn, conversation_id, actor.user_id)
            membership = policy.check_member(actor, conv, member)
            assert conv is not None
            target = min(seq, conv.last_seq)
            if not convs.advance_read(tx.conn, conversation_id, actor.user_id, target):
                return membership.read_seq, False
            tx.user_event(actor.user_id, "read_marker", {"conversation_id": conversation_id, "seq": target})
            user = accounts.get_user(tx.conn, actor.user_id)
            return target, bool(user and user["read_receipts"])

        marker, share = await self.core.write(apply)
        if share:
            self.core.signals.receipt(conversation_id, actor.user_id, marker)
        return int(marker)

    async def mark_all_read(self, actor: Actor) -> list[tuple[str, int]]:
        """Move the caller's read marker to the end of every conversation with something unread, in
        one write; each moved marker is a ``read_marker`` user event, as for ``mark_read``."""

        def apply(tx: Tx) -> tuple[list[tuple[str, int]], bool]:
            behind = convs.behind_read(tx.conn, actor.user_id)
            moved = [(cid, seq) for cid, seq in behind if convs.advance_read(tx.conn, cid, actor.user_id, seq)]
            for conversation_id, seq in moved:
                tx.user_event(actor.user_id, "read_marker", {"conversation_id": conversation_id, "seq": seq})
            user = accounts.get_user(tx.conn, actor.user_id) if moved else None
            return moved, bool(user and user["read_receipts"])

        moved, share = await self.core.write(apply)
        if share:
            for conversation_id, seq in moved:
                self.core.signals.receipt(conversation_id, actor.user_id, seq)
        return moved

    def delivered(self, user_id: str, positions: dict[str, int]) -> None:
        """Record that a device of ``user_id`` holds events up to these seqs (flushed in batches).

        Seqs are clamped into the database's integer range here and to each conversation's last
        seq when stored, so no value a client sends can fail a flush or run ahead of the log.
        """
        pending = self._pending[user_id]
        for conversation_id, seq in positions.items():
            seq = min(seq, MAX_SEQ)
            if seq > pending.get(conversation_id, 0):
                pending[conversation_id] = seq
        self._wake.set()

    async def run(self) -> None:
        """Flush delivery marks every ``flush_interval`` while there are any."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()
            await self.core.clock.sleep(self.flush_interval)

    async def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, defaultdict(dict)
        # One write per user: the group commit still stores them in one transaction, and if that
        # fails it retries each alone, so one user's bad mark cannot drop everyone else's.
        results = await asyncio.gather(*(self.core.write(_advance(user_id, positions))
                                         for user_id, positions in batch.items()), return_exceptions=True)
        for user_id, result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                log.error("could not store the delivery marks of %s", user_id, exc_info=result)


def _advance(user_id: str, positions: dict[str, int]) -> Callable[[Tx], None]:
    def apply(tx: Tx) -> None:
        convs.advance_delivered(tx.conn, user_id, positions)
    return apply
