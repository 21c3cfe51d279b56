"""Single sign-on rules: LDAP filter escaping, settings validation, usernames, who may use a password."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axon.domain.errors import Forbidden, ValidationFailed
from axon.domain.model import OrgRole
from axon.domain.sso import (
    LdapConfig,
    OidcConfig,
    check_email_allowed,
    directory_role,
    escape_filter_value,
    login_filter,
    password_login_allowed,
    username_from,
    validate_ldap_config,
    validate_oidc_config,
)


def test_filter_metacharacters_are_escaped_as_rfc_4515_says() -> None:
    assert escape_filter_value("a*b(c)d\\e\x00") == r"a\2ab\28c\29d\5ce\00"
    config = LdapConfig(url="ldap://x", user_filter="(objectClass=person)")
    assert login_filter(config, "*)(uid=*") == r"(&(objectClass=person)(uid=\2a\29\28uid=\2a))"


@given(st.text())
def test_no_typed_login_can_open_or_close_a_filter(login: str) -> None:
    escaped = escape_filter_value(login)
    assert not any(c in escaped for c in "()*\x00")
    assert escaped.replace(r"\5c", "").count("\\") == escaped.count("\\") - escaped.count(r"\5c")


def test_ldap_settings_are_checked() -> None:
    good = {"url": "ldap://dir.corp.example:389", "user_base_dn": "ou=people,dc=corp", "security": "starttls"}
    assert validate_ldap_config(good).login_attribute == "uid"
    for bad in ({"url": "https://x"}, {"security": "ldaps"}, {"user_filter": "objectClass=*"},
                {"user_filter": "(a))(b"}, {"email_attribute": "mail)(x"}, {"sync_interval_minutes": 1},
                {"user_base_dn": ""}, {"bind_dn": "line\nbreak"}):
        with pytest.raises(ValidationFailed):
            validate_ldap_config({**good, **bad})


def test_oidc_issuer_must_be_https_except_on_this_machine() -> None:
    assert validate_oidc_config({"issuer": "https://idp.example.com/", "client_id": "c"}).issuer == \
        "https://idp.example.com"
    assert validate_oidc_config({"issuer": "http://127.0.0.1:9000", "client_id": "c"}).client_id == "c"
    with pytest.raises(ValidationFailed):
        validate_oidc_config({"issuer": "http://idp.example.com", "client_id": "c"})
    with pytest.raises(ValidationFailed):
        validate_oidc_config({"issuer": "https://idp.example.com", "client_id": "c", "allowed_domains": ["a@b.c"]})
    config = validate_oidc_config({"issuer": "https://i.example", "client_id": "c",
                                   "allowed_domains": ["Corp.Example", "corp.example"]})
    assert config.allowed_domains == ("corp.example",)


def test_only_verified_addresses_of_allowed_domains_sign_in() -> None:
    config = OidcConfig(issuer="https://i", client_id="c", allowed_domains=("corp.example",))
    assert check_email_allowed(config, "Ada@Corp.Example", True) == "ada@corp.example"
    for email, verified in (("ada@corp.example", False), ("eve@evil.example", True), (None, True),
                            ("ada@corp.example.evil.example", True), ("not an address", True)):
        with pytest.raises(Forbidden):
            check_email_allowed(config, email, verified)


def test_usernames_are_made_from_the_login_or_the_e_mail() -> None:
    assert username_from("Alice", None) == "alice"
    assert username_from("", "grace.hopper@navy.example") == "grace.hopper"
    assert username_from("王芳", "wang@x.example") == "wang"
    assert username_from("王芳", None) == "user"  # nothing usable: numbered by the caller
    assert username_from("o'brien smith", None) == "o-brien-smith"


def test_with_sso_required_only_admins_keep_their_password() -> None:
    assert password_login_allowed(False, OrgRole.MEMBER)
    assert password_login_allowed(True, OrgRole.ADMIN)
    assert password_login_allowed(True, OrgRole.OWNER)  # owners are admins: the organisation's creator too
    assert not password_login_allowed(True, OrgRole.MEMBER)
    assert not password_login_allowed(True, OrgRole.GUEST)


@pytest.mark.parametrize("current", list(OrgRole))
def test_the_directory_admin_group_decides_admin_or_member_and_keeps_owners_and_guests(current: OrgRole) -> None:
    for in_group in (True, False):
        role = directory_role(current, in_group)
        if current in (OrgRole.OWNER, OrgRole.GUEST):
            assert role is current
        else:
            assert role is (OrgRole.ADMIN if in_group else OrgRole.MEMBER)
