"""An in-memory ``Transport`` for gateway tests (after ``httpx``'s ``MockTransport``).

It records every socket write, and its "socket" can be made full, so that
tests see exactly when a frame went out directly and when it waited in a queue.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ..gateway.transport import ConnectionClosed


class MemoryTransport:
    def __init__(self) -> None:
        self.writes: list[list[bytes]] = []  # one entry per socket write
        self.room = True  # False: a full socket (direct writes refused, ``write`` waits)
        self.closed: tuple[int, str] | None = None
        self._room = asyncio.Event()
        self._room.set()
        self._wrote = asyncio.Event()
        self._closed = asyncio.Event()

    @property
    def frames(self) -> list[dict[str, Any]]:
        return [json.loads(frame) for write in self.writes for frame in write]

    def set_room(self, room: bool) -> None:
        self.room = room
        if room:
            self._room.set()
        else:
            self._room.clear()

    def write_now(self, frames: list[bytes]) -> bool:
        if not self.room or self.closed:
            return False
        self._record(frames)
        return True

    def write_one(self, frame: bytes) -> bool:
        return self.write_now([frame])

    async def write(self, frames: list[bytes]) -> None:
        await self._room.wait()
        if self.closed:
            raise ConnectionClosed()
        self._record(frames)

    async def close(self, code: int, reason: str = "") -> None:
        self.closed = (code, reason)
        self._closed.set()

    async def until_closed(self) -> tuple[int, str]:
        await self._closed.wait()
        assert self.closed is not None
        return self.closed

    async def until_frames(self, count: int) -> list[dict[str, Any]]:
        """Wait until at least ``count`` frames were written (no real time: every write wakes it)."""
        while len(self.frames) < count:
            self._wrote.clear()
            await self._wrote.wait()
        return self.frames

    def _record(self, frames: list[bytes]) -> None:
        self.writes.append(list(frames))
        self._wrote.set()
