"""The WebSocket endpoint: a plain ASGI app adapting the connection to the gateway's transport port."""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import Receive, Scope, Send

from ..gateway.gateway import Gateway
from ..gateway.transport import ConnectionClosed
from ..protocol.close_codes import CloseCode
from ..protocol.server import error_frame
from .fast_ws import SCOPE_KEY, AxonWebSocketProtocol

log = logging.getLogger("axon.ws")


class AsgiTransport:
    """Portable path: one ASGI message per frame (any ASGI server)."""

    __slots__ = ("_send", "closed")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.closed = False

    def write_now(self, frames: list[bytes]) -> bool:
        return False

    def write_one(self, frame: bytes) -> bool:
        return False

    async def write(self, frames: list[bytes]) -> None:
        if self.closed:
            raise ConnectionClosed()
        try:
            for frame in frames:
                await self._send({"type": "websocket.send", "text": frame.decode("utf-8")})
        except (RuntimeError, OSError) as exc:
            self.closed = True
            raise ConnectionClosed() from exc
        except Exception as exc:  # uvicorn's ClientDisconnected and friends
            if type(exc).__name__ in ("ClientDisconnected", "WebSocketDisconnect"):
                self.closed = True
                raise ConnectionClosed() from exc
            raise

    async def close(self, code: int, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except Exception:  # the peer is already gone
            log.debug("close after disconnect", exc_info=True)


class FastTransport(AsgiTransport):
    """Frames written straight to the socket by Axon's uvicorn protocol (see ``fast_ws``)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: AxonWebSocketProtocol, send: Send) -> None:
        super().__init__(send)
        self._raw = raw

    def write_one(self, frame: bytes) -> bool:
        return not self.closed and self._raw.write_one(frame)

    def write_now(self, frames: list[bytes]) -> bool:
        return not self.closed and self._raw.write_now(frames)

    async def write(self, frames: list[bytes]) -> None:
        while not self.write_now(frames):
            if self.closed or self._raw.gone:
                self.closed = True
                raise ConnectionClosed()
            await self._raw.wait_writable()


async def websocket_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    gateway: Gateway = scope["app"].state.services.gateway
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    raw = scope.get("extensions", {}).get(SCOPE_KEY)
    transport = FastTransport(raw, send) if isinstance(raw, AxonWebSocketProtocol) else AsgiTransport(send)
    client: Any = scope.get("client")
    session = gateway.new_session(transport, client[0] if client else "unknown")
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                break
            data = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            try:
                await session.handle(data)
            except ConnectionClosed:
                break
            except Exception:
                # One bad frame must not take the connection (let alone the server) down.
                log.exception("frame handling failed")
                session.push(error_frame("internal_error", "The frame failed."))
    finally:
        await session.finish()
        if session.close_code is None:
            await transport.close(CloseCode.NORMAL)
