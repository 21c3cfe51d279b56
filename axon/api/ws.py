"""The WebSocket endpoint: adapts Starlette's socket to the gateway's transport port."""

from __future__ import annotations

import logging

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ..gateway.gateway import Gateway
from ..gateway.transport import CloseCode, ConnectionClosed

log = logging.getLogger("axon.ws")


class StarletteTransport:
    __slots__ = ("_ws",)

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket

    async def send(self, frame: bytes) -> None:
        if self._ws.application_state is not WebSocketState.CONNECTED:
            raise ConnectionClosed()
        try:
            await self._ws.send({"type": "websocket.send", "text": frame.decode("utf-8")})
        except (WebSocketDisconnect, RuntimeError, OSError) as exc:
            raise ConnectionClosed() from exc

    async def close(self, code: int, reason: str = "") -> None:
        if self._ws.application_state is WebSocketState.CONNECTED:
            try:
                await self._ws.close(code, reason)
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass  # already gone


async def websocket_endpoint(websocket: WebSocket) -> None:
    gateway: Gateway = websocket.app.state.services.gateway
    await websocket.accept()
    address = websocket.client.host if websocket.client else "unknown"
    session = gateway.new_session(StarletteTransport(websocket), address)
    try:
        while True:
            message = await websocket.receive()
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
                session.push({"t": "error", "error": {"code": "internal_error", "message": "The frame failed."}})
    except (WebSocketDisconnect, ConnectionClosed):
        pass
    finally:
        await session.finish()
        if session.close_code is None:
            await StarletteTransport(websocket).close(CloseCode.NORMAL)
