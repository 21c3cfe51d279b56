"""The transport port: what a session needs from a WebSocket, whatever server provides it."""

from __future__ import annotations

from typing import Protocol


class ConnectionClosed(Exception):
    """Raised by ``Transport.send`` when the peer is gone; the session stops quietly."""


class Transport(Protocol):
    def write_now(self, frames: list[bytes]) -> bool:
        """Write these text frames (UTF-8 JSON) at once if the socket has room, in order.

        False means nothing was written: the caller waits with ``write``. A transport
        without a synchronous path always answers False.
        """

    def write_one(self, frame: bytes) -> bool:
        """``write_now`` for a single frame (the fan-out's hot path)."""

    async def write(self, frames: list[bytes]) -> None:
        """Write these text frames in order, waiting for room; raises ``ConnectionClosed``."""

    async def close(self, code: int, reason: str = "") -> None: ...

