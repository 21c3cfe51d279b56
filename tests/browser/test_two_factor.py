"""Two-factor authentication in the browser: turning it on in Settings › Security (the code computed from
the secret the page shows), signing in with password and code, with a recovery code, and the
organisation's requirement that sends a member to enrolment at sign-in, then an admin's reset. In
English and Chinese."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import httpx
import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, AxonServer, User, screenshot
from tests.browser.test_a11y import axe_violations

pytestmark = pytest.mark.browser

LOCALES = ["en-US", "zh-CN"]
TEXT = {
    "en-US": {"second": "Two-factor authentication", "required": "Set up two-factor authentication", "on": "On",
              "now_required": "is now required"},
    "zh-CN": {"second": "两步验证", "required": "设置两步验证", "on": "已开启", "now_required": "都必须使用两步验证"},
}


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def secret_on(page: Page) -> str:
    secret = page.get_by_test_id("totp-secret").get_attribute("data-secret")
    assert secret and len(secret) == 32
    return secret


def recovery_codes_on(page: Page) -> list[str]:
    listed = page.get_by_test_id("recovery-codes").locator("li code")
    expect(listed).to_have_count(10)
    return listed.all_inner_texts()


def password_step(page: Page, user: User) -> None:
    page.get_by_test_id("login-user").fill(user.username)
    page.get_by_test_id("login-password").fill(user.password)
    page.get_by_test_id("login-submit").click()


def sign_out(page: Page) -> None:
    page.goto(page.url.split("#")[0] + "#/settings")
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()


@pytest.mark.parametrize("locale", LOCALES)
def test_enrol_then_sign_in_with_a_code_and_with_a_recovery_code(axon: AxonServer, open_app, locale: str) -> None:
    user = axon.create_user("twofa")
    me = open_app(user, locale=locale)
    page = me.page
    page.goto(axon.base_url + "/#/settings")
    expect(page.get_by_test_id("twofa-state")).to_have_attribute("data-enabled", "false")
    page.get_by_test_id("twofa-enable").click()
    dialog = page.get_by_test_id("twofa-enrol")
    expect(dialog.get_by_test_id("totp-qr")).to_be_visible()
    assert dialog.get_by_test_id("totp-qr").evaluate("img => img.naturalWidth > 0")  # the blob: SVG rendered
    dialog.locator("summary").click()
    expect(dialog.get_by_test_id("totp-secret")).to_be_visible()
    screenshot(page, f"settings-2fa-enrol-{locale}")
    problems = axe_violations(page, "2fa enrolment dialog")
    secret = secret_on(page)
    dialog.get_by_test_id("enrol-code").fill("000000" if code_at(secret) != "000000" else "111111")
    dialog.get_by_test_id("enrol-submit").click()
    expect(dialog.get_by_test_id("enrol-error")).not_to_be_empty()
    dialog.get_by_test_id("enrol-code").fill(code_at(secret))
    dialog.get_by_test_id("enrol-submit").click()
    codes = recovery_codes_on(page)
    screenshot(page, f"settings-2fa-recovery-codes-{locale}")
    problems += axe_violations(page, "recovery codes")
    page.get_by_test_id("recovery-saved").click()
    expect(page.get_by_test_id("twofa-state")).to_have_attribute("data-enabled", "true")
    expect(page.get_by_test_id("twofa-state")).to_contain_text(TEXT[locale]["on"])

    sign_out(page)
    password_step(page, user)
    second = page.get_by_test_id("second-factor")
    expect(second).to_contain_text(TEXT[locale]["second"])
    screenshot(page, f"login-second-factor-{locale}")
    problems += axe_violations(page, "second factor")
    assert not problems, problems
    second.get_by_test_id("second-factor-code").fill(code_at(secret, 1))  # the enrolment's step is spent
    second.get_by_test_id("second-factor-submit").click()
    expect(page.locator("html")).to_have_attribute("data-conn", "live")

    sign_out(page)
    password_step(page, user)
    page.get_by_test_id("use-recovery").click()
    page.get_by_test_id("second-factor-code").fill(codes[0])
    page.get_by_test_id("second-factor-submit").click()
    expect(page.locator("html")).to_have_attribute("data-conn", "live")

    sign_out(page)
    password_step(page, user)
    page.get_by_test_id("use-recovery").click()
    page.get_by_test_id("second-factor-code").fill(codes[0])  # used up
    page.get_by_test_id("second-factor-submit").click()
    expect(page.get_by_test_id("second-factor-error")).not_to_be_empty()
    expect(page.get_by_test_id("login-form")).to_have_count(0)


def _second_org(axon: AxonServer) -> tuple[User, str]:
    """A new organisation (through the shell, like an operator) with its own admin, signed in with 2FA on."""
    slug = f"secure{uuid.uuid4().hex[:8]}"
    boss = User(id="", username=f"boss{slug}", display_name="Security Boss")
    env = {**os.environ, "AXON_DATA_DIR": str(axon.log_path.parent), "AXON_NEW_USER_PASSWORD": PASSWORD}
    env.pop("AXON_DATABASE_URL", None)
    for args in (["create-org", "Secure Org", "--slug", slug],
                 ["create-user", boss.username, "--display-name", boss.display_name, "--admin", "--org", slug]):
        subprocess.run([sys.executable, "-m", "axon", "admin", *args], env=env, check=True, capture_output=True)
    boss.token = axon.login(boss.username, PASSWORD)
    enrolment = axon.call(boss, "POST", "/me/two-factor/totp")
    axon.call(boss, "POST", "/me/two-factor/totp/confirm", json={"code": code_at(enrolment["secret"])})
    boss.id = axon.call(boss, "GET", "/me")["id"]
    return boss, enrolment["secret"]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_organisation_requires_2fa_and_an_admin_resets_it(axon: AxonServer, open_app, locale: str) -> None:
    boss, boss_secret = _second_org(axon)
    member_body = axon.call(boss, "POST", "/admin/users", json={
        "username": f"member{uuid.uuid4().hex[:8]}", "display_name": "Mia Member", "password": PASSWORD})
    member = User(id=member_body["id"], username=member_body["username"], display_name="Mia Member")
    member.token = axon.login(member.username, PASSWORD)

    admin = open_app(boss, locale=locale, sign_in=False)
    password_step(admin.page, boss)
    admin.page.get_by_test_id("second-factor-code").fill(code_at(boss_secret, 1))
    admin.page.get_by_test_id("second-factor-submit").click()
    expect(admin.page.locator("html")).to_have_attribute("data-conn", "live")
    admin.page.goto(axon.base_url + "/#/admin/org")
    security = admin.page.get_by_test_id("org-security")
    security.get_by_test_id("require-2fa").check()
    security.get_by_test_id("require-2fa-save").click()
    admin.page.get_by_test_id("confirm-ok").click()
    expect(admin.page.get_by_test_id("toast").filter(has_text=TEXT[locale]["now_required"])).to_be_visible()
    screenshot(admin.page, f"admin-require-2fa-{locale}")
    with httpx.Client() as http:  # the member's old session was ended
        me = http.get(f"{axon.base_url}/api/v1/me", headers={"Authorization": f"Bearer {member.token}"})
        assert me.status_code == 401

    mia = open_app(member, locale=locale, sign_in=False)
    password_step(mia.page, member)
    enrol = mia.page.get_by_test_id("enrol-required")
    expect(enrol).to_contain_text(TEXT[locale]["required"])
    expect(enrol.get_by_test_id("totp-qr")).to_be_visible()
    screenshot(mia.page, f"login-enrol-required-{locale}")
    assert not axe_violations(mia.page, "enrolment at sign-in")
    secret = secret_on(mia.page)
    enrol.get_by_test_id("enrol-code").fill(code_at(secret))
    enrol.get_by_test_id("enrol-submit").click()
    recovery_codes_on(mia.page)
    mia.page.get_by_test_id("recovery-saved").click()
    expect(mia.page.locator("html")).to_have_attribute("data-conn", "live")
    mia.page.goto(axon.base_url + "/#/settings")
    expect(mia.page.get_by_test_id("twofa-required-note")).to_be_visible()
    expect(mia.page.get_by_test_id("twofa-disable")).to_have_count(0)

    admin.page.goto(axon.base_url + "/#/admin/users")
    row = admin.page.locator(f'tr[data-user-id="{member.id}"]')
    expect(row.get_by_test_id("user-2fa")).to_have_attribute("data-enabled", "true")
    row.get_by_test_id("reset-2fa").click()
    screenshot(admin.page, f"admin-reset-2fa-{locale}")
    admin.page.get_by_test_id("confirm-ok").click()
    # the toast of the earlier step may still be showing: name the one this step must show
    expect(admin.page.get_by_test_id("toast").filter(has_text="Mia Member")).to_be_visible()
    expect(row.get_by_test_id("user-2fa")).to_have_attribute("data-enabled", "false")
    expect(row.get_by_test_id("reset-2fa")).to_have_count(0)
    expect(mia.page.get_by_test_id("login-form")).to_be_visible()  # signed out on every device
    password_step(mia.page, member)
    expect(mia.page.get_by_test_id("enrol-required")).to_be_visible()  # and sent to enrolment again


@pytest.mark.parametrize("locale", LOCALES)
def test_the_password_meter_in_settings_and_admin(axon: AxonServer, open_app, locale: str) -> None:
    admin = open_app(axon.admin, locale=locale)
    admin.page.goto(axon.base_url + "/#/settings")
    admin.page.get_by_test_id("new-password").fill("password")
    meter = admin.page.get_by_test_id("settings").get_by_test_id("password-meter")
    expect(meter).to_have_attribute("data-acceptable", "false")
    admin.page.get_by_test_id("new-password").fill("violet tractor umbrella 19")
    expect(meter).to_have_attribute("data-acceptable", "true")
    admin.page.goto(axon.base_url + "/#/admin/users")
    form = admin.page.get_by_test_id("create-user-form")
    form.get_by_test_id("new-password").fill("12345678")
    expect(form.get_by_test_id("password-meter")).to_have_attribute("data-acceptable", "false")
    someone = axon.create_user("meter")
    admin.page.get_by_test_id("admin-user-search").fill(someone.username)
    row = admin.page.locator(f'tr[data-user-id="{someone.id}"]')
    row.get_by_test_id("reset-password").click()
    prompt = admin.page.get_by_test_id("prompt")
    prompt.get_by_test_id("prompt-input").fill("qwerty123")
    expect(prompt.get_by_test_id("password-meter")).to_have_attribute("data-acceptable", "false")
    expect(prompt.get_by_test_id("prompt-input")).to_have_attribute("type", "password")
