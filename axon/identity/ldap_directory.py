"""An LDAP directory through ``ldap3``: find an entry by login, bind as it, read groups, list everyone.

``ldap3`` is synchronous: every call runs in a worker thread with connect and receive timeouts, so a
slow directory never blocks the event loop. Each operation opens its own connection (logins are rare
next to messages; a pool would keep a bound service account open for nothing).
"""

from __future__ import annotations

import asyncio
import math
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPInvalidCredentialsResult

from ..domain.sso import DirectoryUser, LdapConfig, login_filter
from ..services.ports import DirectoryReport, DirectoryUnavailable

_GROUP_MEMBER_ATTRIBUTES = ["member", "uniqueMember", "memberUid"]
_PAGE = 500


def _first(attributes: dict[str, Any], name: str) -> str:
    value = attributes.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


def _norm_dn(dn: str) -> str:
    return ",".join(part.strip() for part in dn.lower().split(","))


class LdapDirectory:
    def __init__(self, timeout: float = 10.0, ca_file: str | None = None) -> None:
        self.timeout = max(1, math.ceil(timeout))  # ldap3 packs it into a socket option: whole seconds
        self.ca_file = ca_file

    async def test(self, config: LdapConfig, secret: str) -> DirectoryReport:
        people = await self.people(config, secret)
        return DirectoryReport(len(people), sorted(p.login for p in people)[:5])

    async def authenticate(self, config: LdapConfig, secret: str, login: str, password: str) -> DirectoryUser | None:
        if not login or not password:  # an empty password would be an anonymous bind: it proves nothing
            return None
        return await asyncio.to_thread(self._authenticate, config, secret, login, password)

    async def people(self, config: LdapConfig, secret: str) -> list[DirectoryUser]:
        return await asyncio.to_thread(self._people, config, secret)

    # --- in the worker thread -------------------------------------------------------

    def _server(self, config: LdapConfig) -> Server:
        tls = None
        if config.security != "none":
            tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=self.ca_file, version=ssl.PROTOCOL_TLS_CLIENT)
        return Server(config.url, use_ssl=config.security == "ldaps", tls=tls, get_info=NONE,
                      connect_timeout=self.timeout)

    @contextmanager
    def _bound(self, config: LdapConfig, dn: str | None, password: str | None) -> Iterator[Connection]:
        """A connection bound as ``dn`` (anonymous when None); raises LDAPInvalidCredentialsResult."""
        conn = Connection(self._server(config), user=dn or None, password=password or None, read_only=True,
                          receive_timeout=self.timeout, raise_exceptions=True, auto_bind=False)
        try:
            conn.open()
            if config.security == "starttls":
                conn.start_tls(read_server_info=False)
            conn.bind()
            yield conn
        finally:
            with suppress(LDAPException):  # a failed handshake leaves a broken socket: keep its error, not this
                conn.unbind()

    @contextmanager
    def _service(self, config: LdapConfig, secret: str) -> Iterator[Connection]:
        try:
            with self._bound(config, config.bind_dn or None, secret or None) as conn:
                yield conn
        except LDAPInvalidCredentialsResult as exc:
            raise DirectoryUnavailable("The directory refused the bind DN and password of the settings.") from exc
        except LDAPException as exc:
            raise DirectoryUnavailable(f"The directory could not be used: {exc}") from exc

    def _attributes(self, config: LdapConfig) -> list[str]:
        return [config.login_attribute, config.email_attribute, config.name_attribute, "entryUUID"]

    def _authenticate(self, config: LdapConfig, secret: str, login: str, password: str) -> DirectoryUser | None:
        with self._service(config, secret) as conn:
            conn.search(config.user_base_dn, login_filter(config, login), SUBTREE,
                        attributes=self._attributes(config), size_limit=2)
            entries = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
            if len(entries) != 1:  # unknown, or ambiguous: never guess which person is meant
                return None
            groups = self._groups(conn, config)
        entry = entries[0]
        try:
            with self._bound(config, entry["dn"], password):
                pass  # the bind itself is the password check: the directory accepted it
        except LDAPInvalidCredentialsResult:
            return None
        except LDAPException as exc:
            raise DirectoryUnavailable(f"The directory could not be used: {exc}") from exc
        return self._person(config, entry, groups)

    def _people(self, config: LdapConfig, secret: str) -> list[DirectoryUser]:
        with self._service(config, secret) as conn:
            entries = conn.extend.standard.paged_search(
                config.user_base_dn, config.user_filter, SUBTREE, attributes=self._attributes(config),
                paged_size=_PAGE, generator=False)
            groups = self._groups(conn, config)
        return [self._person(config, e, groups) for e in entries if e.get("type") == "searchResEntry"]

    def _groups(self, conn: Connection, config: LdapConfig) -> dict[str, set[str] | None]:
        """Members (normalised DNs and memberUid logins) of the access and admin groups; None: no group set."""
        return {"access": self._members(conn, config.access_group_dn),
                "admin": self._members(conn, config.admin_group_dn)}

    @staticmethod
    def _members(conn: Connection, group_dn: str) -> set[str] | None:
        if not group_dn:
            return None
        try:
            conn.search(group_dn, "(objectClass=*)", BASE, attributes=_GROUP_MEMBER_ATTRIBUTES)
        except LDAPException:  # a group that does not exist has no members: nobody gets its access
            return set()
        members: set[str] = set()
        for entry in conn.response or []:
            for name in _GROUP_MEMBER_ATTRIBUTES:
                values = entry.get("attributes", {}).get(name) or []
                members.update(_norm_dn(v) if name != "memberUid" else v.lower() for v in values)
        return members

    @staticmethod
    def _person(config: LdapConfig, entry: dict[str, Any], groups: dict[str, set[str] | None]) -> DirectoryUser:
        attributes = entry.get("attributes", {})
        login = _first(attributes, config.login_attribute)
        keys = {_norm_dn(entry["dn"]), login.lower()}

        def member(group: set[str] | None, default: bool) -> bool:
            return default if group is None else bool(keys & group)

        return DirectoryUser(
            subject=_first(attributes, "entryUUID") or _norm_dn(entry["dn"]), login=login,
            email=_first(attributes, config.email_attribute) or None,
            display_name=_first(attributes, config.name_attribute) or login,
            in_access_group=member(groups["access"], True), is_admin=member(groups["admin"], False))
