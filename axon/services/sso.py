"""Single sign-on: an organisation's LDAP directory and OpenID Connect provider, set up by its admins.

``check_*`` validates and authorises, ``do_*``-style methods write through the group-commit writer.
Sign-in itself is in ``sso_login``; the directory sync in ``directory_sync``.
"""

from __future__ import annotations

from typing import Any

from ..domain import audit as actions
from ..domain import policy
from ..domain.clock import iso_from_ms
from ..domain.errors import Conflict, NotFound, Unavailable
from ..domain.model import Actor
from ..domain.sso import (
    LdapConfig,
    ldap_config_from_stored,
    oidc_config_from_stored,
    validate_ldap_config,
    validate_oidc_config,
)
from ..protocol.rest_security import LdapSettings, LdapTestResult, OidcSettings, SignInOptions, SyncSummary
from ..protocol.rest_security import SsoSettings as SsoSettingsView
from ..store import accounts, sso
from .core import Core
from .ports import Directory, DirectoryReport, DirectoryUnavailable

Row = dict[str, Any]
KINDS = ("ldap", "oidc")
CALLBACK_PATH = "/api/v1/auth/oidc/callback"


def sync_view(result: Row) -> SyncSummary:
    return SyncSummary(**{**result, "at": iso_from_ms(result["at"])})


def ldap_view(row: Row | None) -> LdapSettings | None:
    if row is None:
        return None
    result = row["last_sync_result"]
    return LdapSettings(enabled=bool(row["enabled"]), **ldap_config_from_stored(row["config"]).to_dict(),
                        has_bind_password=bool(row["secret"]), last_sync_at=iso_from_ms(row["last_sync_at"]),
                        last_sync=sync_view(result) if result else None)


def oidc_view(row: Row | None) -> OidcSettings | None:
    if row is None:
        return None
    return OidcSettings(enabled=bool(row["enabled"]), **oidc_config_from_stored(row["config"]).to_dict(),
                        has_client_secret=bool(row["secret"]))


class SsoSettings:
    def __init__(self, core: Core, directory: Directory, public_url: str | None) -> None:
        self.core = core
        self.directory = directory
        self.public_url = (public_url or "").rstrip("/")

    @property
    def redirect_uri(self) -> str | None:
        """Where the provider sends people back (register it with the provider); needs the public URL."""
        return self.public_url + CALLBACK_PATH if self.public_url else None

    async def view(self, actor: Actor) -> SsoSettingsView:
        policy.check_org_admin(actor)
        return await self._view(actor.org_id)

    async def _view(self, org_id: str) -> SsoSettingsView:
        def read(conn: Any) -> SsoSettingsView:
            return SsoSettingsView(ldap_view(sso.get_provider(conn, org_id, "ldap")),
                                   oidc_view(sso.get_provider(conn, org_id, "oidc")),
                                   sso.sso_required(conn, org_id), self.redirect_uri)

        return await self.core.read(read)

    async def put_ldap(self, actor: Actor, body: Row) -> SsoSettingsView:
        policy.check_org_admin(actor)
        config = validate_ldap_config(body)
        await self._put(actor, "ldap", bool(body.get("enabled")), config.to_dict(), body.get("bind_password"))
        return await self._view(actor.org_id)

    async def put_oidc(self, actor: Actor, body: Row) -> SsoSettingsView:
        policy.check_org_admin(actor)
        config = validate_oidc_config(body)
        enabled = bool(body.get("enabled"))
        if enabled and self.redirect_uri is None:
            raise Conflict("OpenID Connect sends people back to this server's public address: set AXON_PUBLIC_URL "
                           "first.", code="public_url_required", field="enabled")
        await self._put(actor, "oidc", enabled, config.to_dict(), body.get("client_secret"))
        return await self._view(actor.org_id)

    async def _put(self, actor: Actor, kind: str, enabled: bool, config: Row, secret: str | None) -> None:
        # The settings an admin sees are in the entry; the secret never is (only whether it changed).
        event = self.core.audit.event(actor, actions.SSO_SETTINGS_CHANGED, "org", actor.org_id, kind=kind,
                                      enabled=enabled, secret_changed=secret is not None, settings=config)

        def write(tx: Any) -> None:
            sso.put_provider(tx.conn, actor.org_id, kind, enabled, config, secret, tx.now_ms)
            if not enabled:
                self._keep_policy_possible(tx, actor.org_id)
            self.core.audit.record(tx, event)

        await self.core.write(write)

    async def delete(self, actor: Actor, kind: str) -> SsoSettingsView:
        policy.check_org_admin(actor)
        if kind not in KINDS:
            raise NotFound("No such sign-in provider.")

        event = self.core.audit.event(actor, actions.SSO_SETTINGS_CHANGED, "org", actor.org_id, kind=kind,
                                      removed=True)

        def write(tx: Any) -> None:
            if sso.get_provider(tx.conn, actor.org_id, kind) is not None:
                sso.delete_provider(tx.conn, actor.org_id, kind)
                self._keep_policy_possible(tx, actor.org_id)
                self.core.audit.record(tx, event)

        await self.core.write(write)
        return await self._view(actor.org_id)

    @staticmethod
    def _keep_policy_possible(tx: Any, org_id: str) -> None:
        """Single sign-on stops being required when no provider is left to sign in with."""
        if not any((p := sso.get_provider(tx.conn, org_id, k)) and p["enabled"] for k in KINDS):
            sso.set_sso_required(tx.conn, org_id, False, tx.now_ms)

    async def set_required(self, actor: Actor, required: bool) -> SsoSettingsView:
        policy.check_org_admin(actor)

        event = self.core.audit.event(actor, actions.ORG_POLICY_CHANGED, "org", actor.org_id,
                                      setting="sso_required", to=required)

        def write(tx: Any) -> None:
            if required and not any((p := sso.get_provider(tx.conn, actor.org_id, k)) and p["enabled"] for k in KINDS):
                raise Conflict("Turn on LDAP or an OpenID Connect provider before requiring single sign-on.",
                               code="sso_not_configured", field="sso_required")
            before = sso.sso_required(tx.conn, actor.org_id)
            sso.set_sso_required(tx.conn, actor.org_id, required, tx.now_ms)
            if before != required:
                self.core.audit.record(tx, event.with_details(**{"from": before}))

        await self.core.write(write)
        return await self._view(actor.org_id)

    async def test_ldap(self, actor: Actor, body: Row) -> LdapTestResult:
        """Try settings (saved or not) against the directory: bind, search, read the groups."""
        policy.check_org_admin(actor)
        config = validate_ldap_config(body)
        secret = body.get("bind_password")
        if secret is None:
            stored = await self.core.read(lambda c: sso.get_provider(c, actor.org_id, "ldap"))
            secret = stored["secret"] if stored else ""
        try:
            report = await self.directory.test(config, secret)
        except DirectoryUnavailable as exc:
            return LdapTestResult(False, 0, [], str(exc))
        return LdapTestResult(True, report.users, report.sample, "")

    async def ldap_of(self, org_id: str) -> tuple[LdapConfig, str] | None:
        """The organisation's LDAP settings and bind password, when LDAP is on."""
        row = await self.core.read(lambda c: sso.get_provider(c, org_id, "ldap"))
        if row is None or not row["enabled"]:
            return None
        return ldap_config_from_stored(row["config"]), row["secret"]

    async def sign_in_options(self, org_slug: str | None) -> SignInOptions:
        """Public: how people of an organisation sign in (for the sign-in page). Without ``org``, the
        options of the server's only organisation, when it has just one."""
        def read(conn: Any) -> SignInOptions:
            org = accounts.get_org_by_slug(conn, org_slug) if org_slug else _only_org(conn)
            if org is None:
                raise NotFound("Organisation not found.")
            ldap = sso.get_provider(conn, org["id"], "ldap")
            oidc = sso.get_provider(conn, org["id"], "oidc")
            oidc_on = bool(oidc and oidc["enabled"] and self.redirect_uri)
            name = oidc_config_from_stored(oidc["config"]).display_name if oidc_on and oidc else ""
            return SignInOptions(org["slug"], org["name"], bool(ldap and ldap["enabled"]),
                                 (name or "OpenID Connect") if oidc_on else None, sso.sso_required(conn, org["id"]))

        return await self.core.read(read)


def _only_org(conn: Any) -> Row | None:
    orgs = accounts.list_orgs(conn)
    return orgs[0] if len(orgs) == 1 else None


def unavailable(exc: DirectoryUnavailable) -> Unavailable:
    return Unavailable(f"Single sign-on is unavailable: {exc}", code="sso_unavailable")


__all__ = ["DirectoryReport", "SsoSettings", "ldap_view", "oidc_view", "sync_view", "unavailable"]
