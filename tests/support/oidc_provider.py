"""A small, real OpenID Connect provider for the tests: discovery, a JWKS, an authorization endpoint
with a sign-in page, and a token endpoint that checks the client secret, the redirect URI and the
PKCE verifier before issuing an RS256-signed ID token (``joserfc``). Real HTTP on a loopback port.

Tests choose who signs in (``user``) and may spoil the next ID token (``tamper``: claims to override,
or ``rogue_key``: sign with a key the JWKS does not publish) to check that the relying party refuses it.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.server import free_port

CLIENT_ID = "axon-test-client"
CLIENT_SECRET = "axon-test-secret-1"


async def _form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (without python-multipart, which Starlette wants)."""
    return dict(parse_qsl((await request.body()).decode()))


@dataclass
class OidcProvider:
    redirect_uris: list[str] = field(default_factory=list)
    user: dict[str, Any] = field(default_factory=dict)
    tamper: dict[str, Any] = field(default_factory=dict)
    rogue_key: bool = False
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> OidcProvider:
        app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/jwks", self.jwks),
            Route("/authorize", self.authorize_page, methods=["GET"]),
            Route("/authorize", self.approve, methods=["POST"]),
            Route("/token", self.token, methods=["POST"]),
        ])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                     lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, name="oidc-provider", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("the test OIDC provider did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)

    # --- endpoints --------------------------------------------------------------------------

    async def discovery(self, request: Request) -> Response:
        return JSONResponse({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        })

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    def _check_authorization(self, params: Any) -> str | None:
        if params.get("client_id") != CLIENT_ID or params.get("redirect_uri") not in self.redirect_uris:
            return "unknown client or redirect_uri"
        if params.get("response_type") != "code" or "openid" not in (params.get("scope") or "").split():
            return "unsupported request"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "PKCE (S256) is required"
        return None

    async def authorize_page(self, request: Request) -> Response:
        params = request.query_params
        problem = self._check_authorization(params)
        if problem:
            return HTMLResponse(f"<p>{html.escape(problem)}</p>", status_code=400)
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in params.items())
        who = html.escape(str(self.user.get("email", "?")))
        return HTMLResponse(f"<!doctype html><title>Test IdP</title><h1>Test IdP</h1><form method=post>{hidden}"
                            f"<p>Sign in as {who}?</p><button data-testid=idp-approve>Continue</button></form>")

    async def approve(self, request: Request) -> Response:
        params = await _form(request)
        problem = self._check_authorization(params)
        if problem:
            return HTMLResponse(problem, status_code=400)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"redirect_uri": params["redirect_uri"], "nonce": params.get("nonce"),
                            "challenge": params["code_challenge"], "user": dict(self.user)}
        query = urlencode({"code": code, "state": params.get("state", "")})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", status_code=302)

    async def token(self, request: Request) -> Response:
        self.token_requests += 1
        form = await _form(request)
        if not self._client_authenticated(request):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(str(form.get("code")), None)  # a code works once
        if (form.get("grant_type") != "authorization_code" or grant is None
                or form.get("redirect_uri") != grant["redirect_uri"]):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if not compare_s256_code_challenge(str(form.get("code_verifier") or ""), grant["challenge"]):
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE verifier"}, status_code=400)
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                             "id_token": self._id_token(grant)})

    def _client_authenticated(self, request: Request) -> bool:
        import base64

        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        client, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        return client == CLIENT_ID and secret == CLIENT_SECRET

    def _id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": grant["nonce"],
                  **grant["user"], **self.tamper}
        key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"}) if self.rogue_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key)
