"""The ASGI application: REST routes, the WebSocket endpoint, health, the web client."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..protocol.rest import Health
from . import (
    errors,
    openapi,
    routes_account,
    routes_admin,
    routes_ai,
    routes_ai_replies,
    routes_assistant,
    routes_audit,
    routes_avatars,
    routes_calendar,
    routes_conversations,
    routes_event_hints,
    routes_files,
    routes_link_previews,
    routes_messages,
    routes_preferences,
    routes_reminders,
    routes_retention,
    routes_search,
    routes_search_admin,
    routes_sso,
    routes_two_factor,
    webapp,
)
from .audit_context import AuditAddress
from .body_limit import DEFAULT_LIMIT as DEFAULT_BODY_LIMIT
from .body_limit import BodyLimit
from .deps import fast_json
from .nul_guard import RefuseNul
from .ws import websocket_endpoint

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


HSTS = b"max-age=31536000"  # a year; not includeSubDomains: other hosts under the domain are not ours to bind


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task): CSP and friends on every HTTP response, and
    ``Strict-Transport-Security`` on those that travel over HTTPS.

    Over HTTPS means the request's scheme is https: the node serves TLS itself, or uvicorn's proxy
    middleware believed the ``X-Forwarded-Proto: https`` of a proxy listed in ``AXON_TRUSTED_PROXIES``
    (from anyone else the header is ignored and the scheme stays http). Browsers ignore the header on
    plain HTTP anyway; sending it only where TLS is really in front keeps a node that is reached over
    HTTP on purpose (a LAN test) from promising what it cannot keep.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", HSTS))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class _AsgiEndpoint:
    """Starlette treats a non-function endpoint as a raw ASGI app: no per-frame wrapper objects."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await websocket_endpoint(scope, receive, send)


def create_app(lifespan: Callable[[FastAPI], AbstractAsyncContextManager[Any]],
               max_body_bytes: int = DEFAULT_BODY_LIMIT) -> FastAPI:
    app = FastAPI(
        title="Axon",
        version=__version__,
        description="Axon team messaging: REST API v1. Real-time delivery uses the WebSocket at /api/v1/ws "
        "(see docs/protocol.md). Every error body is {\"error\": {\"code\", \"message\", \"details\"?}}.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        responses=openapi.errors(500),
    )
    errors.install(app)
    openapi.install(app)
    api = APIRouter(prefix="/api/v1")
    for module in (routes_account, routes_avatars, routes_conversations, routes_messages, routes_admin,
                   routes_audit, routes_retention, routes_preferences, routes_sso, routes_two_factor, routes_files,
                   routes_link_previews, routes_search, routes_search_admin, routes_calendar,
                   routes_event_hints, routes_ai, routes_ai_replies, routes_assistant, routes_reminders):
        api.include_router(module.router)
    app.include_router(api)
    # First in the table: the router tries routes in order, and 50 REST routes
    # before it cost a tenth of a connect's CPU (only a websocket scope can match it).
    app.router.routes.insert(0, WebSocketRoute("/api/v1/ws", _AsgiEndpoint()))

    @app.get("/healthz", tags=["health"], responses=openapi.returns(Health))
    async def healthz() -> Response:
        """Liveness: the process serves requests."""
        return fast_json(Health("ok"))

    @app.get("/readyz", tags=["health"], responses=openapi.returns(Health, 503))
    async def readyz(request: Request) -> Response:
        """Readiness: the database answers."""
        try:
            await request.app.state.services.core.db.ping()
        except Exception:
            return errors.error_response(503, "not_ready", "The database is unreachable.")
        return fast_json(Health("ok"))

    if (WEB_DIR / "index.html").exists():
        webapp.install(app, WEB_DIR)
    app.add_middleware(AuditAddress)
    app.add_middleware(BodyLimit, default=max_body_bytes)
    app.add_middleware(RefuseNul)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so 413s get the headers too
    return app

