"""OpenID Connect relying party: discovery, the authorization code flow with PKCE, ID token checks.

``authlib``'s OAuth 2 parameter helpers build the authorization request (with the PKCE S256 challenge)
and the token request (client_secret_basic, code_verifier), sent with ``httpx``; ``joserfc`` (authlib's
JOSE library) verifies the ID token against the provider's published keys. Discovery and the key set
are read at every sign-in: sign-ins are rare, and a provider that rotates its keys is followed at once.
"""

from __future__ import annotations

from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..domain.sso import DirectoryUser, OidcConfig
from ..services.ports import DirectoryUnavailable, SsoRejected

SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
CLOCK_SKEW_S = 60


class OidcClient:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                response = await http.get(url)
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DirectoryUnavailable(f"The identity provider could not be reached ({url}): {exc}") from exc
        if not isinstance(data, dict):
            raise DirectoryUnavailable(f"The identity provider answered something else than a JSON object at {url}.")
        return data

    async def metadata(self, config: OidcConfig) -> dict[str, Any]:
        """The provider's discovery document, which must name the configured issuer (Discovery §4.3)."""
        meta = await self._get_json(config.issuer + "/.well-known/openid-configuration")
        if meta.get("issuer") != config.issuer:
            raise DirectoryUnavailable("The provider's discovery document names another issuer than the settings.")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(meta.get(key), str):
                raise DirectoryUnavailable(f"The provider's discovery document has no {key}.")
        return meta

    async def authorization_url(self, config: OidcConfig, redirect_uri: str, state: str, nonce: str,
                                code_verifier: str) -> str:
        meta = await self.metadata(config)
        return str(prepare_grant_uri(meta["authorization_endpoint"], config.client_id, "code",
                                     redirect_uri=redirect_uri, scope="openid email profile", state=state,
                                     nonce=nonce, code_challenge=create_s256_code_challenge(code_verifier),
                                     code_challenge_method="S256"))

    async def sign_in(self, config: OidcConfig, secret: str, redirect_uri: str, code: str, code_verifier: str,
                      nonce: str, now_s: int) -> tuple[DirectoryUser, bool]:
        meta = await self.metadata(config)
        id_token = await self._exchange(meta, config, secret, redirect_uri, code, code_verifier)
        keys = KeySet.import_key_set(await self._get_json(meta["jwks_uri"]))  # type: ignore[arg-type]
        claims = verify_id_token(id_token, keys, config, nonce, now_s)
        email = claims.get("email")
        person = DirectoryUser(subject=str(claims["sub"]), login=str(claims.get("preferred_username") or ""),
                               email=email if isinstance(email, str) else None,
                               display_name=str(claims.get("name") or claims.get("preferred_username") or ""))
        return person, claims.get("email_verified") is True

    async def _exchange(self, meta: dict[str, Any], config: OidcConfig, secret: str, redirect_uri: str, code: str,
                        code_verifier: str) -> str:
        body = prepare_token_request("authorization_code", code=code, redirect_uri=redirect_uri,
                                     code_verifier=code_verifier)
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                response = await http.post(meta["token_endpoint"], content=body, auth=(config.client_id, secret),
                                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                                    "Accept": "application/json"})
            token = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DirectoryUnavailable(f"The provider's token endpoint could not be used: {exc}") from exc
        if response.status_code != 200 or not isinstance(token, dict):
            error = token.get("error") if isinstance(token, dict) else response.status_code
            raise SsoRejected("sso_rejected", f"The provider refused the sign-in: {error}.")
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SsoRejected("sso_rejected", "The provider returned no ID token.")
        return id_token


def verify_id_token(id_token: str, keys: KeySet, config: OidcConfig, nonce: str, now_s: int) -> dict[str, Any]:
    """The ID token's claims, once its signature (the provider's keys), issuer, audience, expiry and nonce
    are checked (OpenID Connect Core §3.1.3.7)."""
    try:
        token = jwt.decode(id_token, keys, algorithms=SIGNING_ALGORITHMS)
    except (JoseError, ValueError) as exc:
        raise SsoRejected("sso_token_invalid", f"The ID token's signature does not verify: {exc}.") from exc
    registry = jwt.JWTClaimsRegistry(
        now=now_s, leeway=CLOCK_SKEW_S, iss={"essential": True, "value": config.issuer},
        aud={"essential": True, "value": config.client_id}, sub={"essential": True}, exp={"essential": True},
        iat={"essential": True}, nonce={"essential": True, "value": nonce})
    try:
        registry.validate(token.claims)
    except JoseError as exc:
        code = "sso_nonce_mismatch" if "nonce" in str(exc) else "sso_token_invalid"
        raise SsoRejected(code, f"The ID token was refused: {exc}.") from exc
    audience = token.claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and token.claims.get("azp") != config.client_id:
        raise SsoRejected("sso_token_invalid", "The ID token was issued to another party (azp).")
    return dict(token.claims)
