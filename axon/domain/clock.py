"""Time as a port: logic asks an injected clock, never the system directly."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Wall-clock milliseconds since the Unix epoch (for timestamps shown to people)."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin (for timeouts and rate limits)."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's monotonic time (timers: heartbeats, reconciliation, consumers)."""


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock that only moves when a test says so."""

    def __init__(self, start_ms: int = 1_780_000_000_000) -> None:
        self._ms = start_ms
        self._mono = 1000.0

    def now_ms(self) -> int:
        return self._ms

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._ms += int(seconds * 1000)
        self._mono += seconds


def iso_from_ms(ms: int | None) -> str | None:
    """Render a timestamp as ISO 8601 UTC with milliseconds, the one format on the wire."""
    if ms is None:
        return None
    return iso(ms)


@lru_cache(maxsize=4096)  # a commit batch stamps every row with the same millisecond
def iso(ms: int) -> str:
    """``iso_from_ms`` for a timestamp that is always there."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
