"""Every error leaves the API as ``{"error": ErrorBody}`` with its status.

``ErrorBody`` (``protocol/server.py``) is the one error body: the WebSocket's
``error`` frame carries the same.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..domain.errors import AxonError, RateLimited
from ..protocol.codec import encode
from ..protocol.rest import ErrorResponse
from ..protocol.server import ErrorBody

log = logging.getLogger("axon.api")


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    body = encode(ErrorResponse(ErrorBody(code, message, details or None)))
    return Response(body, status_code=status, headers=headers, media_type="application/json")


async def _axon_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AxonError)
    if exc.status >= 500:  # the server's fault (e.g. a tampered stored value): the operator must hear of it
        log.error("%s %s answered %s: %s", request.method, request.url.path, exc.code, exc.message)
    headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))} if isinstance(exc, RateLimited) else None
    return error_response(exc.status, exc.code, exc.message, exc.details or None, headers)


def _describe(err: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
    return f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid"))


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return error_response(400, "bad_request", "The body is not valid JSON.")
    fields = [".".join(str(p) for p in e.get("loc", ()) if p != "body") for e in problems]
    message = "; ".join(_describe(e) for e in problems[:5])
    return error_response(422, "validation_failed", message, {"fields": fields[:20]})


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated", 403: "forbidden"}
    return error_response(exc.status_code, codes.get(exc.status_code, "bad_request"), str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "The server failed; the request was not applied.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(AxonError, _axon_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
