"""@axon reminders in the web client, in English and Chinese: asked for in the DM with @axon, the
answer's reminder card shows what and when with a Cancel button; cancelled, it says so; a due
reminder is announced with a toast and a desktop notification."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AxonServer, User, running_axon

pytestmark = pytest.mark.browser

LOCALES = ["en-US", "zh-CN"]
ASK = {"en-US": "remind me to send the report in 2 hours", "zh-CN": "两小时后提醒我交周报"}
WHAT = {"en-US": "send the report", "zh-CN": "交周报"}
TEXT = {"en-US": {"scheduled": "Scheduled", "cancelled": "Cancelled", "cancel": "Cancel"},
        "zh-CN": {"scheduled": "已安排", "cancelled": "已取消", "cancel": "取消"}}


@pytest.fixture(scope="module")
def axon(tmp_path_factory: pytest.TempPathFactory, mail_drop: Any) -> Iterator[AxonServer]:
    """A node of this module's own whose reminders job looks every 0.2 s."""
    with running_axon(tmp_path_factory, mail_drop, {"AXON_REMINDER_INTERVAL": "0.2"}) as server:
        yield server


def assistant_dm(axon: AxonServer, user: User) -> str:
    found = axon.call(user, "GET", "/users", params={"q": "axon"})["items"]
    bot = next(u for u in found if u["kind"] == "assistant")
    return str(axon.call(user, "POST", "/conversations/direct", json={"user_id": bot["id"]})["id"])


def make_due_now(axon: AxonServer, reminder_id: str) -> None:
    """Move the reminder's due time a second into the past, as if its time had come."""
    with sqlite3.connect(axon.log_path.parent / "axon.db", timeout=10) as db:
        db.execute("UPDATE reminders SET due_at = ? WHERE id = ?", (int(time.time() * 1000) - 1000, reminder_id))


@pytest.mark.parametrize("locale", LOCALES)
def test_a_reminder_set_in_the_dm_is_cancelled_from_its_card(axon, open_app, locale) -> None:
    ann = axon.create_user("ann", "Ann Remind")
    dm = assistant_dm(axon, ann)
    s = open_app(ann, locale=locale)
    s.open_conversation(dm)
    s.send(ASK[locale])

    card = s.page.get_by_test_id("reminder-card")
    expect(card).to_have_count(1, timeout=30_000)
    expect(card.get_by_test_id("reminder-card-text")).to_have_text(WHAT[locale])
    expect(card.get_by_test_id("reminder-card-state")).to_have_text(TEXT[locale]["scheduled"])
    expect(card.get_by_test_id("reminder-card-when")).not_to_be_empty()
    reminder_id = card.get_attribute("data-reminder-id")
    listed = axon.call(ann, "GET", "/reminders")["items"]
    assert [r["id"] for r in listed] == [reminder_id]

    card.get_by_test_id("reminder-cancel").click()
    expect(card).to_have_attribute("data-state", "cancelled")
    expect(card.get_by_test_id("reminder-card-state")).to_have_text(TEXT[locale]["cancelled"])
    expect(card.get_by_test_id("reminder-cancel")).to_have_count(0)
    assert axon.call(ann, "GET", "/reminders")["items"] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_a_due_reminder_is_announced(axon, open_app, locale) -> None:
    bo = axon.create_user("bo", "Bo Remind")
    dm = assistant_dm(axon, bo)
    s = open_app(bo, locale=locale)
    s.open_conversation(dm)
    s.send(ASK[locale])
    card = s.page.get_by_test_id("reminder-card")
    expect(card).to_have_count(1, timeout=30_000)
    make_due_now(axon, str(card.get_attribute("data-reminder-id")))

    expect(s.page.get_by_test_id("toast").filter(has_text=WHAT[locale]).first).to_be_visible(timeout=30_000)
    assert any(WHAT[locale] in n.get("body", "") for n in s.notifications())
    # The answer's card and the reminder @axon posted both show it delivered.
    expect(s.page.locator('[data-testid="reminder-card"][data-state="delivered"]')).to_have_count(2)
