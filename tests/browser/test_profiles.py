"""Profile cards, profile settings (title, status, time zone) and avatars (crop, upload, live
update, removal) in the web client, in English and Chinese, light and dark."""

from __future__ import annotations

import time

import pytest
from PIL import Image
from playwright.sync_api import expect

ZH = {"en-US": False, "zh-CN": True}


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "dark"), [("en-US", False), ("zh-CN", True)])
def test_profile_card_opens_from_author_member_and_mention_and_messages_them(axon, open_app, locale, dark):
    ann = axon.create_user("hc_ann", f"HC Ann P {locale}")
    bob = axon.create_user("hc_bob", f"HC Bob P {locale}")
    axon.call(bob, "PATCH", "/me", json={"title": "Release manager", "status_text": "Shipping 2.0",
                                         "status_emoji": "🚢", "timezone": "Europe/Berlin"})
    room = axon.room(ann, "group", f"hc-cards-{locale}", [bob])
    axon.post(bob, room, "status report for today")
    axon.post(ann, room, f"thanks @{bob.username}")
    a = open_app(ann, locale=locale, dark=dark)
    a.open_conversation(room)

    a.message("status report").get_by_test_id("author").click()
    card = a.page.get_by_test_id("profile-card")
    expect(card.get_by_test_id("profile-name")).to_have_text(f"HC Bob P {locale}")
    expect(card.get_by_test_id("profile-title")).to_have_text("Release manager")
    expect(card.get_by_test_id("profile-status")).to_have_text("🚢 Shipping 2.0")
    expect(card.get_by_test_id("profile-local-time")).to_contain_text("(Europe/Berlin)")
    expect(card).to_contain_text("当地时间" if ZH[locale] else "Local time")
    presence = card.get_by_test_id("profile-presence")
    expect(presence).to_contain_text("离线" if ZH[locale] else "Offline")
    open_app(bob, locale=locale)  # Bob comes online: the open card follows
    expect(presence).to_contain_text("在线" if ZH[locale] else "Online")
    a.page.keyboard.press("Escape")
    expect(card).to_have_count(0)

    # From a mention, and from the member list.
    a.message("thanks").locator(".mention").click()
    expect(card.get_by_test_id("profile-name")).to_have_text(f"HC Bob P {locale}")
    a.page.keyboard.press("Escape")
    a.page.get_by_test_id("open-members").click()
    a.page.locator(f'[data-testid="member"][data-user-id="{bob.id}"] [data-testid="member-person"]').click()
    expect(card.get_by_test_id("profile-title")).to_have_text("Release manager")

    # "Message" opens the direct conversation with them.
    card.get_by_test_id("profile-message").click()
    expect(card).to_have_count(0)
    expect(a.page.get_by_test_id("conv-title")).to_have_text(f"HC Bob P {locale}")


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_settings_edit_title_status_emoji_and_time_zone(axon, open_app, locale):
    ann = axon.create_user("hc_ann", f"HC Ann S {locale}")
    a = open_app(ann, locale=locale)
    a.page.goto(axon.base_url + "/#/settings")
    settings = a.page.get_by_test_id("settings")
    expect(settings.locator("label", has_text="时区" if ZH[locale] else "Time zone")).to_be_visible()
    settings.locator("label", has_text="职位" if ZH[locale] else "Title").locator("input").fill("Designer")
    settings.get_by_test_id("profile-status-text").fill("Heads down")
    settings.get_by_test_id("status-emoji").click()
    picker = a.page.get_by_test_id("emoji-picker")
    expect(picker).to_have_attribute("aria-label", "状态表情" if ZH[locale] else "Status emoji")
    picker.get_by_test_id("emoji-search").fill("headphone")
    picker.locator('.emoji-btn[data-emoji="🎧"]').click()
    expect(settings.get_by_test_id("status-emoji")).to_have_text("🎧")
    settings.get_by_test_id("profile-timezone").select_option("Asia/Tokyo")
    settings.get_by_test_id("profile-save").click()
    expect(a.page.get_by_test_id("toast").filter(has_text="已保存。" if ZH[locale] else "Saved.")).to_be_visible()
    me = axon.call(ann, "GET", "/me")
    assert (me["title"], me["status_text"], me["status_emoji"], me["timezone"]) == (
        "Designer", "Heads down", "🎧", "Asia/Tokyo")

    # Clearing the emoji saves an empty one.
    settings.get_by_test_id("status-emoji-clear").click()
    settings.get_by_test_id("profile-save").click()
    expect(a.page.get_by_test_id("toast").last).to_be_visible()
    assert_eventually_empty_emoji(axon, ann)


def assert_eventually_empty_emoji(axon, user) -> None:
    deadline = time.monotonic() + 10
    while axon.call(user, "GET", "/me")["status_emoji"] != "":
        assert time.monotonic() < deadline, "status_emoji was not cleared"
        time.sleep(0.05)  # poll interval


def _photo(tmp_path, colour=(220, 40, 40)) -> str:
    path = tmp_path / "photo.jpg"
    image = Image.new("RGB", (900, 600), (30, 30, 200))
    for x in range(300, 600):
        for y in range(150, 450):
            image.putpixel((x, y), colour)
    image.save(path, "JPEG")
    return str(path)


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "dark"), [("en-US", True), ("zh-CN", False)])
def test_avatar_is_cropped_uploaded_and_shown_live_to_others(axon, open_app, tmp_path, locale, dark):
    ann = axon.create_user("hc_ann", f"HC Ann A {locale}")
    bob = axon.create_user("hc_bob", f"HC Bob A {locale}")
    room = axon.room(ann, "group", f"hc-avatars-{locale}", [bob])
    axon.post(ann, room, "look at my new picture")
    b = open_app(bob, locale=locale, dark=dark)
    b.open_conversation(room)
    ann_avatar = b.message("look at my new picture").locator(f'[data-avatar-user="{ann.id}"]')
    expect(ann_avatar).to_have_text("H")

    a = open_app(ann, locale=locale, dark=dark)
    a.page.goto(axon.base_url + "/#/settings")
    with a.page.expect_file_chooser() as chooser:
        a.page.get_by_test_id("avatar-change").click()
    chooser.value.set_files(_photo(tmp_path))
    dialog = a.page.get_by_test_id("avatar-dialog")
    expect(dialog.locator("h2")).to_have_text("头像" if ZH[locale] else "Profile picture")
    crop = dialog.get_by_test_id("avatar-crop")
    dialog.get_by_test_id("avatar-zoom").fill("2")
    box = crop.bounding_box()
    a.page.mouse.move(box["x"] + 128, box["y"] + 128)
    a.page.mouse.down()
    a.page.mouse.move(box["x"] + 60, box["y"] + 100, steps=4)
    a.page.mouse.up()
    dialog.get_by_test_id("avatar-save").click()
    expect(dialog).to_have_count(0)
    expect(a.page.get_by_test_id("settings").locator(f'[data-avatar-user="{ann.id}"] img')).to_be_visible()
    version = axon.call(ann, "GET", "/me")["avatar"]
    assert version

    # Bob follows Ann's presence (she is in the open conversation): her picture replaces the initial.
    picture = ann_avatar.locator("img")
    expect(picture).to_be_visible()
    assert picture.get_attribute("src").startswith("blob:")  # fetched with the token, never in the URL
    width = picture.evaluate("img => img.naturalWidth")
    assert width == 256  # what the server stored, not the 512 px crop that was uploaded

    a.page.get_by_test_id("avatar-remove").click()
    expect(ann_avatar.locator("img")).to_have_count(0)
    expect(ann_avatar).to_have_text("H")


@pytest.mark.browser
def test_a_file_that_is_not_an_image_is_refused_in_the_browser(axon, open_app, tmp_path):
    ann = axon.create_user("hc_ann", "HC Ann Bad")
    a = open_app(ann, locale="zh-CN")
    a.page.goto(axon.base_url + "/#/settings")
    fake = tmp_path / "notes.png"
    fake.write_bytes(b"this is not a picture")
    with a.page.expect_file_chooser() as chooser:
        a.page.get_by_test_id("avatar-change").click()
    chooser.value.set_files(str(fake))
    expect(a.page.get_by_test_id("toast").filter(has_text="该文件不是 PNG、JPEG、WebP 或 GIF 图片。")).to_be_visible()
    expect(a.page.get_by_test_id("avatar-dialog")).to_have_count(0)
    assert axon.call(ann, "GET", "/me")["avatar"] is None
