"""Response bodies of single sign-on and encryption at rest (``docs/security.md``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .shape import Shape, Timestamp


class SyncSummary(Shape):
    """What one directory sync did."""

    at: Timestamp
    directory_entries: Annotated[int, msgspec.Meta(description="Entries the user filter matched.")]
    checked: Annotated[int, msgspec.Meta(description="Accounts linked to the directory that were compared.")]
    updated: Annotated[int, msgspec.Meta(description="Accounts whose name, e-mail or role changed.")]
    disabled: Annotated[int, msgspec.Meta(description="Accounts disabled (devices revoked): gone from the "
                                          "directory or its access group.")]
    enabled: Annotated[int, msgspec.Meta(description="Accounts the sync had disabled that are back.")]


class LdapSettings(Shape):
    """An organisation's LDAP directory; the bind password is never returned (``has_bind_password``)."""

    enabled: bool
    url: str
    security: Annotated[str, msgspec.Meta(description="none, starttls or ldaps.")]
    bind_dn: str
    has_bind_password: bool
    user_base_dn: str
    user_filter: str
    login_attribute: str
    email_attribute: str
    name_attribute: str
    access_group_dn: Annotated[str, msgspec.Meta(description="Only its members may sign in (empty: everyone).")]
    admin_group_dn: Annotated[str, msgspec.Meta(description="Its members are organisation admins (empty: the "
                                                "directory does not decide roles).")]
    sync_interval_minutes: int
    last_sync_at: Timestamp
    last_sync: SyncSummary | None


class OidcSettings(Shape):
    """An organisation's OpenID Connect provider; the client secret is never returned (``has_client_secret``)."""

    enabled: bool
    issuer: str
    client_id: str
    has_client_secret: bool
    display_name: Annotated[str, msgspec.Meta(description='Shown on the button: "Sign in with <display_name>".')]
    allowed_domains: Annotated[list[str], msgspec.Meta(description="E-mail domains that may sign in (empty: any).")]
    auto_create: Annotated[bool, msgspec.Meta(description="Create an account at a first sign-in (else only "
                                              "existing accounts, matched by e-mail, may sign in).")]


class SsoSettings(Shape):
    ldap: LdapSettings | None
    oidc: OidcSettings | None
    sso_required: Annotated[bool, msgspec.Meta(description="Members must use single sign-on; admins keep "
                                               "their password.")]
    redirect_uri: Annotated[str | None, msgspec.Meta(
        description="The redirect URI to register with the provider (null: AXON_PUBLIC_URL is not set).")]


class LdapTestResult(Shape):
    ok: bool
    users: Annotated[int, msgspec.Meta(description="Entries the user filter matches.")]
    sample: Annotated[list[str], msgspec.Meta(description="A few of their logins.")]
    message: Annotated[str, msgspec.Meta(description="Why the test failed (empty when ok).")]


class SignInOptions(Shape):
    """How people of an organisation sign in (public: for the sign-in page)."""

    org: str
    org_name: str
    ldap: Annotated[bool, msgspec.Meta(description="Passwords are checked by the organisation's directory.")]
    oidc: Annotated[str | None, msgspec.Meta(description="The OpenID Connect provider's name, or null.")]
    sso_required: bool


class OidcStart(Shape):
    authorization_url: Annotated[str, msgspec.Meta(description="Send the browser here.")]


class DataKey(Shape):
    """One of the organisation's data keys (never its bytes)."""

    id: Annotated[str, msgspec.Meta(description="The key id every value sealed under it carries.")]
    state: Annotated[Literal["active", "retiring", "retired"], msgspec.Meta(
        description="active: new values are sealed under it; retiring: rows not yet re-encrypted use it; "
                    "retired: no row uses it, its wrapped bytes are erased.")]
    master_key: Annotated[str, msgspec.Meta(description="Fingerprint of the master key that wraps it.")]
    created_at: Timestamp
    retired_at: Timestamp


class Reencryption(Shape):
    """The organisation's latest re-encryption (a key rotation, or the first sealing of older rows)."""

    key_id: str
    reason: Literal["rotation", "legacy"]
    rows_done: Annotated[int, msgspec.Meta(description="Rows looked at so far (walks after the first included).")]
    rows_total: Annotated[int, msgspec.Meta(description="Rows the organisation had when it started.")]
    walks: Annotated[int, msgspec.Meta(description="Walks over the rows completed; the last changes nothing.")]
    started_at: Timestamp
    finished_at: Timestamp


class EncryptionStatus(Shape):
    """Encryption at rest of the organisation: its data keys and re-encryption progress."""

    keys: list[DataKey]
    reencryption: Reencryption | None


SECURITY_SHAPES: tuple[Any, ...] = (
    SyncSummary, LdapSettings, OidcSettings, SsoSettings, LdapTestResult, SignInOptions, OidcStart, DataKey,
    Reencryption, EncryptionStatus,
)
