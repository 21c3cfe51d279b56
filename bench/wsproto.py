"""A lean WebSocket client for load generation (RFC 6455 subset, no extensions).

Why not the ``websockets`` library: the load generator must stay cheap per
delivered frame so that, on a 2-core box, it does not steal the server's CPU.
This client hands the *raw* received bytes to a scanner once streaming starts
(server->client frames are unmasked and permessage-deflate is never
negotiated, so a message's JSON text appears verbatim in the byte stream).

Before streaming, frames are parsed (``FrameReader``) so that the handshake
(``hello`` -> ``welcome`` ... ``synced``) can be followed.

Client frames are masked with the all-zero key: a valid masking key (the
server XORs with it), which makes masking free. The unpredictability the RFC
asks for protects intermediaries from cache poisoning, which is irrelevant on
loopback.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
from collections.abc import Callable

OP_TEXT = 0x1
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA
_ZERO_MASK = b"\x00\x00\x00\x00"


class WsError(Exception):
    pass


def encode_frame(payload: bytes, opcode: int = OP_TEXT) -> bytes:
    """One FIN frame, masked with the zero key (payload bytes unchanged)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + _ZERO_MASK + payload


class FrameReader:
    """Incremental parser of unmasked server frames: ``feed`` returns complete (opcode, payload) pairs."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self.buf += data
        out = []
        while True:
            frame = self._next()
            if frame is None:
                return out
            out.append(frame)

    def _next(self) -> tuple[int, bytes] | None:
        buf = self.buf
        if len(buf) < 2:
            return None
        opcode, n, pos = buf[0] & 0x0F, buf[1] & 0x7F, 2
        if n == 126:
            if len(buf) < 4:
                return None
            n, pos = struct.unpack_from("!H", buf, 2)[0], 4
        elif n == 127:
            if len(buf) < 10:
                return None
            n, pos = struct.unpack_from("!Q", buf, 2)[0], 10
        if buf[1] & 0x80:
            raise WsError("server frames must not be masked")
        if len(buf) < pos + n:
            return None
        payload = bytes(buf[pos:pos + n])
        del buf[:pos + n]
        return opcode, payload


class WsProtocol(asyncio.Protocol):
    """Parses frames until ``stream_to`` is set; then every chunk goes to that callback unparsed."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.close_exc: BaseException | None = None
        self._handshake = bytearray()
        self._upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reader = FrameReader()
        self._frames: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
        self.stream_to: Callable[[bytes], None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if self.stream_to is not None:
            self.stream_to(data)
        elif not self._upgraded.done():
            self._on_handshake_bytes(data)
        else:
            for frame in self._reader.feed(data):
                self._frames.put_nowait(frame)

    def _on_handshake_bytes(self, data: bytes) -> None:
        self._handshake += data
        end = self._handshake.find(b"\r\n\r\n")
        if end < 0:
            return
        head, rest = bytes(self._handshake[:end]), bytes(self._handshake[end + 4:])
        if not head.startswith(b"HTTP/1.1 101"):
            self._upgraded.set_exception(WsError(f"upgrade refused: {head[:200]!r}"))
            return
        self._upgraded.set_result(None)
        if rest:
            self.data_received(rest)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.close_exc = exc
        if not self._upgraded.done():
            self._upgraded.set_exception(WsError("connection lost during upgrade"))
        self._frames.put_nowait((OP_CLOSE, b""))

    async def upgrade(self, host: str, port: int, path: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        assert self.transport is not None
        self.transport.write((
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        await self._upgraded

    async def next_frame(self) -> tuple[int, bytes]:
        """The next data frame (pings are answered here); a close or lost connection raises."""
        while True:
            opcode, payload = await self._frames.get()
            if opcode == OP_PING:
                self.send(payload, OP_PONG)
            elif opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise WsError(f"closed by server (code {code}, {payload[2:200]!r})")
            elif opcode != OP_PONG:
                return opcode, payload

    def send(self, payload: bytes, opcode: int = OP_TEXT) -> None:
        if self.transport is None or self.closed:
            raise WsError("not connected")
        self.transport.write(encode_frame(payload, opcode))

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            try:
                self.transport.write(encode_frame(struct.pack("!H", 1000), OP_CLOSE))
            finally:
                self.transport.close()


async def connect(host: str, port: int, path: str) -> WsProtocol:
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(WsProtocol, host, port)
    await proto.upgrade(host, port, path)
    return proto
