"""Accessibility: axe-core (npm, pinned in tests/browser/package.json, installed by `make test`
with `npm ci`) runs in the page on each main screen — sign-in, a conversation, the thread panel,
settings, admin (users, audit log, compliance), the quick switcher, a dialog, a phone-sized screen — in
the light theme (English) and the dark theme (Chinese). No serious or critical violation is allowed."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")

if not AXE.exists():
    raise pytest.UsageError(f"{AXE} is missing: run `npm ci --prefix tests/browser` (make test does)")


def axe_violations(page: Page, screen: str) -> list[str]:
    """Every serious/critical axe violation on the page as it is now, one line per rule and screen."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Through the DevTools protocol, not a <script> tag: the page's CSP allows no inline script.
        page.evaluate(AXE.read_text() + "\n;true")
    results: dict[str, Any] = page.evaluate("""() => {
        const contrast = (n) => {
            const d = (n.any[0] || {}).data;
            return d && d.contrastRatio ? ` (${d.fgColor} on ${d.bgColor}: ${d.contrastRatio})` : "";
        };
        return axe.run(document, { resultTypes: ["violations"] }).then((r) => ({ violations: r.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + contrast(n)),
        })) }));
    }""")
    return [f"{screen}: {v['impact']} {v['id']} ({v['help']}) at {v['targets']}"
            for v in results["violations"] if v["impact"] in BLOCKING]


THEMES = [("en-US", False), ("zh-CN", True)]


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "dark"), THEMES, ids=["light-en", "dark-zh"])
def test_main_screens_have_no_serious_accessibility_violations(axon, open_app, locale, dark):
    tag = uuid.uuid4().hex[:6]
    ann = axon.create_user("hd_a11y", f"HD Ally {tag}")
    bob = axon.create_user("hd_a11y_b", f"HD Bob {tag}")
    room = axon.room(ann, "channel", f"hd-a11y-{tag}", [bob], topic="Accessibility checks")
    root = axon.post(bob, room, f"Hello @{ann.username}, **bold** and `code` and a [link](https://example.com)")
    axon.call(ann, "PUT", f"/conversations/{room}/messages/{root['id']}/reactions/👍")
    axon.call(ann, "PUT", f"/conversations/{room}/messages/{root['id']}/pin")
    axon.call(bob, "POST", f"/conversations/{room}/messages",
              json={"client_msg_id": str(uuid.uuid4()), "text": "a reply in the thread", "reply_to": root["id"]})
    axon.post(ann, room, "my own message")
    axon.post(bob, axon.direct(ann, bob), "an unread direct message")
    found: list[str] = []

    login = open_app(ann, locale=locale, dark=dark, sign_in=False)
    expect(login.page.get_by_test_id("login-user")).to_be_visible()
    found += axe_violations(login.page, "sign-in")

    s = open_app(ann, locale=locale, dark=dark)
    page = s.page
    s.open_conversation(room)
    expect(s.message("my own message")).to_be_visible()
    found += axe_violations(page, "conversation")

    s.message("Hello").get_by_test_id("thread-link").click()
    expect(page.get_by_test_id("thread-timeline").get_by_test_id("message")).to_have_count(2)
    found += axe_violations(page, "thread panel")

    page.get_by_test_id("open-switcher").click()
    expect(page.get_by_test_id("switcher-item").first).to_be_visible()
    found += axe_violations(page, "switcher")
    page.keyboard.press("Escape")

    page.get_by_test_id("new-group").click()
    expect(page.get_by_test_id("create-dialog")).to_be_visible()
    found += axe_violations(page, "new-conversation dialog")
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcuts-help")).to_be_visible()
    found += axe_violations(page, "shortcuts dialog")
    page.keyboard.press("Escape")

    page.get_by_test_id("settings-link").click()
    expect(page.get_by_test_id("settings")).to_be_visible()
    expect(page.get_by_test_id("device-list").locator("li").first).to_be_visible()
    found += axe_violations(page, "settings")

    admin = open_app(axon.admin, locale=locale, dark=dark)
    admin.page.get_by_test_id("admin-link").click()
    expect(admin.page.get_by_test_id("admin")).to_be_visible()
    expect(admin.page.locator('[data-testid="admin-users"] tr').first).to_be_visible()
    found += axe_violations(admin.page, "admin")
    admin.page.get_by_test_id("admin-tab-permissions").click()
    expect(admin.page.get_by_test_id("policy-form")).to_be_visible()
    found += axe_violations(admin.page, "admin: permissions")
    admin.page.get_by_test_id("admin-tab-modules").click()
    expect(admin.page.get_by_test_id("module-list")).to_be_visible()
    found += axe_violations(admin.page, "admin: modules")
    admin.page.get_by_test_id("admin-tab-audit").click()
    expect(admin.page.get_by_test_id("audit-log").locator("tbody tr").first).to_be_visible()
    found += axe_violations(admin.page, "admin: audit log")
    admin.page.get_by_test_id("admin-tab-compliance").click()
    expect(admin.page.get_by_test_id("retention-status")).not_to_be_empty()
    found += axe_violations(admin.page, "admin: compliance")

    phone = open_app(ann, locale=locale, dark=dark, viewport=PHONE)
    expect(phone.conv_item(room)).to_be_visible()
    found += axe_violations(phone.page, "phone: list")
    phone.open_conversation(room)
    expect(phone.message("my own message")).to_be_visible()
    found += axe_violations(phone.page, "phone: conversation")

    assert not found, f"{len(found)} serious/critical accessibility violations:\n" + "\n".join(found)
