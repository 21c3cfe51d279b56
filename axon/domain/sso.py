"""Single sign-on rules: the settings admins may give, LDAP filter escaping, who may use a password.

Pure functions over plain data; the directory and provider adapters live in ``axon/identity``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .accounts import email_domain, validate_email
from .errors import Forbidden, ValidationFailed
from .model import OrgRole

LDAP_SECURITY = ("none", "starttls", "ldaps")
# Attribute names (RFC 4512 descriptors) only: they are put into filters and requests unescaped.
_ATTRIBUTE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")
_USERNAME_KEEP = re.compile(r"[^a-z0-9._-]+")
SYNC_MINUTES_MIN, SYNC_MINUTES_MAX = 5, 7 * 24 * 60
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True, slots=True)
class LdapConfig:
    """Where the directory is and how its entries map to accounts (the bind password is kept apart)."""

    url: str
    security: str = "starttls"
    bind_dn: str = ""
    user_base_dn: str = ""
    user_filter: str = "(objectClass=inetOrgPerson)"
    login_attribute: str = "uid"
    email_attribute: str = "mail"
    name_attribute: str = "cn"
    access_group_dn: str = ""
    admin_group_dn: str = ""
    sync_interval_minutes: int = 60

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """An OpenID Connect provider (the client secret is kept apart)."""

    issuer: str
    client_id: str
    display_name: str = ""
    allowed_domains: tuple[str, ...] = field(default_factory=tuple)
    auto_create: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "client_id": self.client_id, "display_name": self.display_name,
                "allowed_domains": list(self.allowed_domains), "auto_create": self.auto_create}


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    """One person as the directory or the provider knows them."""

    subject: str  # stable: the entry's entryUUID (else its DN), or the OIDC ``sub``
    login: str
    email: str | None
    display_name: str
    in_access_group: bool = True
    is_admin: bool = False


def _text(value: Any, name: str, limit: int = 1000, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > limit or any(ord(c) < 32 for c in value):
        raise ValidationFailed(f"{name} must be a line of text of at most {limit} characters.", field=name)
    text: str = value.strip()
    if required and not text:
        raise ValidationFailed(f"{name} is required.", field=name)
    return text


def _attribute(value: Any, name: str) -> str:
    text = _text(value, name, 64, required=True)
    if not _ATTRIBUTE.match(text):
        raise ValidationFailed(f"{name} must be an LDAP attribute name (letters, digits, hyphens).", field=name)
    return text


def validate_ldap_filter(value: Any, name: str = "user_filter") -> str:
    """A filter of the admin's own, wrapped in parentheses that balance (it is ANDed with the login's)."""
    text = _text(value, name, 1000) or "(objectClass=*)"
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0 or not (text.startswith("(") and text.endswith(")")):
        raise ValidationFailed(f"{name} must be an LDAP filter in balanced parentheses, e.g. "
                               "(objectClass=inetOrgPerson).", field=name)
    return text


def _server_url(value: Any, name: str, schemes: tuple[str, ...]) -> str:
    text = _text(value, name, 500, required=True)
    parts = urlsplit(text)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValidationFailed(f"{name} must be a {' or '.join(s + '://' for s in schemes)} URL with a host.",
                               field=name)
    return text.rstrip("/")


def validate_ldap_config(body: dict[str, Any]) -> LdapConfig:
    url = _server_url(body.get("url"), "url", ("ldap", "ldaps"))
    security = body.get("security", "starttls")
    if security not in LDAP_SECURITY:
        raise ValidationFailed("security must be none, starttls or ldaps.", field="security")
    if (security == "ldaps") != url.startswith("ldaps://"):
        raise ValidationFailed("Use an ldaps:// URL exactly when security is ldaps.", field="url")
    minutes = body.get("sync_interval_minutes", 60)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not SYNC_MINUTES_MIN <= minutes <= SYNC_MINUTES_MAX:
        raise ValidationFailed(f"sync_interval_minutes must be between {SYNC_MINUTES_MIN} and {SYNC_MINUTES_MAX}.",
                               field="sync_interval_minutes")
    return LdapConfig(
        url=url, security=security, bind_dn=_text(body.get("bind_dn"), "bind_dn"),
        user_base_dn=_text(body.get("user_base_dn"), "user_base_dn", required=True),
        user_filter=validate_ldap_filter(body.get("user_filter")),
        login_attribute=_attribute(body.get("login_attribute", "uid"), "login_attribute"),
        email_attribute=_attribute(body.get("email_attribute", "mail"), "email_attribute"),
        name_attribute=_attribute(body.get("name_attribute", "cn"), "name_attribute"),
        access_group_dn=_text(body.get("access_group_dn"), "access_group_dn"),
        admin_group_dn=_text(body.get("admin_group_dn"), "admin_group_dn"),
        sync_interval_minutes=minutes)


def validate_oidc_config(body: dict[str, Any]) -> OidcConfig:
    issuer = _server_url(body.get("issuer"), "issuer", ("https", "http"))
    if issuer.startswith("http://") and urlsplit(issuer).hostname not in LOCAL_HOSTS:
        raise ValidationFailed("issuer must be an https:// URL (http:// only on this machine, for trying it out).",
                               field="issuer")
    domains = body.get("allowed_domains") or []
    if not isinstance(domains, list) or len(domains) > 50:
        raise ValidationFailed("allowed_domains must be a list of at most 50 domains.", field="allowed_domains")
    cleaned = []
    for domain in domains:
        address = _valid_email(f"x@{domain}") if isinstance(domain, str) and "@" not in domain else None
        if address is None:
            raise ValidationFailed(f"{domain!r} is not an e-mail domain.", field="allowed_domains")
        cleaned.append(email_domain(address))
    auto_create = body.get("auto_create", True)
    if not isinstance(auto_create, bool):
        raise ValidationFailed("auto_create must be true or false.", field="auto_create")
    return OidcConfig(issuer=issuer, client_id=_text(body.get("client_id"), "client_id", 500, required=True),
                      display_name=_text(body.get("display_name"), "display_name", 100),
                      allowed_domains=tuple(dict.fromkeys(cleaned)), auto_create=auto_create)


def ldap_config_from_stored(data: dict[str, Any]) -> LdapConfig:
    return LdapConfig(**{k: data[k] for k in LdapConfig.__slots__ if k in data})


def oidc_config_from_stored(data: dict[str, Any]) -> OidcConfig:
    return OidcConfig(issuer=data["issuer"], client_id=data["client_id"], display_name=data.get("display_name", ""),
                      allowed_domains=tuple(data.get("allowed_domains", ())), auto_create=data.get("auto_create", True))


# RFC 4515 section 3: these characters stand for themselves only when written as \XX.
_FILTER_ESCAPES = {"\\": r"\5c", "*": r"\2a", "(": r"\28", ")": r"\29", "\x00": r"\00"}


def escape_filter_value(value: str) -> str:
    """``value`` as an assertion value of an LDAP filter: typed text can never become filter syntax."""
    return "".join(_FILTER_ESCAPES.get(char, char) for char in value)


def login_filter(config: LdapConfig, login: str) -> str:
    """The filter that finds the one entry a typed login names, within the admin's filter."""
    return f"(&{config.user_filter}({config.login_attribute}={escape_filter_value(login)}))"


def username_from(login: str, email: str | None) -> str:
    """An Axon username for a new SSO account: the directory login, else the e-mail's local part."""
    for base in (login, email.split("@", 1)[0] if email else ""):
        name = _USERNAME_KEEP.sub("-", base.strip().lower()).strip("-._")[:60]
        if len(name) >= 2:
            return name
    return "user"  # numbered by the caller (user-2, user-3...)


def check_email_allowed(config: OidcConfig, email: str | None, verified: bool) -> str:
    """The provider's e-mail address, if it is verified and of an allowed domain."""
    address = _valid_email(email) if isinstance(email, str) else None
    if address is None or not verified:
        raise Forbidden("The provider gave no verified e-mail address.", code="sso_email_not_allowed")
    if config.allowed_domains and email_domain(address) not in config.allowed_domains:
        raise Forbidden("Your e-mail domain may not sign in to this organisation.", code="sso_email_not_allowed")
    return address


def _valid_email(text: str) -> str | None:
    try:
        return validate_email(text)
    except ValidationFailed:
        return None


def password_login_allowed(sso_required: bool, role: OrgRole) -> bool:
    """With single sign-on required, only admins (owners included) keep their password (break-glass when the
    provider fails). A refused password is answered like a wrong one (``invalid_credentials``): never
    confirmed right."""
    return not sso_required or role in (OrgRole.OWNER, OrgRole.ADMIN)


def directory_role(current: OrgRole, in_admin_group: bool) -> OrgRole:
    """The organisation role a directory's admin group gives. The group decides admin or member only:
    owners and guests are Axon's own roles, which the directory has no group for, so they are kept."""
    if current in (OrgRole.OWNER, OrgRole.GUEST):
        return current
    return OrgRole.ADMIN if in_admin_group else OrgRole.MEMBER
