"""Languages, themes, small screens, and hostile input rendered inert."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

PHONE = {"width": 390, "height": 844}


def seed_conversation(axon, alice, bob):
    channel = axon.room(alice, "channel", "release-notes", [bob], topic="Weekly release notes")
    for who, text in ((alice, "Release **1.4** is out 🎉"), (bob, "Great! Changelog:\n- faster sync\n- `axon backup`"),
                      (alice, f"> quoted\n\nThanks @{bob.username}")):
        axon.post(who, channel, text)
    return channel


@pytest.mark.browser
def test_language_follows_browser_and_switches_live(axon, open_app):
    alice, bob = axon.create_user("alice", "Alice"), axon.create_user("wei", "张伟")
    channel = seed_conversation(axon, alice, bob)
    zh = open_app(bob, locale="zh-CN")
    expect(zh.page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(zh.page.get_by_test_id("sidebar")).to_contain_text("频道")
    zh.open_conversation(channel)
    expect(zh.page.get_by_test_id("timeline")).to_contain_text("今天")
    expect(zh.page.get_by_test_id("composer")).to_have_attribute("placeholder", "发送消息给 release-notes")
    screenshot(zh.page, "zh-CN-light")

    # Switch to English in the settings; the whole UI follows without a reload.
    zh.page.get_by_test_id("settings-link").click()
    zh.page.get_by_test_id("language-select").select_option("en")
    expect(zh.page.get_by_test_id("sidebar")).to_contain_text("Channels")
    expect(zh.page.get_by_test_id("settings")).to_contain_text("Language")
    zh.open_conversation(channel)
    expect(zh.page.get_by_test_id("timeline")).to_contain_text("Today")
    screenshot(zh.page, "en-light")
    # The choice is remembered across reloads.
    zh.page.reload()
    expect(zh.page.locator("html")).to_have_attribute("lang", "en")

    # Pinyin search in the quick switcher finds 张伟.
    en = open_app(alice)
    en.page.keyboard.press("Control+k")
    en.page.get_by_test_id("switcher-input").fill("zhangwei")
    expect(en.page.locator('[data-testid="switcher-item"]', has_text="张伟")).to_be_visible()


@pytest.mark.browser
def test_dark_theme_and_phone_width_screenshots(axon, open_app):
    alice, bob = axon.create_user("alice", "Alice"), axon.create_user("bob", "Bob")
    channel = seed_conversation(axon, alice, bob)
    dark = open_app(alice, dark=True)
    expect(dark.page.locator("html")).to_have_attribute("data-theme", "dark")
    dark.open_conversation(channel)
    expect(dark.message("Changelog")).to_be_visible()
    screenshot(dark.page, "channel-dark")

    phone = open_app(bob, viewport=PHONE)
    expect(phone.page.get_by_test_id("sidebar")).to_be_visible()
    screenshot(phone.page, "phone-sidebar")
    phone.open_conversation(channel)
    expect(phone.page.get_by_test_id("sidebar")).to_be_hidden()
    expect(phone.message("Changelog")).to_be_visible()
    phone.send("Typed on a phone")
    expect(dark.message("Typed on a phone")).to_be_visible()
    screenshot(phone.page, "phone-conversation")
    # Back to the list on a phone.
    phone.page.locator(".conv-header .back").click()
    expect(phone.page.get_by_test_id("sidebar")).to_be_visible()


XSS_TEXTS = [
    "<img src=x onerror=\"window.__xss=1;alert('img')\">",
    "<script>window.__xss=2;alert('script')</script>",
    "[click me](javascript:window.__xss=3;alert('link'))",
    "<iframe src=\"javascript:alert('frame')\"></iframe>",
    "**<svg onload=alert('svg')>** and <a href=\"javascript:alert(1)\">a</a>",
    "![pic](x\" onerror=\"alert('md-img'))",
]


@pytest.mark.browser
def test_hostile_text_names_and_topics_render_inert(axon, open_app):
    mallory = axon.create_user("mallory", "<img src=x onerror=\"window.__xss=9;alert('name')\">")
    alice = axon.create_user("alice", "Alice")
    channel = axon.room(mallory, "channel", "<b onmouseover=alert('chan')>pwn</b>", [alice],
                        topic="<script>alert('topic')</script><img src=x onerror=alert('topic2')>")
    dm = axon.direct(mallory, alice)
    for text in XSS_TEXTS:
        for conv in (channel, dm):
            axon.post(mallory, conv, text)

    a = open_app(alice)
    for conv in (channel, dm):
        a.open_conversation(conv)
        timeline = a.page.get_by_test_id("timeline")
        expect(timeline.locator('[data-testid="message"]')).to_have_count(len(XSS_TEXTS))
        # The markup is shown as text, literally.
        expect(timeline).to_contain_text("<img src=x onerror=\"window.__xss=1;alert('img')\">")
        expect(timeline).to_contain_text("<script>window.__xss=2;alert('script')</script>")
        expect(a.page.get_by_test_id("sidebar")).to_contain_text("<img src=x onerror=")
        for message in timeline.locator('[data-testid="message"]').all():
            message.hover()
        assert timeline.locator("img, script, iframe, svg:not(.icon), object, embed").count() == 0
        hrefs = timeline.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
        assert not any(h and h.lower().startswith("javascript") for h in hrefs), hrefs
    a.open_conversation(channel)
    expect(a.page.get_by_test_id("conv-title")).to_have_text("<b onmouseover=alert('chan')>pwn</b>")
    topic = "<script>alert('topic')</script><img src=x onerror=alert('topic2')>"
    expect(a.page.get_by_test_id("conv-topic")).to_have_text(topic)
    a.page.get_by_test_id("open-members").click()
    expect(a.page.get_by_test_id("member-list")).to_contain_text("<img src=x onerror=")
    a.page.keyboard.press("Control+k")
    a.page.get_by_test_id("switcher-input").fill("mallory")
    expect(a.page.locator('[data-testid="switcher-item"]').first).to_contain_text("<img src=x")
    a.page.keyboard.press("Escape")
    assert a.page.evaluate("window.__xss") is None
    assert a.dialogs == []
    assert a.page.locator("body img:not([src='icon.svg'])").count() == 0


@pytest.mark.browser
def test_the_page_may_open_sockets_to_its_own_server_only(axon, browser):
    # connect-src is 'self': injected script could not send anything to another host over a WebSocket
    # (or fetch), while the client's own socket works (every signed-in test waits for it to be live).
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(axon.base_url + "/")
        refused = page.evaluate("""() => new Promise((resolve) => {
            document.addEventListener("securitypolicyviolation", (e) => resolve(e.effectiveDirective));
            try {
                const ws = new WebSocket("ws://127.0.0.2:9/steal");
                ws.onerror = () => resolve("not blocked: the browser tried to connect");
            } catch (e) { resolve(e.name); }
        })""")
        assert refused in ("connect-src", "SecurityError")
    finally:
        context.close()
