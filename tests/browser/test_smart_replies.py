"""Smart reply chips above the composer: shown for the last message addressed to me, in its language,
refreshed live when a new one arrives, a click fills the composer and sends nothing, gone once I have
answered, and an off switch in Settings. In English and Chinese (the browser tests' node learns
nothing: these are the built-in replies; learning is tested in tests/integration/test_smart_replies.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll the server until ``check`` holds (the page's PATCH is not observable from the test)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_chips_fill_the_composer_without_sending_and_follow_the_conversation(axon, open_app):
    ann, bob = axon.create_user("sr_ann", "SR Ann"), axon.create_user("sr_bob", "SR Bob")
    dm = axon.direct(ann, bob)
    axon.post(ann, dm, "Can you join the design call at 3?")
    b = open_app(bob)
    b.open_conversation(dm)
    chips = b.page.get_by_test_id("smart-reply")
    expect(chips).to_have_text(["Yes", "Let me check", "No"])
    expect(b.page.get_by_test_id("smart-replies")).to_contain_text("Quick replies")

    chips.first.click()
    box = b.page.get_by_test_id("composer")
    expect(box).to_have_value("Yes")
    expect(box).to_be_focused()
    assert [m["text"] for m in axon.call(bob, "GET", f"/conversations/{dm}/messages")["items"]] == [
        "Can you join the design call at 3?"]  # nothing was sent

    # A new message addressed to me: the chips follow it, live.
    axon.post(ann, dm, "Thanks for the notes yesterday!")
    expect(chips).to_have_text(["You're welcome!", "Anytime", "👍"])
    screenshot(b.page, "smart-replies-en-light")

    # My answer: nothing is left to suggest.
    box.fill("Sure, see you at 3")
    box.press("Enter")
    expect(b.message("Sure, see you at 3")).to_be_visible()
    expect(b.page.get_by_test_id("smart-replies")).to_be_hidden()


def test_chinese_chips_and_the_switch_in_settings(axon, open_app):
    ann, bob = axon.create_user("sr_kai", "SR 凯"), axon.create_user("sr_lin", "SR 林")
    dm = axon.direct(ann, bob)
    axon.post(ann, dm, "明天的评审会你能参加吗？")
    b = open_app(bob, locale="zh-CN", dark=True)
    b.open_conversation(dm)
    chips = b.page.get_by_test_id("smart-reply")
    expect(chips).to_have_text(["可以", "我看一下", "不行"])
    expect(b.page.get_by_test_id("smart-replies")).to_contain_text("快捷回复")
    chips.nth(1).click()
    expect(b.page.get_by_test_id("composer")).to_have_value("我看一下")
    screenshot(b.page, "smart-replies-zh-dark")

    b.page.goto(axon.base_url + "/#/settings")
    toggle = b.page.get_by_test_id("smart-replies-toggle")
    expect(b.page.get_by_test_id("settings")).to_contain_text("在输入框上方推荐快捷回复")
    expect(toggle).to_be_checked()
    toggle.uncheck()
    b.open_conversation(dm)
    expect(b.page.get_by_test_id("composer")).to_be_visible()
    expect(b.page.get_by_test_id("smart-replies")).to_be_hidden()
    # Kept on the server: another device of mine shows none either, and switching back brings them.
    until(lambda: axon.call(bob, "GET", "/me/preferences")["smart_replies"] is False)
    other = open_app(bob, locale="zh-CN")
    other.open_conversation(dm)
    expect(other.page.get_by_test_id("composer")).to_be_visible()
    expect(other.page.get_by_test_id("smart-replies")).to_be_hidden()
    other.page.goto(axon.base_url + "/#/settings")
    other.page.get_by_test_id("smart-replies-toggle").check()
    expect(b.page.get_by_test_id("smart-reply")).to_have_text(["可以", "我看一下", "不行"])  # live, by the user event
