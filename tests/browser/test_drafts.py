"""Drafts follow the user to their other devices: saved on the server while typing (and at once
when the conversation is left), shown with a "Draft" marker in the sidebar, restored when the
conversation opens, updated live, and cleared everywhere by sending. In English and Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def server_drafts(axon, user):
    return {(d["conversation_id"], d["thread_root"]): d["text"] for d in axon.call(user, "GET", "/me/drafts")}


def test_a_draft_started_on_one_device_is_there_on_the_other_and_sending_clears_it(axon, open_app):
    ann, bob = axon.create_user("hb_gus", "HB Gus"), axon.create_user("hb_hal", "HB Hal")
    plans = axon.room(ann, "group", "hb-plans", [bob])
    other = axon.room(ann, "group", "hb-other", [bob])
    laptop, desktop = open_app(ann), open_app(ann)

    laptop.open_conversation(plans)
    laptop.page.get_by_test_id("composer").fill("HB the plan is")
    # Saved after a pause in typing: the other device marks the conversation.
    marker = desktop.conv_item(plans).get_by_test_id("draft-marker")
    expect(marker).to_have_text("Draft")
    expect(desktop.conv_item(other).get_by_test_id("draft-marker")).to_have_count(0)
    expect(laptop.conv_item(plans).get_by_test_id("draft-marker")).to_have_count(0)  # not on the open one

    # Opening it there restores the text; more typing on the laptop shows up live.
    desktop.open_conversation(plans)
    box = desktop.page.get_by_test_id("composer")
    expect(box).to_have_value("HB the plan is")
    laptop.page.get_by_test_id("composer").press_sequentially(" simple")
    expect(box).to_have_value("HB the plan is simple")

    # Sending on the desktop clears the draft in the same write: the laptop's box empties too.
    box.press("Enter")
    expect(laptop.message("HB the plan is simple")).to_be_visible()
    expect(laptop.page.get_by_test_id("composer")).to_have_value("")
    expect(box).to_have_value("")
    assert server_drafts(axon, ann) == {}
    laptop.open_conversation(other)
    expect(laptop.conv_item(plans).get_by_test_id("draft-marker")).to_have_count(0)
    screenshot(desktop.page, "hb-drafts-after-send-light")


def test_leaving_a_conversation_saves_its_draft_at_once_and_a_reload_keeps_it(axon, open_app):
    ann, bob = axon.create_user("hb_ida", "HB Ida"), axon.create_user("hb_jon", "HB Jon")
    notes = axon.room(ann, "group", "hb-notes", [bob])
    dm = axon.direct(ann, bob)
    laptop = open_app(ann)
    laptop.open_conversation(notes)
    laptop.page.get_by_test_id("composer").fill(f"HB ask @{bob.username} about it")
    laptop.open_conversation(dm)  # switching saves without waiting for the pause
    expect(laptop.conv_item(notes).get_by_test_id("draft-marker")).to_have_text("Draft")
    laptop.page.reload()
    expect(laptop.page.locator("html")).to_have_attribute("data-conn", "live")
    expect(laptop.conv_item(notes).get_by_test_id("draft-marker")).to_have_text("Draft")
    laptop.open_conversation(notes)
    expect(laptop.page.get_by_test_id("composer")).to_have_value("HB ask @HB Jon about it")  # shown by name
    assert server_drafts(axon, ann) == {(notes, None): f"HB ask @{bob.username} about it"}  # stored by username
    # Emptying the box clears the draft on the server too.
    laptop.page.get_by_test_id("composer").fill("")
    laptop.open_conversation(dm)
    expect(laptop.conv_item(notes).get_by_test_id("draft-marker")).to_have_count(0)
    assert server_drafts(axon, ann) == {}


def test_drafts_in_chinese_and_dark_including_a_thread_reply(axon, open_app):
    ann, bob = axon.create_user("hb_kai", "HB 凯"), axon.create_user("hb_lin", "HB 林")
    room = axon.room(bob, "group", "hb-草稿", [ann])
    other = axon.room(bob, "group", "hb-别处", [ann])
    axon.post(bob, room, "HB 周五聚餐？")
    phone = open_app(ann, locale="zh-CN", dark=True, viewport={"width": 390, "height": 844})
    desktop = open_app(ann, locale="zh-CN", dark=True)
    desktop.open_conversation(room)
    question = desktop.message("HB 周五聚餐")
    desktop.message_action(question, "act-reply")
    desktop.page.get_by_test_id("thread-composer").fill("HB 我去")
    desktop.page.get_by_test_id("composer").fill("HB 主题草稿")
    expect(phone.conv_item(room).get_by_test_id("draft-marker")).to_have_text("草稿")
    expect(phone.conv_item(other).get_by_test_id("draft-marker")).to_have_count(0)
    # A thread reply clears only the thread's draft.
    desktop.page.get_by_test_id("thread-composer").press("Enter")
    expect(desktop.page.get_by_test_id("thread-composer")).to_have_value("")
    expect(phone.conv_item(room).get_by_test_id("draft-marker")).to_have_text("草稿")
    assert server_drafts(axon, ann) == {(room, None): "HB 主题草稿"}
    screenshot(phone.page, "hb-drafts-zh-dark")
    desktop.page.get_by_test_id("composer").press("Enter")
    expect(phone.conv_item(room).get_by_test_id("draft-marker")).to_have_count(0)
    assert server_drafts(axon, ann) == {}

