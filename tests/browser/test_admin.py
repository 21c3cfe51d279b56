"""Admin pages, invite sign-up, devices and sign-out."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, AxonServer, User, screenshot, sign_in_ui

COUNTED = ("messages", "replies", "reactions", "joins")


@pytest.mark.browser
def test_admin_creates_user_and_invite_and_someone_signs_up(axon, open_app):
    admin = open_app(axon.admin)
    admin.page.get_by_test_id("admin-link").click()
    expect(admin.page.get_by_test_id("admin")).to_be_visible()
    admin.page.get_by_test_id("new-username").fill("frank")
    admin.page.get_by_test_id("new-display-name").fill("Frank Zappa")
    admin.page.get_by_test_id("new-password").fill(PASSWORD)
    admin.page.get_by_test_id("create-user").click()
    admin.page.get_by_test_id("admin-user-search").fill("frank")  # the list is paged: find him
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
    admin.page.get_by_test_id("admin-user-search").fill("frank")
    admin.page.locator('tr[data-username="frank"]').get_by_test_id("toggle-user").click()
    admin.page.get_by_test_id("confirm-ok").click()  # disabling is offboarding: it asks first
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
    expect(laptop.page.get_by_test_id("toast").filter(has_text="The current password is wrong.")).to_be_visible()
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


def activity_report(axon: AxonServer, days: int) -> tuple[dict[str, int], dict[str, int]]:
    """The admin API's totals over ``days`` UTC days, and today's entry."""
    rows = axon.call(axon.admin, "GET", "/admin/activity", params={"days": days})
    return {k: sum(r[k] for r in rows) for k in COUNTED}, rows[-1]


@pytest.mark.browser
def test_admin_activity_shows_todays_counts_in_both_languages(axon, open_app):
    ivy = axon.create_user("ivy", "Ivy")
    admin = open_app(axon.admin)
    # The server is shared by the whole session: count on top of what earlier tests did. Their
    # last commits are counted by now (a moment after commit; signing in above took longer).
    before, today = activity_report(axon, 7)
    channel = axon.room(axon.admin, "channel", "metrics", [ivy])  # two joins: the owner and Ivy
    first = axon.post(axon.admin, channel, "Weekly numbers are in")
    axon.post(axon.admin, channel, "Sign-ups doubled")
    axon.post(axon.admin, channel, "Churn is flat")
    axon.call(axon.admin, "POST", f"/conversations/{channel}/messages",
              json={"client_msg_id": str(uuid.uuid4()), "text": "Nice!", "reply_to": first["id"]})
    axon.call(axon.admin, "PUT", f"/conversations/{channel}/messages/{first['id']}/reactions/{quote('🎉')}")
    added = {"messages": 3, "replies": 1, "reactions": 1, "joins": 2}

    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-tab-activity").click()
    admin.page.get_by_test_id("activity-range-7").click()
    expect(admin.page.get_by_test_id("activity-range-7")).to_have_attribute("aria-pressed", "true")
    for k in COUNTED:
        expect(admin.page.get_by_test_id(f"activity-total-{k}")).to_have_text(str(before[k] + added[k]))
    rows = admin.page.get_by_test_id("activity-days").locator("tbody tr")
    expect(rows.first).to_have_attribute("data-day", today["day"])  # newest first
    expect(rows.first.locator("td")).to_have_text([re.compile(".+"), *(str(today[k] + added[k]) for k in COUNTED)])
    expect(admin.page.locator(f'.bar[data-day="{today["day"]}"]')).to_have_attribute(
        "title", re.compile(f"messages: {today['messages'] + 3}, replies: {today['replies'] + 1}$"))
    expect(admin.page.locator("#app .bar")).to_have_count(7)
    screenshot(admin.page, "admin-activity")

    # The open page picks up new activity by itself.
    axon.post(axon.admin, channel, "One more thing")
    expect(admin.page.get_by_test_id("activity-total-messages")).to_have_text(str(before["messages"] + 4),
                                                                              timeout=15_000)

    # In Chinese: the tab, the range picker and the headings.
    admin.page.get_by_test_id("settings-link").click()
    admin.page.get_by_test_id("language-select").select_option("zh-CN")
    admin.page.get_by_test_id("admin-link").click()
    expect(admin.page.get_by_test_id("admin-tab-activity")).to_have_text("活动")
    admin.page.get_by_test_id("admin-tab-activity").click()
    expect(admin.page.get_by_test_id("activity-range-7")).to_have_text("最近 7 天")
    expect(admin.page.locator('[data-testid="activity"] h3')).to_have_text(["每天的消息和回复", "有活动的日期"])
    labels = admin.page.get_by_test_id("activity-totals").locator("dt")
    expect(labels).to_have_text(["消息", "回复", "表情回应", "加入"])

    # A member sees no Admin link, no Activity tab, and the API refuses them.
    member = open_app(ivy)
    expect(member.page.get_by_test_id("admin-link")).to_have_count(0)
    member.page.goto(f"{axon.base_url}/#/admin/activity")
    expect(member.page.get_by_text("Only organisation admins can see this page.")).to_be_visible()
    expect(member.page.get_by_test_id("admin-tab-activity")).to_have_count(0)
    with pytest.raises(httpx.HTTPStatusError) as refused:
        axon.call(ivy, "GET", "/admin/activity")
    assert refused.value.response.status_code == 403
    assert refused.value.response.json()["error"]["code"] == "forbidden"
