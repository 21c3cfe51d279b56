"""Request-scoped dependencies: the services container and the authenticated actor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..domain.model import Actor
from ..protocol.codec import encode

if TYPE_CHECKING:
    from ..container import Services

_bearer = HTTPBearer(auto_error=False, description="Device token from POST /api/v1/auth/login.")


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str | None:
    """The request's device token, not yet checked."""
    return credentials.credentials if credentials is not None else None


async def actor(request: Request, token: Annotated[str | None, Depends(bearer_token)]) -> Actor:
    return await services(request).auth.authenticate(token, client_address(request))


def fast_json(data: Any, status_code: int = 200) -> Response:
    """Serialise an answer (a ``protocol.rest`` shape, or a list of them) with msgspec: no FastAPI
    re-validation of an already-shaped body (the route's ``responses`` documents it in /openapi.json)."""
    return Response(encode(data), status_code=status_code, media_type="application/json")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


CurrentActor = Annotated[Actor, Depends(actor)]
BearerToken = Annotated[str | None, Depends(bearer_token)]
Svc = Annotated["Services", Depends(services)]
