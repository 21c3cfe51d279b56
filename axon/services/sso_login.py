"""Signing in through single sign-on: a directory password (LDAP), or an OpenID Connect provider.

OpenID Connect, as run here (authorization code flow with PKCE, Core §3.1):

1. ``start``: the browser names the organisation and a random ``binding`` it keeps; the server stores
   a sign-in under a fresh ``state`` with a ``nonce``, a PKCE ``code_verifier`` and the binding's hash,
   and answers the provider's authorization URL.
2. ``callback``: the provider sends the browser back with ``code`` and ``state``. The state must be
   known and unexpired (else nothing happens); the code is exchanged with the verifier and the client
   secret, and the ID token verified (signature against the provider's keys, issuer, audience,
   expiry, nonce). The outcome, an account or an error code, is stored on the sign-in.
3. ``finish``: the browser that started (it alone knows the binding) takes the outcome once and gets a
   device token. A link or a callback replayed from elsewhere has no binding and gets nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from typing import Any

from ..domain import audit as actions
from ..domain.audit import AuditActor, AuditEvent
from ..domain.errors import Forbidden, NotFound, RateLimited, Unauthenticated, ValidationFailed
from ..domain.ids import new_token
from ..domain.model import OrgRole
from ..domain.ratelimit import RateLimiter
from ..domain.sso import DirectoryUser, check_email_allowed, oidc_config_from_stored, password_login_allowed
from ..store import accounts, sso
from .core import Core
from .ports import Directory, DirectoryUnavailable, IdentityProvider, SsoRejected
from .sso import SsoSettings, unavailable
from .sso_accounts import account_for

log = logging.getLogger("axon.sso")
Row = dict[str, Any]
SIGN_IN_MINUTES = 10  # how long a started OpenID Connect sign-in may take
ERROR_MESSAGES = {
    "sso_state_invalid": "This sign-in is unknown or expired: start again from the sign-in page.",
    "sso_rejected": "The identity provider did not sign you in.",
    "sso_token_invalid": "The identity provider's answer failed verification.",
    "sso_nonce_mismatch": "The identity provider's answer belongs to another sign-in.",
    "sso_email_not_allowed": "Your e-mail address may not sign in to this organisation.",
    "sso_no_account": "No account of this organisation has your e-mail address; ask an administrator.",
    "account_disabled": "This account is disabled: ask an administrator.",
    "sso_unavailable": "The identity provider could not be reached; try again later.",
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class SsoLogin:
    def __init__(self, core: Core, settings: SsoSettings, directory: Directory, provider: IdentityProvider) -> None:
        self.core = core
        self.settings = settings
        self.directory = directory
        self.provider = provider
        self._starts = RateLimiter(1.0, 30)

    # --- LDAP: the directory checks the password ------------------------------------------

    async def directory_login(self, org_id: str | None, login: str, password: str, address: str) -> Row | None:
        """The account whose directory entry ``login`` names, if ``password`` binds as it; None when the
        organisation has no directory or the directory says no (a local password may still match)."""
        org_id = org_id or await self._only_ldap_org()
        found = await self.settings.ldap_of(org_id) if org_id else None
        if found is None or org_id is None:
            return None
        config, secret = found
        try:
            person = await self.directory.authenticate(config, secret, login.strip(), password)
        except DirectoryUnavailable as exc:
            log.warning("LDAP sign-in for organisation %s: %s", org_id, exc)
            return None  # a local password (the admins' break-glass) may still work
        if person is None:
            return None
        oid = org_id
        if not person.in_access_group:
            await self._failed(oid, "ldap", "sso_no_access", address, person.login)
            raise Forbidden("Your directory account is not in the group that may use this organisation.",
                            code="sso_no_access")
        return await self.core.write(lambda tx: account_for(tx, oid, "ldap", person, create=True,
                                                            manage_role=bool(config.admin_group_dn),
                                                            audit=self.core.audit, address=address))

    async def _failed(self, org_id: str, kind: str, reason: str, address: str, who: str = "") -> None:
        """``sso.login_failed``: a sign-in the directory or provider could not vouch for."""
        await self.core.record_audit(AuditEvent(org_id, actions.SSO_LOGIN_FAILED, AuditActor(None, None, address),
                                                "login", who[:64], {"kind": kind, "reason": reason}))

    async def _only_ldap_org(self) -> str | None:
        """Without an organisation named, the one organisation that has LDAP on (if just one has)."""
        rows = await self.core.read(lambda c: sso.enabled_providers(c, "ldap"))
        return rows[0]["org_id"] if len(rows) == 1 else None

    async def password_allowed(self, user: Row) -> bool:
        """May this account sign in with a local password? Not a member's when SSO is required."""
        required = await self.core.read(lambda c: sso.sso_required(c, user["org_id"]))
        return password_login_allowed(required, OrgRole(user["org_role"]))

    # --- OpenID Connect ---------------------------------------------------------------------

    async def start(self, org_slug: str, binding: str, address: str) -> str:
        self._limit(address)
        if not isinstance(binding, str) or len(binding) < 32:
            raise ValidationFailed("binding must be a random string of at least 32 characters.", field="binding")
        org = await self.core.read(lambda c: accounts.get_org_by_slug(c, org_slug))
        row = await self.core.read(lambda c: sso.get_provider(c, org["id"], "oidc")) if org else None
        redirect_uri = self.settings.redirect_uri
        if org is None or row is None or not row["enabled"] or redirect_uri is None:
            raise NotFound("This organisation has no OpenID Connect sign-in.")
        now = self.core.clock.now_ms()
        login = {"state": new_token(), "org_id": org["id"], "nonce": new_token(), "code_verifier": new_token(),
                 "binding_hash": _digest(binding), "created_at": now, "expires_at": now + SIGN_IN_MINUTES * 60_000,
                 "user_id": None, "error": None}
        try:
            url = await self.provider.authorization_url(oidc_config_from_stored(row["config"]), redirect_uri,
                                                        login["state"], login["nonce"], login["code_verifier"])
        except DirectoryUnavailable as exc:
            raise unavailable(exc) from exc
        await self.core.write(lambda tx: sso.insert_oidc_login(tx.conn, login))
        return url

    def _limit(self, address: str) -> None:
        decision = self._starts.check(f"oidc:{address}", self.core.clock.monotonic())
        if not decision.allowed:
            raise RateLimited(f"Too many sign-ins from this address; wait {math.ceil(decision.retry_after)} s.",
                              retry_after=decision.retry_after)

    async def callback(self, state: str, code: str | None, error: str | None, address: str = "") -> str | None:
        """Complete a sign-in from the provider's redirect; the state to send the browser on with, or None
        when the state is unknown or expired (nothing was done)."""
        login = await self.core.read(lambda c: sso.get_oidc_login(c, state)) if state else None
        if login is None or login["expires_at"] <= self.core.clock.now_ms():
            return None
        if login["user_id"] is not None or login["error"] is not None:
            return state  # a replayed callback: the first outcome stands
        try:
            user_id, failure = await self._verify(login, code, error, address), None
        except SsoRejected as exc:
            user_id, failure = None, exc.code
        except (Forbidden, Unauthenticated) as exc:
            user_id, failure = None, exc.code
        except DirectoryUnavailable:
            user_id, failure = None, "sso_unavailable"
        await self.core.write(lambda tx: sso.complete_oidc_login(tx.conn, state, user_id, failure))
        if failure is not None:
            await self._failed(login["org_id"], "oidc", failure, address)
        return state

    async def _verify(self, login: Row, code: str | None, error: str | None, address: str) -> str:
        if error or not code:
            raise SsoRejected("sso_rejected", f"The provider answered {error or 'no code'}.")
        row = await self.core.read(lambda c: sso.get_provider(c, login["org_id"], "oidc"))
        redirect_uri = self.settings.redirect_uri
        if row is None or not row["enabled"] or redirect_uri is None:
            raise SsoRejected("sso_rejected", "OpenID Connect was turned off meanwhile.")
        config = oidc_config_from_stored(row["config"])
        person, verified = await self.provider.sign_in(config, row["secret"], redirect_uri, code,
                                                       login["code_verifier"], login["nonce"],
                                                       self.core.clock.now_ms() // 1000)
        email = check_email_allowed(config, person.email, verified)
        person = DirectoryUser(person.subject, person.login, email, person.display_name)
        org_id = login["org_id"]
        user = await self.core.write(lambda tx: account_for(tx, org_id, "oidc", person, create=config.auto_create,
                                                            manage_role=False, audit=self.core.audit,
                                                            address=address))
        return str(user["id"])

    async def finish(self, state: str, binding: str) -> Row:
        """The account a completed sign-in reached, handed once to the browser that started it."""
        login = await self.core.read(lambda c: sso.get_oidc_login(c, state)) if state else None
        if (login is None or not isinstance(binding, str)
                or not hmac.compare_digest(login["binding_hash"], _digest(binding))):
            raise Unauthenticated(ERROR_MESSAGES["sso_state_invalid"], code="sso_state_invalid")
        taken = await self.core.write(lambda tx: sso.take_oidc_login(tx.conn, state))
        if taken is None or taken["expires_at"] <= self.core.clock.now_ms():
            raise Unauthenticated(ERROR_MESSAGES["sso_state_invalid"], code="sso_state_invalid")
        if taken["user_id"] is None:
            code = taken["error"] or "sso_state_invalid"  # no callback came back (yet)
            raise Unauthenticated(ERROR_MESSAGES.get(code, ERROR_MESSAGES["sso_rejected"]), code=code)
        user = await self.core.read(lambda c: accounts.get_user(c, taken["user_id"]))
        if user is None or user["disabled"]:
            raise Unauthenticated(ERROR_MESSAGES["account_disabled"], code="account_disabled")
        return user
