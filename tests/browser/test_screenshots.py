"""Where the browser tests put their screenshots: an ordinary test run never rewrites the tracked
``docs/screenshots/`` (it writes to the ignored ``test-artifacts/screenshots/``); refreshing the
published ones is asked for with ``AXON_REFRESH_SCREENSHOTS=1`` (``make screenshots``)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import ROOT, screenshot

DOCS = ROOT / "docs" / "screenshots"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


@pytest.mark.browser
def test_a_test_run_leaves_the_published_screenshots_alone(browser, monkeypatch) -> None:
    monkeypatch.delenv("AXON_REFRESH_SCREENSHOTS", raising=False)
    page = browser.new_page(viewport={"width": 320, "height": 200})
    try:
        page.set_content("<p>not the README's picture</p>")
        name = "group-mention-light"  # the one the README shows first
        published = (DOCS / f"{name}.png").read_bytes()
        (ARTIFACTS / f"{name}.png").unlink(missing_ok=True)
        screenshot(page, name)
        assert (DOCS / f"{name}.png").read_bytes() == published, "a test run rewrote docs/screenshots/"
        assert (ARTIFACTS / f"{name}.png").is_file()
    finally:
        page.close()


@pytest.mark.browser
def test_refreshing_the_screenshots_writes_them_into_the_docs(browser, monkeypatch) -> None:
    monkeypatch.setenv("AXON_REFRESH_SCREENSHOTS", "1")
    page = browser.new_page(viewport={"width": 320, "height": 200})
    written = DOCS / "refresh-check.png"
    try:
        page.set_content("<p>refresh</p>")
        screenshot(page, written.stem)
        assert written.is_file()
    finally:
        written.unlink(missing_ok=True)
        page.close()


@pytest.mark.browser
def test_profile_card_screenshot(axon, open_app, tmp_path) -> None:
    """docs/screenshots/profile-card-light.png: a teammate's card opened from their name."""
    ann = axon.create_user("hc_shot_ann", "Ann Lee")
    bob = axon.create_user("hc_shot_bob", "Bob Chen")
    axon.call(bob, "PATCH", "/me", json={"title": "Release manager", "status_text": "Shipping 2.0 this week",
                                         "status_emoji": "🚢", "timezone": "Europe/Berlin"})
    _upload_avatar(axon, bob, tmp_path)
    room = axon.room(ann, "channel", "release-train", [bob], topic="Everything about the 2.0 release")
    axon.post(bob, room, "The release candidate is **green** on every platform.")
    axon.post(ann, room, f"Great work @{bob.username}, I'll write the notes.")
    a = open_app(ann)
    open_app(bob)  # online, so the card shows a green dot
    a.open_conversation(room)
    a.message("release candidate").get_by_test_id("author").click()
    card = a.page.get_by_test_id("profile-card")
    expect(card.get_by_test_id("profile-presence")).to_contain_text("Online")
    expect(card.locator(".avatar img")).to_be_visible()
    screenshot(a.page, "profile-card-light")


@pytest.mark.browser
def test_emoji_picker_screenshot(axon, open_app) -> None:
    """docs/screenshots/emoji-picker-light.png: the composer's picker, searched by name."""
    ann = axon.create_user("hc_shot_cat", "Cat Wang")
    room = axon.room(ann, "group", "Launch party", [axon.create_user("hc_shot_dan", "Dan Park")])
    axon.post(ann, room, "Who brings the cake? 🎂")
    a = open_app(ann)
    a.open_conversation(room)
    a.page.get_by_test_id("composer-emoji").click()
    picker = a.page.get_by_test_id("emoji-picker")
    expect(picker.locator('.emoji-section[data-group="smileys-emotion"]')).to_be_visible()
    picker.locator('.emoji-btn[data-emoji="😀"]').hover()
    expect(picker.locator(".emoji-foot")).to_contain_text("grinning face")
    screenshot(a.page, "emoji-picker-light")


def _upload_avatar(axon, user, tmp_path) -> None:
    image = Image.new("RGB", (256, 256), (59, 91, 219))
    for x in range(64, 192):
        for y in range(64, 192):
            if (x - 128) ** 2 + (y - 128) ** 2 < 64 ** 2:
                image.putpixel((x, y), (255, 212, 59))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    with axon.api(user.token) as api:
        api.put("/me/avatar", content=buffer.getvalue(), headers={"Content-Type": "image/png"}).raise_for_status()
