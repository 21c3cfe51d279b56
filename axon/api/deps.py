"""Request-scoped dependencies: the services container and the authenticated actor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..domain.model import Actor

if TYPE_CHECKING:
    from ..app import Services

_bearer = HTTPBearer(auto_error=False, description="Device token from POST /api/v1/auth/login.")


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


async def actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    token = credentials.credentials if credentials is not None else None
    return await services(request).auth.authenticate(token)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


CurrentActor = Annotated[Actor, Depends(actor)]
Svc = Annotated["Services", Depends(services)]
