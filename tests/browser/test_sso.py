"""Single sign-on in the browser: the OpenID Connect redirect flow through a real local provider's
page, an LDAP login against a real slapd, and Admin › Sign-in (test connection, save, sync now).
In English and Chinese. Each test removes the settings it made: the session's node is shared."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.support.slapd import PEOPLE, READER_DN, READER_PASSWORD, USERS_GROUP, Slapd, group, person, seed

from .conftest import AxonServer, Session, screenshot

pytestmark = pytest.mark.browser

LOCALES = ["en-US", "zh-CN"]
TEXT = {
    "en-US": {"button": "Sign in with Corp SSO", "ldap": "directory (LDAP)", "nonce": "belongs to another sign-in",
              "test_ok": "Connected: 3 people", "synced": "Sync finished."},
    "zh-CN": {"button": "使用 Corp SSO 登录", "ldap": "目录（LDAP）", "nonce": "不属于本次登录",
              "test_ok": "连接成功：有 3 人", "synced": "同步完成。"},
}


@pytest.fixture(scope="module")
def provider(axon: AxonServer) -> Iterator[OidcProvider]:
    idp = OidcProvider(redirect_uris=[axon.base_url + "/api/v1/auth/oidc/callback"]).start()
    yield idp
    idp.stop()


@pytest.fixture(scope="module")
def directory() -> Iterator[Slapd]:
    server = Slapd(seed([person("alice", "Alice Liddell", "alice@corp.example", "alice-directory-1"),
                         person("bob", "Bob Builder", "bob@corp.example", "bob-directory-1"),
                         person("li.lei", "李雷", "li.lei@corp.example", "li-directory-1")],
                        [group(USERS_GROUP, ["alice", "bob", "li.lei"])])).start()
    yield server
    server.stop()


@pytest.fixture
def oidc_on(axon: AxonServer, provider: OidcProvider) -> Iterator[OidcProvider]:
    axon.call(axon.admin, "PUT", "/admin/sso/oidc", json={
        "enabled": True, "issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "display_name": "Corp SSO", "allowed_domains": ["corp.example"]})
    provider.tamper.clear()
    yield provider
    axon.call(axon.admin, "DELETE", "/admin/sso/oidc")


def ldap_body(directory: Slapd) -> dict[str, object]:
    return {"enabled": True, "url": directory.url, "security": "none", "bind_dn": READER_DN,
            "bind_password": READER_PASSWORD, "user_base_dn": PEOPLE, "access_group_dn": USERS_GROUP}


@pytest.fixture
def ldap_off(axon: AxonServer) -> Iterator[None]:
    yield
    axon.call(axon.admin, "DELETE", "/admin/sso/ldap")


@pytest.mark.parametrize("locale", LOCALES)
def test_sign_in_with_the_provider_and_back(axon: AxonServer, browser: Browser, oidc_on: OidcProvider,
                                            locale: str) -> None:
    tag = locale.lower().replace("-", "")
    oidc_on.user = {"sub": f"sub-{tag}", "email": f"sso.{tag}@corp.example", "email_verified": True,
                    "name": "单点 用户" if locale == "zh-CN" else "Single Sign", "preferred_username": f"sso.{tag}"}
    context = browser.new_context(locale=locale, viewport={"width": 1100, "height": 760})
    try:
        page = context.new_page()
        page.goto(axon.base_url + "/")
        button = page.get_by_test_id("sso-oidc")
        expect(button).to_have_text(TEXT[locale]["button"])
        screenshot(page, f"sso-sign-in-{tag}")
        button.click()
        page.get_by_test_id("idp-approve").click()  # the provider's own page, on its own origin
        expect(page.locator("html")).to_have_attribute("data-conn", "live")
        assert "#/sso/" not in page.url
        session = page.evaluate("window.axon.state.session.user")
        assert session["username"] == f"sso.{tag}"

        oidc_on.tamper["nonce"] = "replayed-from-elsewhere"
        other = browser.new_context(locale=locale).new_page()
        other.goto(axon.base_url + "/")
        other.get_by_test_id("sso-oidc").click()
        other.get_by_test_id("idp-approve").click()
        failure = other.get_by_test_id("sso-failure")
        expect(failure).to_contain_text(TEXT[locale]["nonce"])
        expect(failure).to_have_attribute("data-code", "sso_nonce_mismatch")
        other.context.close()
    finally:
        context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_a_directory_password_signs_in(axon: AxonServer, browser: Browser, directory: Slapd, ldap_off: None,
                                       locale: str) -> None:
    axon.call(axon.admin, "PUT", "/admin/sso/ldap", json=ldap_body(directory))
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(axon.base_url + "/")
        expect(page.get_by_test_id("sso-ldap-hint")).to_contain_text(TEXT[locale]["ldap"])
        page.get_by_test_id("login-user").fill("li.lei" if locale == "zh-CN" else "alice")
        page.get_by_test_id("login-password").fill("li-directory-1" if locale == "zh-CN" else "alice-directory-1")
        page.get_by_test_id("login-submit").click()
        expect(page.locator("html")).to_have_attribute("data-conn", "live")
        user = page.evaluate("window.axon.state.session.user")
        assert user["display_name"] == ("李雷" if locale == "zh-CN" else "Alice Liddell")
    finally:
        context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_admin_connects_the_directory_tests_saves_and_syncs(axon: AxonServer, open_app: Callable[..., Session],
                                                             directory: Slapd, ldap_off: None, locale: str) -> None:
    admin = open_app(axon.admin, locale=locale, viewport={"width": 1280, "height": 1100})
    page = admin.page
    page.goto(axon.base_url + "/#/admin/signin")
    form = page.get_by_test_id("sso-ldap-form")
    page.get_by_test_id("sso-ldap_enabled").check()
    for name, value in (("url", directory.url), ("bind_dn", READER_DN), ("bind_password", READER_PASSWORD),
                        ("user_base_dn", PEOPLE), ("access_group_dn", USERS_GROUP)):
        form.get_by_test_id(f"sso-{name}").fill(value)
    page.get_by_test_id("sso-security").select_option("none")
    page.get_by_test_id("sso-ldap-test").click()
    expect(page.get_by_test_id("sso-test-ok")).to_contain_text(TEXT[locale]["test_ok"])
    page.get_by_test_id("sso-ldap-save").click()
    expect(page.get_by_test_id("sso-ldap-sync")).to_be_visible()  # shown once LDAP is on
    page.get_by_test_id("sso-ldap-sync").click()
    expect(page.get_by_test_id("sso-sync-summary")).to_contain_text(TEXT[locale]["synced"])
    expect(page.get_by_test_id("sso-bind_password")).to_have_value("")  # the secret never comes back
    settings = axon.call(axon.admin, "GET", "/admin/sso")
    assert settings["ldap"]["enabled"] and settings["ldap"]["has_bind_password"]
    if locale == "en-US":
        screenshot(page, "admin-sign-in")
        oidc = page.get_by_test_id("sso-oidc-form")  # filled in for the picture, not saved
        for name, value in (("display_name", "Corp SSO"), ("issuer", "https://login.corp.example"),
                            ("client_id", "axon-chat"), ("client_secret", "s3cret-from-the-provider"),
                            ("allowed_domains", "corp.example")):
            oidc.get_by_test_id(f"sso-{name}").fill(value)
        oidc.get_by_test_id("sso-oidc_enabled").check()
        page.get_by_test_id("sso-oidc-save").scroll_into_view_if_needed()
        screenshot(page, "admin-sign-in-oidc")
