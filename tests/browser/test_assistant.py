"""The @axon assistant in the web client (docs/web.md "The assistant", docs/ai/assistant.md "In the web
client"), against the real assistant consumer and search index: "Ask Axon" makes and opens the DM with it,
whose empty intro offers example questions that fill the composer and send nothing; an answer carries the
assistant's tag and mark and its profile card says what it is; a search answer's results card opens the
group at the message, highlighted; a mention in a group is answered in the Axon DM (unread there) and
nothing is posted in the group. A phone-sized dark screen. In English and Chinese; screenshots
`assistant-dm` and `assistant-dm-zh`."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AxonServer, User, screenshot
from tests.browser.test_a11y import axe_violations
from tests.browser.test_search import indexed

pytestmark = pytest.mark.browser

LOCALES = ["en-US", "zh-CN"]
HIGHLIGHTED = re.compile(r"\bhighlight\b")
SUFFIX = {"en-US": "", "zh-CN": "-zh"}
TEXT = {
    "en-US": {"ask": "Ask Axon", "tag": "Assistant", "intro": "Hi, I'm Axon", "example": "What did I miss today?",
              "fill": "what did I miss today?", "help": "help", "helped": "find the message about the release date",
              "find": "find the message about {w}", "found": "Found for “{w}”", "asked": "Asked in {where}",
              "about": "acts with your permissions"},
    "zh-CN": {"ask": "问 Axon", "tag": "助手", "intro": "你好，我是 Axon", "example": "今天我错过了什么？",
              "fill": "今天我错过了什么？", "help": "帮助", "helped": "我是 Axon",
              "find": "找一下关于{w}的消息", "found": "关于“{w}”找到", "asked": "问于 {where}",
              "about": "以你的权限行事"},
}


def assistant_of(axon: AxonServer, user: User) -> dict[str, Any]:
    found = axon.call(user, "GET", "/users", params={"q": "axon"})["items"]
    return dict(next(u for u in found if u["kind"] == "assistant"))


def said_in_group(axon: AxonServer, locale: str) -> tuple[User, User, str, str, dict[str, Any]]:
    """Alice and Bob in a fresh group, where Bob said something with a word found nowhere else (indexed)."""
    alice = axon.create_user("alice", "Alice Asks")
    bob = axon.create_user("bob", "Bob Knows")
    word = f"kestrel{uuid.uuid4().hex[:6]}"
    name = f"launch-{uuid.uuid4().hex[:4]}"
    group = axon.room(alice, "group", name, [bob])
    text = f"The {word} checklist is ready for review" if locale == "en-US" else f"{word} 的检查清单已经准备好了"
    said = axon.post(bob, group, text)
    indexed(axon, alice, word, said["id"])
    return alice, bob, group, word, said


def axon_item(page: Page) -> Any:
    """The Axon DM in the sidebar: the direct conversation whose row carries the assistant tag."""
    return page.locator('[data-testid="conv-item"]:has([data-testid="conv-item-assistant"])')


def last_answer(page: Page, assistant_id: str) -> Any:
    return page.get_by_test_id("timeline").locator(f'[data-testid="message"][data-sender-id="{assistant_id}"]').last


@pytest.mark.parametrize("locale", LOCALES)
def test_ask_axon_opens_its_dm_then_a_found_message_opens_in_its_group(axon, open_app, locale) -> None:
    text = TEXT[locale]
    alice, bob, group, word, said = said_in_group(axon, locale)
    bot = assistant_of(axon, alice)
    s = open_app(alice, locale=locale)
    page = s.page

    # "Ask Axon" makes the DM the first time; its empty intro offers questions and sends nothing.
    expect(axon_item(page)).to_have_count(0)
    page.get_by_test_id("ask-axon").click()
    expect(page.get_by_test_id("ask-axon")).to_have_text(text["ask"])
    expect(page.get_by_test_id("conv-title")).to_contain_text("Axon")
    expect(page.get_by_test_id("conv-assistant-tag")).to_have_text(text["tag"])
    intro = page.get_by_test_id("assistant-intro")
    expect(intro).to_contain_text(text["intro"])
    expect(intro.get_by_test_id("assistant-example")).to_have_count(4)
    intro.get_by_test_id("assistant-example").filter(has_text=text["example"]).click()
    expect(page.get_by_test_id("composer")).to_have_value(text["fill"])
    expect(page.get_by_test_id("composer")).to_be_focused()
    expect(axon_item(page)).to_have_count(1)
    expect(axon_item(page).get_by_test_id("conv-item-assistant")).to_have_text(text["tag"])
    dm = axon_item(page).get_attribute("data-conv-id")
    assert axon.call(alice, "GET", f"/conversations/{dm}/messages")["items"] == [], "the intro never sends"
    expect(page.get_by_test_id("timeline").get_by_test_id("message")).to_have_count(0)

    # An answer: the assistant's name with its tag, its mark for an avatar, and a profile card saying what it is.
    s.send(text["help"])
    answer = last_answer(page, bot["id"])
    expect(answer).to_contain_text(text["helped"], timeout=20_000)
    expect(intro).to_be_hidden()
    expect(answer.get_by_test_id("author-assistant")).to_have_text(text["tag"])
    expect(answer.locator(".avatar.avatar-assistant svg")).to_have_count(1)
    answer.get_by_test_id("author").click()
    card = page.get_by_test_id("profile-card")
    expect(card.get_by_test_id("profile-about")).to_contain_text(text["about"])
    expect(card.get_by_test_id("profile-assistant")).to_have_text(text["tag"])
    expect(card.get_by_test_id("profile-presence")).to_have_count(0)
    page.keyboard.press("Escape")

    # A search: the results card lists Bob's message, which opens in the group, highlighted.
    s.send(text["find"].format(w=word))
    results = last_answer(page, bot["id"]).get_by_test_id("assistant-results")
    expect(results).to_be_visible(timeout=20_000)
    expect(results.get_by_test_id("assistant-results-head")).to_have_text(text["found"].format(w=word))
    item = results.get_by_test_id("assistant-result")
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-message-id", said["id"])
    expect(item.get_by_test_id("assistant-snippet")).to_contain_text(word)
    expect(item).to_contain_text(bob.display_name)
    page.get_by_test_id("composer").blur()
    page.mouse.move(640, 790)  # off the messages: no hover toolbar in the picture
    screenshot(page, f"assistant-dm{SUFFIX[locale]}")
    assert axe_violations(page, "assistant results card") == []
    item.focus()
    page.keyboard.press("Enter")  # a button: the keyboard opens it as a click does
    expect(page.locator(f'.conversation[data-conv-id="{group}"]')).to_be_visible()
    expect(page.locator(f'[data-testid="message"][data-message-id="{said["id"]}"]')).to_have_class(HIGHLIGHTED)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_mention_in_a_group_is_answered_in_the_axon_dm_only(axon, open_app, locale) -> None:
    text = TEXT[locale]
    alice, _bob, group, word, said = said_in_group(axon, locale)
    bot = assistant_of(axon, alice)
    s = open_app(alice, locale=locale)
    page = s.page
    s.open_conversation(group)

    # The assistant is offered by the @-completion although it is no member, with its tag.
    box = page.get_by_test_id("composer")
    box.press_sequentially("@ax")
    option = page.get_by_test_id("autocomplete").locator(f'[data-username="{bot["username"]}"]')
    expect(option.get_by_test_id("autocomplete-assistant")).to_have_text(text["tag"])
    box.press("Enter")
    question = text["find"].format(w=word)
    box.press_sequentially(question)
    box.press("Enter")
    expect(s.message(question)).to_have_attribute("data-state", "sent")

    # The answer lands in the Axon DM (made by the answer), unread there; nothing is posted in the group.
    expect(axon_item(page).get_by_test_id("unread-badge")).to_have_text("1", timeout=20_000)
    history = axon.call(alice, "GET", f"/conversations/{group}/messages")["items"]
    assert [m["sender_id"] for m in history if m["sender_id"] == bot["id"]] == []
    expect(page.get_by_test_id("timeline").locator(f'[data-sender-id="{bot["id"]}"]')).to_have_count(0)

    # Its card links to the message found and back to where the question was asked.
    axon_item(page).click()
    results = last_answer(page, bot["id"]).get_by_test_id("assistant-results")
    expect(results.get_by_test_id("assistant-result")).to_have_attribute("data-message-id", said["id"])
    group_name = axon.call(alice, "GET", f"/conversations/{group}")["name"]
    link = results.get_by_test_id("assistant-question")
    expect(link).to_have_text(text["asked"].format(where=group_name))
    link.click()
    expect(page.locator(f'.conversation[data-conv-id="{group}"]')).to_be_visible()
    asked = page.get_by_test_id("timeline").locator('[data-testid="message"]', has_text=word).last
    expect(asked).to_have_attribute("data-sender-id", alice.id)
    expect(asked).to_have_class(HIGHLIGHTED)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_axon_dm_on_a_dark_phone(axon, open_app, locale) -> None:
    text = TEXT[locale]
    alice, _bob, group, word, said = said_in_group(axon, locale)
    bot = assistant_of(axon, alice)
    s = open_app(alice, locale=locale, viewport={"width": 390, "height": 760}, dark=True)
    page = s.page
    page.get_by_test_id("ask-axon").click()
    intro = page.get_by_test_id("assistant-intro")
    expect(intro).to_be_visible()
    for example in intro.get_by_test_id("assistant-example").all():
        box = example.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"assistant-intro-phone-dark{SUFFIX[locale]}")
    assert axe_violations(page, "assistant intro, phone, dark") == []

    s.send(text["find"].format(w=word))
    item = last_answer(page, bot["id"]).get_by_test_id("assistant-result")
    expect(item).to_have_attribute("data-message-id", said["id"], timeout=20_000)
    box = item.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page, "assistant results card, phone, dark") == []
    item.click()
    expect(page.locator(f'.conversation[data-conv-id="{group}"]')).to_be_visible()
    expect(page.locator(f'[data-testid="message"][data-message-id="{said["id"]}"]')).to_have_class(HIGHLIGHTED)
