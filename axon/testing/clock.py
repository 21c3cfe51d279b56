"""A fake clock whose ``sleep`` waits for the test, not for real time (after ``trio.testing.MockClock``).

A timer loop under test parks in ``sleep``; the test moves time with ``advance``,
which wakes every sleeper whose deadline has passed, and awaits ``until_sleeping``
to know that the loop has done its work and parked again. No real time passes.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

from ..domain.clock import FakeClock as _TimeOnlyClock


class FakeClock(_TimeOnlyClock):
    def __init__(self, start_ms: int = 1_780_000_000_000) -> None:
        super().__init__(start_ms)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []  # (deadline, tie-break, waiter)
        self._order = itertools.count()
        self._parked = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.monotonic() + max(seconds, 0.0), next(self._order), waiter))
        self._parked.set()
        await waiter

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        now = self.monotonic()
        while self._sleepers and self._sleepers[0][0] <= now:
            _, _, waiter = heapq.heappop(self._sleepers)
            if not waiter.done():
                waiter.set_result(None)

    @property
    def sleepers(self) -> int:
        """How many sleeps are parked (cancelled ones drop out)."""
        self._sleepers = [s for s in self._sleepers if not s[2].done()]
        heapq.heapify(self._sleepers)
        return len(self._sleepers)

    async def until_sleeping(self, count: int = 1) -> None:
        """Return once at least ``count`` sleeps are parked (the loops under test are idle)."""
        while self.sleepers < count:
            self._parked.clear()
            await self._parked.wait()
