"""The transport port: what a session needs from a WebSocket, whatever server provides it."""

from __future__ import annotations

from typing import Protocol


class ConnectionClosed(Exception):
    """Raised by ``Transport.send`` when the peer is gone; the session stops quietly."""


class Transport(Protocol):
    async def send(self, frame: bytes) -> None:
        """Send one text frame (UTF-8 JSON bytes)."""

    async def close(self, code: int, reason: str = "") -> None: ...


class CloseCode:
    NORMAL = 1000
    TOO_LARGE = 1009
    RESTARTING = 1012
    UNAUTHENTICATED = 4001
    REVOKED = 4003
    SLOW_CONSUMER = 4008
    HEARTBEAT_TIMEOUT = 4009
