"""uvicorn's sans-I/O WebSocket protocol with a fast path for server frames.

A server-to-client text frame is unmasked, so its bytes are the same for every
recipient: Axon writes the 2-10 byte header and the already encoded JSON
straight to the socket (``transport.writelines``), synchronously when the socket
has room. This skips, per delivery, the ASGI message, Starlette's wrapper,
uvicorn's awaits and websockets' frame serialisation, which together were over
a third of the CPU of a fan-out (see docs/benchmarks.md). Control frames
(close, ping, pong) still go through the protocol state machine.

The protocol puts itself into the connection scope under ``axon.websocket``;
``axon.api.ws`` uses it when present and plain ASGI messages otherwise.
"""

from __future__ import annotations

import struct

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

SCOPE_KEY = "axon.websocket"


def text_frame_header(length: int) -> bytes:
    """RFC 6455 header of a final, unmasked text frame carrying ``length`` bytes."""
    if length < 126:
        return bytes((0x81, length))
    if length < 65536:
        return struct.pack("!BBH", 0x81, 126, length)
    return struct.pack("!BBQ", 0x81, 127, length)


class _LastFramed:
    """One-entry cache: a fan-out writes the same payload object to every recipient in a row,
    so the framed bytes are built once per event rather than once per delivery."""

    payload: bytes | None = None
    framed: bytes = b""

    @classmethod
    def of(cls, payload: bytes) -> bytes:
        if payload is not cls.payload:
            cls.payload, cls.framed = payload, text_frame_header(len(payload)) + payload
        return cls.framed


class AxonWebSocketProtocol(WebSocketsSansIOProtocol):
    async def run_asgi(self) -> None:
        self.scope["extensions"][SCOPE_KEY] = self  # type: ignore[index]
        await super().run_asgi()

    @property
    def gone(self) -> bool:
        return bool(self.disconnected or self.close_sent or self.transport.is_closing())

    def write_one(self, payload: bytes) -> bool:
        """``write_now`` for one frame: the fan-out's hot path, kept to a handful of checks."""
        if self.writable.is_set() and not self.close_sent and not self.disconnected:
            transport = self.transport
            if not transport.is_closing():
                transport.write(_LastFramed.of(payload))
                return True
        return False

    def write_now(self, payloads: list[bytes]) -> bool:
        """Write these text frames at once if the socket has room; False means: wait with ``write``."""
        if not self.writable.is_set() or self.gone:
            return False
        if len(payloads) == 1:
            self.transport.write(_LastFramed.of(payloads[0]))
            return True
        parts: list[bytes] = []
        for payload in payloads:
            parts.append(text_frame_header(len(payload)))
            parts.append(payload)
        self.transport.writelines(parts)
        return True

    async def wait_writable(self) -> None:
        await self.writable.wait()
