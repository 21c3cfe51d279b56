"""Tells the audit log where each HTTP request came from (``services.audit.request_address``).

The address is the socket's peer, or what a trusted proxy forwarded (uvicorn rewrites the scope's
``client`` only for ``AXON_TRUSTED_PROXIES``), the same address the login limits count.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..services.audit import request_address


class AuditAddress:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            token = request_address.set(client[0] if client else "unknown")
            try:
                await self.app(scope, receive, send)
            finally:
                request_address.reset(token)
            return
        await self.app(scope, receive, send)
