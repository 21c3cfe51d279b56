"""Request bodies are bounded before anything parses them.

Every JSON body Axon accepts is small (a message's text is at most ``max_text_bytes``); a client
that sends megabytes — to a login, say, which needs no token — is answered 413 ``body_too_large``
as soon as the size is known: from ``Content-Length`` before a byte of the body is read, or, for a
chunked body, as soon as the chunks received pass the limit. Only then is the body handed on
(buffered, so a route sees it as usual). Routes that take larger bodies name their limit in
``LARGER_BODIES``.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..domain.files import CHUNK_BYTES
from ..protocol.codec import encode
from ..protocol.rest import ErrorResponse
from ..protocol.server import ErrorBody
from ..services.avatar_image import MAX_UPLOAD_BYTES

DEFAULT_LIMIT = 64 * 1024
# (method, path pattern, limit): routes whose bodies may be larger than the default.
LARGER_BODIES: list[tuple[str, re.Pattern[str], int]] = [
    ("PUT", re.compile(r"/api/v1/me/avatar"), MAX_UPLOAD_BYTES),  # an image, re-encoded small by the server
    ("PUT", re.compile(r"/api/v1/uploads/[^/]+"), CHUNK_BYTES),  # a chunk of an upload, streamed to the store
]


def limit_for(method: str, path: str, default: int = DEFAULT_LIMIT) -> int:
    for wanted, pattern, limit in LARGER_BODIES:
        if method == wanted and pattern.fullmatch(path):
            return limit
    return default


class BodyLimit:
    """Pure ASGI middleware: refuse bodies over the route's limit, before the route reads them."""

    def __init__(self, app: ASGIApp, default: int = DEFAULT_LIMIT) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["method"], scope["path"], self.default)
        declared = _content_length(scope)
        if declared is not None:
            if declared > limit:
                await _too_large(send, limit)
                return
            await self.app(scope, receive, send)  # the server reads no more than it declared
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away: the route sees the disconnect below
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    body = encode(ErrorResponse(ErrorBody("body_too_large", f"The request body is over {limit} bytes.",
                                          {"limit": limit})))
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
