"""No U+0000 in a request's path or query: PostgreSQL cannot store or compare it, and no real id or
search holds it. Refused with 400 before routing (bodies are checked by ``schemas.Body``, WebSocket
frames by ``protocol.client``)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..protocol.codec import encode
from ..protocol.rest import ErrorResponse
from ..protocol.server import ErrorBody

_BODY = encode(ErrorResponse(ErrorBody("bad_request", "The path or query holds a NUL (U+0000) character.")))


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and ("\x00" in scope["path"]
                                                       or b"%00" in scope["query_string"]):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(_BODY)).encode())]})
            await send({"type": "http.response.body", "body": _BODY})
            return
        await self.app(scope, receive, send)
