"""Dead connections: close sessions silent for longer than the heartbeat timeout, on the node's clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from ..domain.clock import Clock
from ..protocol.close_codes import CloseCode

MIN_SWEEP_INTERVAL = 0.05


class Listening(Protocol):
    last_received: float  # the clock's monotonic time of the last frame received

    def close(self, code: int, reason: str = "") -> None: ...


class Heartbeats:
    def __init__(self, clock: Clock, timeout: float, sessions: Callable[[], Iterable[Listening]],
                 after_sweep: Callable[[], Awaitable[None]]) -> None:
        self._clock = clock
        self._timeout = timeout
        self._sessions = sessions
        self._after_sweep = after_sweep  # node chores on the same beat (last-seen times)

    @property
    def interval(self) -> float:
        """A silent session is closed at most a quarter of the timeout late."""
        return max(self._timeout / 4, MIN_SWEEP_INTERVAL)

    async def run(self) -> None:
        while True:
            await self._clock.sleep(self.interval)
            self.sweep()
            await self._after_sweep()

    def sweep(self) -> None:
        deadline = self._clock.monotonic() - self._timeout
        for session in self._sessions():
            if session.last_received < deadline:
                session.close(CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout")
