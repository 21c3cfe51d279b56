"""Send replies written per group commit, not per send.

The writer resolves every send of one group commit in the same loop iteration.
Their ``ack`` / ``error`` frames are collected here and written together with
one socket write right after that iteration (``loop.call_soon``), instead of
one write (and one system call) per send.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class ReplyBatch:
    __slots__ = ("_write", "_frames")

    def __init__(self, write: Callable[[list[bytes]], None]) -> None:
        self._write = write
        self._frames: list[bytes] = []

    def add(self, frame: bytes) -> None:
        self._frames.append(frame)
        if len(self._frames) == 1:
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        frames, self._frames = self._frames, []
        if frames:
            self._write(frames)
