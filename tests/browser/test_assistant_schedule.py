"""Scheduling a meeting through @axon in the web client (docs/ai/assistant.md, "Scheduling a meeting"):
asked in its DM, the proposal card shows the meeting; "Schedule" makes the event (the card turns to
"Scheduled ✓" and the event is in the calendar), "Cancel" dismisses another. In English and Chinese."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AxonServer, User
from tests.browser.test_a11y import axe_violations

pytestmark = pytest.mark.browser

LOCALES = ["en-US", "zh-CN"]
TEXT = {
    "en-US": {"ask": "schedule a meeting with @{who} tomorrow at 3pm",
              "again": "set up a call with @{who} tomorrow at 5pm",
              "title": "Meeting", "schedule": "Schedule", "cancel": "Cancel", "scheduled": "Scheduled ✓",
              "dismissed": "Dismissed", "with": "With {name}"},
    "zh-CN": {"ask": "安排明天下午三点和 @{who} 开会", "again": "明天下午五点和 @{who} 开个会",
              "title": "会议", "schedule": "安排", "cancel": "取消", "scheduled": "已安排 ✓",
              "dismissed": "已取消", "with": "参加者：{name}"},
}


def assistant_dm(axon: AxonServer, user: User) -> str:
    found = axon.call(user, "GET", "/users", params={"q": "axon"})["items"]
    bot = next(u for u in found if u["kind"] == "assistant")
    return str(axon.call(user, "POST", "/conversations/direct", json={"user_id": bot["id"]})["id"])


def proposal_in(axon: AxonServer, user: User, dm: str, state: str) -> dict[str, Any]:
    items = axon.call(user, "GET", f"/conversations/{dm}/messages")["items"]
    return next(m for m in items if m.get("card") and m["card"]["type"] == "assistant.proposal"
                and m["card"]["state"] == state)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_meeting_scheduled_from_the_proposal_card(axon, open_app, locale) -> None:
    text = TEXT[locale]
    ann = axon.create_user("ann", "Ann Asker")
    li = axon.create_user("li", "Li Invitee")
    axon.call(ann, "PATCH", "/me", json={"timezone": "Asia/Shanghai"})  # the browsers' zone (conftest)
    dm = assistant_dm(axon, ann)
    s = open_app(ann, locale=locale)
    page = s.page
    page.evaluate("h => { location.hash = h; }", f"#/c/{dm}")
    expect(page.locator(f'.conversation[data-conv-id="{dm}"]')).to_be_visible()

    s.send(text["ask"].format(who=li.username))
    card = page.get_by_test_id("proposal-card")
    expect(card).to_have_attribute("data-state", "pending", timeout=30_000)
    expect(card.get_by_test_id("proposal-title")).to_have_text(text["title"])
    expect(card.get_by_test_id("proposal-when")).to_contain_text(re.compile(r"3:00|15:00"))
    expect(card.get_by_test_id("proposal-people")).to_have_text(text["with"].format(name="Li Invitee"))
    expect(card.get_by_test_id("proposal-cancel")).to_have_text(text["cancel"])
    assert axe_violations(page, "proposal card") == []

    card.get_by_test_id("proposal-schedule").click()
    expect(card).to_have_attribute("data-state", "scheduled")
    expect(card.get_by_test_id("proposal-scheduled")).to_contain_text(text["scheduled"])
    expect(card.get_by_test_id("proposal-schedule")).to_have_count(0)
    event_id = proposal_in(axon, ann, dm, "scheduled")["card"]["event_id"]
    event = axon.call(li, "GET", f"/calendar/events/{event_id}")
    assert event["organizer_id"] == ann.id and {a["user_id"] for a in event["attendees"]} == {ann.id, li.id}

    card.get_by_test_id("proposal-open").click()
    expect(page.locator(f'[data-testid="calendar-event"][data-event-id="{event_id}"]')).to_be_visible()
    expect(page.get_by_test_id("event-dialog")).to_be_visible()

    # Another proposal, cancelled: it says so, and no second event is made.
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("event-dialog")).to_have_count(0)
    page.evaluate("h => { location.hash = h; }", f"#/c/{dm}")
    expect(page.locator(f'.conversation[data-conv-id="{dm}"]')).to_be_visible()
    s.send(text["again"].format(who=li.username))
    pending = page.locator('[data-testid="proposal-card"][data-state="pending"]')
    expect(pending).to_have_count(1, timeout=30_000)
    pending.get_by_test_id("proposal-cancel").click()
    expect(page.get_by_test_id("proposal-dismissed")).to_have_text(text["dismissed"])
    assert proposal_in(axon, ann, dm, "dismissed")["card"]["event_id"] is None
    assert [e["id"] for e in axon.call(ann, "GET", "/calendar/events")["events"]] == [event_id]
