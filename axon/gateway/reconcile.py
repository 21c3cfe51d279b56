"""Reconciliation: the safety net for an at-most-once bus.

A conversation that goes quiet right after a lost bus message would leave its
live sessions behind until the next event or reconnect. Periodically (jittered,
so that nodes do not query in step) and at once after the bus reconnected, read
the last seq of every conversation this node's sessions follow and let each
session that is behind read the rest (``Outbound.repair``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Set
from typing import Protocol

from ..domain.clock import Clock

log = logging.getLogger("axon.gateway")


def jittered(interval: float) -> float:
    return interval * random.uniform(0.8, 1.2)


class Repairable(Protocol):
    def repair(self, conversation_id: str, last_seq: int) -> None: ...


class Reconciler:
    def __init__(self, clock: Clock, interval: float, followers: Mapping[str, Set[Repairable]],
                 latest_seqs: Callable[[list[str]], Awaitable[dict[str, int]]],
                 jitter: Callable[[float], float] = jittered) -> None:
        self._clock = clock
        self._interval = interval
        self._followers = followers  # conversation id -> local sessions following it (the hub's table)
        self._latest_seqs = latest_seqs
        self._jitter = jitter
        self._bus_reconnected = asyncio.Event()

    def bus_reconnected(self) -> None:
        """The bus callback: messages may have been lost while it was away."""
        self._bus_reconnected.set()

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._periodically(), name="axon-reconcile-periodic")
            group.create_task(self._after_reconnects(), name="axon-reconcile-reconnect")

    async def _periodically(self) -> None:
        while True:
            await self._clock.sleep(self._jitter(self._interval))
            await self._reconcile_logged()

    async def _after_reconnects(self) -> None:
        while True:
            await self._bus_reconnected.wait()
            self._bus_reconnected.clear()
            await self._reconcile_logged()

    async def _reconcile_logged(self) -> None:
        try:
            await self.reconcile()
        except Exception:
            log.exception("reconciliation failed")

    async def reconcile(self) -> None:
        followed = list(self._followers)
        if not followed:
            return
        latest = await self._latest_seqs(followed)
        for conversation_id, last_seq in latest.items():
            for session in tuple(self._followers.get(conversation_id, ())):
                session.repair(conversation_id, last_seq)
