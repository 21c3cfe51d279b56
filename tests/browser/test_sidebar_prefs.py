"""Sidebar preferences follow the user to every device, live: favourites (star from the header or
the item's menu, reorder by drag and drop or Move up/down), collapsed sections, the unread-only
filter, mutes, and "Mark all as read" (button and Shift+Esc). In English and Chinese, light and dark."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def favourites(session):
    return session.page.locator('#conv-list-favourites [data-testid="conv-item"]')


def expect_favourites(session, *conv_ids):
    items = favourites(session)
    expect(items).to_have_count(len(conv_ids))
    for i, conv_id in enumerate(conv_ids):
        expect(items.nth(i)).to_have_attribute("data-conv-id", conv_id)


def item_menu(session, conv_id, section=None):
    """Open the small menu of a sidebar item (shown on hover or focus) and return it."""
    scope = session.page.locator(f"#conv-list-{section}") if section else session.page.get_by_test_id("sidebar")
    row = scope.locator(f'li.conv-row[data-conv-id="{conv_id}"]')
    row.hover()
    row.get_by_test_id("conv-item-menu").click()
    return session.page.get_by_test_id("conv-item-actions")


def test_favourites_sections_and_filter_follow_the_user_across_devices(axon, open_app):
    ann, bob = axon.create_user("hb_ann", "HB Ann"), axon.create_user("hb_bob", "HB Bob")
    general = axon.room(ann, "channel", "hb-general", [bob])
    team = axon.room(ann, "group", "hb-team", [bob])
    design = axon.room(bob, "group", "hb-design", [ann])
    laptop, desktop = open_app(ann), open_app(ann)
    for device in (laptop, desktop):
        expect(device.page.locator('[data-section="favourites"]')).to_be_hidden()  # nothing starred yet

    # Star from the conversation header on one device: the other shows it under Favourites at once.
    laptop.open_conversation(team)
    star = laptop.page.get_by_test_id("star-toggle")
    expect(star).to_have_attribute("aria-label", "Add to favourites")
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")
    expect(star).to_have_attribute("title", "Remove from favourites")
    expect_favourites(desktop, team)
    expect(desktop.page.get_by_test_id("section-toggle-favourites")).to_have_text("Favourites")
    # A favourite leaves its usual section.
    expect(desktop.page.locator(f'#conv-list-groups [data-conv-id="{team}"]')).to_have_count(0)

    # Star from the sidebar item's menu on the other device.
    item_menu(desktop, general).get_by_test_id("menu-star").click()
    expect_favourites(laptop, team, general)

    # Drag general above team on the laptop; the desktop follows.
    source = laptop.page.locator(f'#conv-list-favourites li[data-conv-id="{general}"]')
    target = laptop.page.locator(f'#conv-list-favourites li[data-conv-id="{team}"]')
    source.drag_to(target, target_position={"x": 20, "y": 3})
    expect_favourites(laptop, general, team)
    expect_favourites(desktop, general, team)

    # The keyboard way: Move down from the item's menu (and no Move down for the last one).
    menu = item_menu(desktop, general, "favourites")
    expect(menu.get_by_test_id("menu-move-up")).to_have_count(0)
    menu.get_by_test_id("menu-move-down").click()
    expect_favourites(laptop, team, general)
    menu = item_menu(laptop, general, "favourites")
    expect(menu.get_by_test_id("menu-move-down")).to_have_count(0)
    menu.get_by_test_id("menu-move-up").focus()
    laptop.page.keyboard.press("Enter")
    expect_favourites(desktop, general, team)

    # Collapse a section with its heading (a button with aria-expanded): remembered on the other device.
    toggle = laptop.page.get_by_test_id("section-toggle-favourites")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(laptop.page.locator("#conv-list-favourites")).to_be_hidden()
    expect(desktop.page.get_by_test_id("section-toggle-favourites")).to_have_attribute("aria-expanded", "false")
    expect(desktop.page.locator("#conv-list-favourites")).to_be_hidden()
    desktop.page.get_by_test_id("section-toggle-favourites").click()
    expect(favourites(laptop).first).to_be_visible()

    # Unread only: with a new message in hb-design, only it stays (and the open conversation).
    laptop.page.goto(axon.base_url + "/#/")
    expect(laptop.page.locator("html")).to_have_attribute("data-conn", "live")
    axon.post(bob, design, "HB news for the design group")
    expect(desktop.conv_item(design).get_by_test_id("unread-badge")).to_have_text("1")
    laptop.page.get_by_test_id("unread-only").click()
    for device in (laptop, desktop):
        expect(device.page.get_by_test_id("unread-only")).to_have_attribute("aria-pressed", "true")
        expect(device.conv_item(design)).to_be_visible()
        expect(device.conv_item(general)).to_have_count(0)
    screenshot(desktop.page, "hb-sidebar-favourites-unread-only-light")

    # Reading it leaves nothing unread: the sidebar says so.
    laptop.page.get_by_test_id("mark-all-read").click()
    for device in (laptop, desktop):
        expect(device.conv_item(design)).to_have_count(0)
        expect(device.page.get_by_test_id("no-unread")).to_have_text("No unread conversations.")
    desktop.page.get_by_test_id("unread-only").click()
    expect(laptop.conv_item(general)).to_be_visible()
    expect(laptop.page.get_by_test_id("unread-only")).to_have_attribute("aria-pressed", "false")

    # The same sidebar after a reload: it was stored on the server.
    desktop.page.reload()
    expect_favourites(desktop, general, team)


def test_muting_from_the_sidebar_keeps_only_mentions_on_every_device(axon, open_app):
    ann, bob = axon.create_user("hb_cat", "HB Cat"), axon.create_user("hb_dan", "HB Dan")
    noisy = axon.room(bob, "group", "hb-noisy", [ann])
    laptop, desktop = open_app(ann), open_app(ann)
    # The item's menu button is reached from the keyboard: Tab from the item shows and focuses it.
    desktop.conv_item(noisy).focus()
    desktop.page.keyboard.press("Tab")
    expect(desktop.page.locator(f'li[data-conv-id="{noisy}"] [data-testid="conv-item-menu"]')).to_be_focused()
    expect(desktop.page.locator(f'li[data-conv-id="{noisy}"] [data-testid="conv-item-menu"]')).to_have_attribute(
        "aria-label", "Options for hb-noisy")
    item_menu(laptop, noisy).get_by_test_id("menu-mute").click()
    expect(desktop.conv_item(noisy).locator(".muted-icon")).to_be_visible()
    axon.post(bob, noisy, "chatter")
    axon.post(bob, noisy, "more chatter")
    expect(desktop.conv_item(noisy)).to_have_class("conv-item muted")  # no unread badge while muted
    axon.post(bob, noisy, f"@{ann.username} this one is for you")
    for device in (laptop, desktop):
        expect(device.conv_item(noisy).get_by_test_id("mention-badge")).to_have_text("@1")
        expect(device.conv_item(noisy).get_by_test_id("unread-badge")).to_have_count(0)
    # Not even the mention gives a desktop notification; a direct message (not muted) does.
    dm = axon.direct(bob, ann)
    axon.post(bob, dm, "HB a direct word")
    expect(laptop.conv_item(dm).get_by_test_id("unread-badge")).to_have_text("1")
    laptop.page.wait_for_function(f"() => window.__notifications.some((n) => n.tag === '{dm}')")
    assert not [n for n in laptop.notifications() if n["tag"] == noisy]
    # The header's mute button shows the same state, and unmutes for every device.
    desktop.open_conversation(noisy)
    mute = desktop.page.get_by_test_id("mute-toggle")
    expect(mute).to_have_attribute("aria-pressed", "true")
    mute.click()
    expect(laptop.conv_item(noisy).locator(".muted-icon")).to_have_count(0)


def test_mark_all_as_read_in_chinese_and_dark_with_shift_escape(axon, open_app):
    ann, bob = axon.create_user("hb_eve", "HB 伊娃"), axon.create_user("hb_fay", "HB 菲")
    first = axon.room(bob, "group", "hb-一组", [ann])
    second = axon.room(bob, "channel", "hb-频道", [ann])
    dm = axon.direct(bob, ann)
    phone = open_app(ann, locale="zh-CN", dark=True, viewport={"width": 390, "height": 844})
    desktop = open_app(ann, locale="zh-CN", dark=True)
    expect(desktop.page.locator("html")).to_have_attribute("data-theme", "dark")
    for conv in (first, second, dm):
        axon.post(bob, conv, "HB 未读消息")
    axon.post(bob, first, f"@{ann.username} 请看")
    expect(desktop.conv_item(first).get_by_test_id("mention-badge")).to_have_text("@1")
    button = desktop.page.get_by_test_id("mark-all-read")
    expect(button).to_have_attribute("aria-label", "全部标为已读")
    expect(button).to_have_attribute("title", "全部标为已读（Shift+Esc）")
    expect(desktop.page.get_by_test_id("unread-only")).to_have_attribute("aria-label", "只看未读")

    # Star one from the header, in Chinese.
    desktop.open_conversation(second)
    star = desktop.page.get_by_test_id("star-toggle")
    expect(star).to_have_attribute("aria-label", "加入收藏")
    star.click()
    expect(star).to_have_attribute("aria-label", "取消收藏")
    expect(desktop.page.get_by_test_id("section-toggle-favourites")).to_have_text("收藏")
    expect_favourites(phone, second)
    screenshot(desktop.page, "hb-sidebar-favourites-zh-dark")

    # Shift+Esc on the desktop: every badge clears on both devices.
    desktop.page.locator("body").press("Shift+Escape")
    expect(desktop.page.get_by_test_id("toast").last).to_have_text("所有会话已标为已读。")
    for device in (desktop, phone):
        for conv in (first, dm):
            expect(device.conv_item(conv).get_by_test_id("unread-badge")).to_have_count(0)
        expect(device.conv_item(first).get_by_test_id("mention-badge")).to_have_count(0)
    expect(phone.page).to_have_title("Axon · Test Org")
    unread = axon.call(ann, "GET", "/conversations")
    assert all(c["unread_count"] == 0 for c in unread)
