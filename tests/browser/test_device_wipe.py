"""Remote wipe in the browser: a device ordered to wipe (by its user, by an admin, or by offboarding)
really ends with empty storage — no localStorage, sessionStorage, IndexedDB database or cached
entry — shows sign-in saying why, and the person who ordered it sees when it confirmed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import screenshot

# Storage the app and the browser filled while signed in; the wipe must leave none of it.
FILL_STORAGE = """async () => {
  sessionStorage.setItem("axon.scratch", "draft of a secret");
  await new Promise((resolve, reject) => {
    const open = indexedDB.open("axon-offline-test", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("messages");
    open.onsuccess = () => {
      const tx = open.result.transaction("messages", "readwrite");
      tx.objectStore("messages").put("the secret plan", "m1");
      tx.oncomplete = () => { open.result.close(); resolve(); };
    };
    open.onerror = () => reject(open.error);
  });
  const cache = await caches.open("axon-test-cache");
  await cache.put("/private-note", new Response("cached secret"));
}"""

STORAGE_LEFT = """async () => {
  let cached = 0;
  for (const key of await caches.keys()) cached += (await (await caches.open(key)).keys()).length;
  return { local: localStorage.length, session: sessionStorage.length,
           databases: (await indexedDB.databases()).map((d) => d.name), cached };
}"""


def fill_storage(page: Page) -> None:
    # The service worker's shell cache, filled: `cache.addAll` stores every entry or none, and the key
    # exists as soon as the install opens it, so wait for its entries, not for its name.
    page.wait_for_function("""async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith('axon-shell-') && (await (await caches.open(key)).keys()).length > 0) return true;
      }
      return false;
    }""")
    page.evaluate(FILL_STORAGE)
    # Awaited, not read once: on a loaded machine the service worker may still be replacing its shell
    # cache (the old one deleted, the new one filling) when the test's own entries are written.
    page.wait_for_function(f"""async () => {{
      const left = await ({STORAGE_LEFT})();
      return left.local > 0 && left.session > 0 && left.databases.length > 0 && left.cached > 1;
    }}""")


def expect_wiped(page: Page, reason: str) -> None:
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_test_id("login-error")).to_have_text(reason)
    assert page.evaluate(STORAGE_LEFT) == {"local": 0, "session": 0, "databases": [], "cached": 0}


@pytest.mark.browser
def test_a_user_wipes_their_lost_phone_from_settings(axon, open_app):
    erin = axon.create_user("erin", "Erin")
    laptop = open_app(erin)
    phone = open_app(erin, viewport={"width": 390, "height": 844})
    fill_storage(phone.page)
    laptop.page.get_by_test_id("settings-link").click()
    mine = laptop.page.get_by_test_id("my-devices")
    phone_item = mine.locator("li.device[data-status=active]", has_not=laptop.page.locator(".tag")).filter(
        has_text="Chrome").last
    expect(phone_item).to_contain_text("127.0.0.1")
    phone_item.get_by_test_id("wipe-device").click()
    expect(laptop.page.get_by_test_id("confirm")).to_contain_text("deletes everything Axon stored on it")
    laptop.page.get_by_test_id("confirm-ok").click()
    expect(laptop.page.get_by_test_id("toast").filter(
        has_text="Wipe ordered. The device deletes its data when it next connects.")).to_be_visible()
    expect_wiped(phone.page, "This device was wiped: everything Axon stored in this browser has been deleted.")
    wiped = mine.locator("li.device[data-status=wiped]")
    expect(wiped).to_have_count(1)  # the phone confirmed (a device.wiped user event refreshed the list)
    expect(wiped.get_by_test_id("wiped-at")).to_contain_text("Wiped")
    expect(wiped.get_by_test_id("wipe-requested-at")).to_contain_text("Wipe requested")
    mine.scroll_into_view_if_needed()
    expect(laptop.page.get_by_test_id("toast")).to_have_count(0)  # a clean picture for docs/admin.md
    screenshot(laptop.page, "settings-devices")


@pytest.mark.browser
def test_an_admin_wipes_a_members_device_and_sees_when_it_confirmed_in_chinese(axon, open_app):
    fay = axon.create_user("fay", "Fay")
    tablet = open_app(fay, locale="zh-CN")
    fill_storage(tablet.page)
    admin = open_app(axon.admin, locale="zh-CN")
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-user-search").fill(fay.username)
    admin.page.locator(f'tr[data-username="{fay.username}"]').get_by_test_id("show-devices").click()
    dialog = admin.page.get_by_test_id("user-devices")
    expect(dialog).to_contain_text("Fay 的设备")
    browser_item = dialog.locator("li.device[data-status=active]").filter(has_text="Chrome").first
    browser_item.get_by_test_id("wipe-device").click()
    expect(admin.page.get_by_test_id("confirm")).to_contain_text("下次联网时删除")
    admin.page.get_by_test_id("confirm-ok").click()
    expect_wiped(tablet.page, "此设备已被远程擦除：Axon 在此浏览器中保存的全部数据均已删除。")
    wiped = dialog.locator("li.device[data-status=wiped]")
    expect(wiped.get_by_test_id("wiped-at")).to_contain_text(re.compile("已于 .+ 完成擦除"))  # the list looks again
    expect(wiped.get_by_test_id("device-status")).to_have_text("已擦除")
    expect(admin.page.get_by_test_id("toast")).to_have_count(0)
    screenshot(admin.page, "admin-user-devices")


@pytest.mark.browser
def test_offboarding_from_the_admin_page_wipes_every_browser_of_the_person(axon, open_app):
    gus = axon.create_user("gus", "Gus")
    desk = open_app(gus)
    fill_storage(desk.page)
    admin = open_app(axon.admin)
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-user-search").fill(gus.username)
    row = admin.page.locator(f'tr[data-username="{gus.username}"]')
    row.get_by_test_id("toggle-user").click()
    expect(admin.page.get_by_test_id("confirm")).to_contain_text("Their messages stay.")
    admin.page.get_by_test_id("confirm-ok").click()
    expect(row).to_contain_text("Disabled")
    expect_wiped(desk.page, "This device was wiped: everything Axon stored in this browser has been deleted.")
    row.get_by_test_id("show-devices").click()
    dialog = admin.page.get_by_test_id("user-devices")
    expect(dialog.locator("li.device[data-status=wiped]")).to_have_count(1)  # the browser confirmed
    expect(dialog.locator("li.device[data-status=wipe_pending]")).to_have_count(1)  # the test's API sign-in never will
    expect(dialog.locator("li.device[data-status=active]")).to_have_count(0)


@pytest.mark.browser
def test_signing_out_all_other_devices_keeps_only_this_one(axon, open_app):
    hal = axon.create_user("hal", "Hal")
    laptop = open_app(hal)
    phone = open_app(hal, viewport={"width": 390, "height": 844}, locale="zh-CN")
    laptop.page.get_by_test_id("settings-link").click()
    mine = laptop.page.get_by_test_id("my-devices")
    expect(mine.locator("li.device[data-status=active]")).to_have_count(3)  # two browsers, the API sign-in
    mine.get_by_test_id("revoke-all-devices").click()
    laptop.page.get_by_test_id("confirm-ok").click()
    expect(phone.page.get_by_test_id("login-error")).to_have_text("此设备已被登出。")
    expect(mine.locator("li.device[data-status=active]")).to_have_count(1)
    expect(mine.locator("li.device[data-status=active]")).to_contain_text("This device")
    expect(mine.get_by_test_id("revoke-all-devices")).to_be_hidden()
    expect(laptop.page.locator("html")).to_have_attribute("data-conn", "live")
