"""Admin pages, invite sign-up, devices and sign-out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, User, screenshot, sign_in_ui


@pytest.mark.browser
def test_admin_creates_user_and_invite_and_someone_signs_up(axon, open_app):
    admin = open_app(axon.admin)
    admin.page.get_by_test_id("admin-link").click()
    expect(admin.page.get_by_test_id("admin")).to_be_visible()
    admin.page.get_by_test_id("new-username").fill("frank")
    admin.page.get_by_test_id("new-display-name").fill("Frank Zappa")
    admin.page.get_by_test_id("new-password").fill(PASSWORD)
    admin.page.get_by_test_id("create-user").click()
    expect(admin.page.locator('[data-testid="admin-users"] tr[data-username="frank"]')).to_contain_text("Frank Zappa")
    screenshot(admin.page, "admin-users")

    admin.page.get_by_test_id("admin-tab-invites").click()
    admin.page.get_by_test_id("create-invite").click()
    link = admin.page.get_by_test_id("invite-link").input_value()
    assert "/#/invite/" in link

    # A newcomer opens the link signed out and creates an account.
    newcomer = open_app(User(id="", username="grace", display_name="Grace Hopper"), sign_in=False)
    newcomer.page.goto(link)
    expect(newcomer.page.get_by_test_id("signup-form")).to_contain_text("Test Org")
    newcomer.page.get_by_test_id("signup-username").fill("grace")
    newcomer.page.get_by_test_id("signup-display-name").fill("Grace Hopper")
    newcomer.page.get_by_test_id("signup-password").fill(PASSWORD)
    newcomer.page.get_by_test_id("signup-submit").click()
    expect(newcomer.page.locator("html")).to_have_attribute("data-conn", "live")
    expect(newcomer.page.get_by_test_id("me")).to_contain_text("Grace Hopper")

    # Frank, created by the admin, signs in; the admin disables him and he is signed out.
    frank = open_app(User(id="", username="frank", display_name="Frank Zappa"))
    expect(frank.page.get_by_test_id("me")).to_contain_text("Frank Zappa")
    admin.page.get_by_test_id("admin-tab-users").click()
    admin.page.locator('tr[data-username="frank"]').get_by_test_id("toggle-user").click()
    expect(admin.page.locator('tr[data-username="frank"]')).to_contain_text("Disabled")
    expect(frank.page.get_by_test_id("login-form")).to_be_visible()


@pytest.mark.browser
def test_devices_list_revoke_and_sign_out(axon, open_app):
    dora = axon.create_user("dora", "Dora")
    laptop = open_app(dora)
    phone = open_app(dora, viewport={"width": 390, "height": 844})
    laptop.page.get_by_test_id("settings-link").click()
    expect(laptop.page.get_by_test_id("whoami")).to_have_text("Dora")
    # A wrong current password is refused without ending the session.
    laptop.page.get_by_test_id("old-password").fill("not my password")
    laptop.page.get_by_test_id("new-password").fill("another password 1")
    laptop.page.get_by_test_id("change-password").click()
    expect(laptop.page.get_by_test_id("toast")).to_contain_text("The current password is wrong.")
    expect(laptop.page.locator("html")).to_have_attribute("data-conn", "live")
    devices = laptop.page.get_by_test_id("device-list").locator("li")
    expect(devices).to_have_count(3)  # the two browsers and the API login of the test setup
    # Revoke the phone's device: it is signed out at once.
    phone_device = laptop.page.locator("li.device", has_not=laptop.page.locator(".tag")).filter(has_text="Chromium")
    phone_device.get_by_test_id("revoke-device").click()
    laptop.page.get_by_test_id("confirm-ok").click()
    expect(phone.page.get_by_test_id("login-form")).to_be_visible()
    expect(phone.page.get_by_test_id("login-error")).to_have_text("This device was signed out.")
    expect(devices).to_have_count(2)
    laptop.page.get_by_test_id("settings").evaluate("el => el.scrollTop = 0")
    screenshot(laptop.page, "settings-light")

    laptop.page.get_by_test_id("sign-out").click()
    expect(laptop.page.get_by_test_id("login-form")).to_be_visible()
    sign_in_ui(laptop.page, dora.username, dora.password)
    expect(laptop.page.get_by_test_id("me")).to_contain_text("Dora")
