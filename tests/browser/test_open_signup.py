"""Open sign-up in the browser: the form mails a confirmation link; opening it creates the account and
signs in; a used link explains itself. In English and Chinese."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

LOCALES = ["en-US", "zh-CN"]
TEXT = {
    "en-US": {"sent": "Check your inbox", "failed": "This link does not work"},
    "zh-CN": {"sent": "请查收邮件", "failed": "链接无效"},
}


@pytest.mark.parametrize("locale", LOCALES)
def test_sign_up_with_a_work_e_mail_and_confirm_it(axon, browser: Browser, mail_drop, locale: str) -> None:
    org = axon.call(axon.admin, "PATCH", "/admin/org", json={"signup_domains": ["corp.example"]})["slug"]
    tag = locale.lower().replace("-", "")
    address = f"newcomer.{tag}@corp.example"
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(axon.base_url + "/")
        page.get_by_test_id("to-signup").click()
        page.get_by_test_id("open-signup-org").fill(org)
        page.get_by_test_id("open-signup-email").fill(address)
        page.get_by_test_id("open-signup-username").fill(f"newcomer_{tag}")
        page.get_by_test_id("open-signup-display-name").fill("新同事" if locale == "zh-CN" else "New Colleague")
        page.get_by_test_id("open-signup-password").fill("autumn-leaves-31")
        page.get_by_test_id("open-signup-submit").click()
        sent = page.get_by_test_id("open-signup-sent")
        expect(sent).to_contain_text(TEXT[locale]["sent"])
        expect(sent).to_contain_text(address)

        mail = mail_drop[0].wait_for(address)
        link = re.search(r"(http://\S+/#/confirm/\S+)", mail.get_content())
        assert link, mail.get_content()
        page.goto(link.group(1))
        expect(page.locator("html")).to_have_attribute("data-conn", "live")  # signed in, the app running
        assert "#/confirm/" not in page.url

        again = context.new_page()
        again.goto(link.group(1))
        expect(again.get_by_test_id("confirm-page")).to_contain_text(TEXT[locale]["failed"])
        expect(again.get_by_test_id("confirm-error")).not_to_be_empty()
    finally:
        context.close()


METER = {"en-US": ("too easy to guess", "strong"), "zh-CN": ("太容易被猜到", "强")}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_password_meter_names_a_weak_password_before_sending(axon, browser: Browser, locale: str) -> None:
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(axon.base_url + "/#/signup")
        page.get_by_test_id("open-signup-username").fill("wei_meter")
        password = page.get_by_test_id("open-signup-password")
        meter = page.get_by_test_id("password-meter")
        password.fill("password123")
        expect(meter).to_contain_text(METER[locale][0])
        expect(meter).to_have_attribute("data-acceptable", "false")
        password.fill("wei_meter2026")  # the account's own name with a year: weak for this account
        expect(meter).to_have_attribute("data-acceptable", "false")
        password.fill("autumn-leaves-over-31-bridges")
        expect(meter).to_have_attribute("data-acceptable", "true")
        expect(meter).to_contain_text(METER[locale][1], ignore_case=True)
    finally:
        context.close()
