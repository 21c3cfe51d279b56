"""The emoji picker (composer and reactions), :shortcode: completion, quoting and forwarding,
in English and Chinese, light and dark."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

LOCALES = ["en-US", "zh-CN"]
ZH = {"en-US": False, "zh-CN": True}
EMOJI_DATA_LOADED = """() => performance.getEntriesByType("resource").some((e) => e.name.includes("/vendor/emoji/"))"""


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "dark"), [("en-US", False), ("zh-CN", True)])
def test_composer_picker_searches_both_languages_and_remembers_recent(axon, open_app, locale, dark):
    ann, bob = axon.create_user("hc_ann", f"HC Ann {locale}"), axon.create_user("hc_bob", f"HC Bob {locale}")
    room = axon.room(ann, "group", f"hc-emoji-{locale}", [bob])
    a = open_app(ann, locale=locale, dark=dark)
    a.open_conversation(room)
    assert not a.page.evaluate(EMOJI_DATA_LOADED)  # nothing of the catalogue at page load

    a.page.get_by_test_id("composer-emoji").click()
    picker = a.page.get_by_test_id("emoji-picker")
    expect(picker).to_be_visible()
    search = picker.get_by_test_id("emoji-search")
    expect(search).to_be_focused()
    expect(search).to_have_attribute("placeholder", "搜索表情" if ZH[locale] else "Search emoji")
    expect(picker.locator('.emoji-section[data-group="smileys-emotion"] h4')).to_have_text(
        "笑脸与情感" if ZH[locale] else "Smileys & emotion")
    assert a.page.evaluate(EMOJI_DATA_LOADED)  # fetched when the picker first opened

    # A search in the interface's language and one in the other both find the rocket.
    search.fill("火箭" if ZH[locale] else "rocket")
    expect(picker.locator('.emoji-btn[data-emoji="🚀"]')).to_be_visible()
    search.fill("rocket" if ZH[locale] else "火箭")
    rocket = picker.locator('.emoji-btn[data-emoji="🚀"]')
    expect(rocket).to_have_attribute("aria-label", "火箭" if ZH[locale] else "rocket")
    rocket.click()
    expect(picker).to_have_count(0)
    composer = a.page.get_by_test_id("composer")
    expect(composer).to_have_value("🚀")

    # ":thu" offers the thumbs up first; Enter puts it in place of the shortcode.
    composer.press("End")
    composer.press_sequentially(" :thu")
    choice = a.page.get_by_test_id("autocomplete").locator("li").first
    expect(choice).to_have_attribute("data-emoji", "👍")
    expect(choice).to_contain_text(":thumbsup:")
    composer.press("Enter")
    expect(composer).to_have_value("🚀 👍")
    composer.press("Enter")
    expect(a.message("🚀 👍")).to_have_attribute("data-state", "sent")

    # Recently used come first, most recent first; a time like 12:30 offers nothing.
    a.page.get_by_test_id("composer-emoji").click()
    recent = picker.locator('.emoji-section[data-group="recent"] .emoji-btn')
    expect(recent.nth(0)).to_have_attribute("data-emoji", "👍")
    expect(recent.nth(1)).to_have_attribute("data-emoji", "🚀")
    a.page.keyboard.press("Escape")
    expect(picker).to_have_count(0)
    composer.fill("")
    composer.press_sequentially("at 12:30")
    expect(a.page.get_by_test_id("autocomplete")).to_be_hidden()


@pytest.mark.browser
@pytest.mark.parametrize("locale", LOCALES)
def test_reactions_use_the_same_picker_with_search_and_skin_tones(axon, open_app, locale):
    ann, bob = axon.create_user("hc_ann", f"HC Ann R {locale}"), axon.create_user("hc_bob", f"HC Bob R {locale}")
    room = axon.room(ann, "group", f"hc-react-{locale}", [bob])
    axon.post(bob, room, "react to me")
    a = open_app(ann, locale=locale)
    a.open_conversation(room)
    message = a.message("react to me")
    a.message_action(message, "act-react")
    picker = a.page.get_by_test_id("emoji-picker")
    expect(picker).to_have_attribute("aria-label", "添加表情回应" if ZH[locale] else "Add reaction")
    picker.get_by_test_id("emoji-search").fill("庆祝" if ZH[locale] else "party")
    picker.locator('.emoji-btn[data-emoji="🎉"]').click()
    expect(message.locator('[data-testid="reaction"][data-emoji="🎉"]')).to_contain_text("1")

    # A skin tone chosen once applies to every emoji that has tones, and is remembered.
    a.message_action(message, "act-react")
    picker.get_by_test_id("emoji-skin").click()
    picker.get_by_test_id("emoji-search").fill("thumbsup")
    picker.locator('.emoji-btn[data-emoji="👍🏻"]').click()
    expect(message.locator('[data-testid="reaction"][data-emoji="👍🏻"]')).to_contain_text("1")
    reactions = axon.call(bob, "GET", f"/conversations/{room}/messages/{message.get_attribute('data-message-id')}")
    assert sorted(r["emoji"] for r in reactions["reactions"]) == sorted(["🎉", "👍🏻"])


@pytest.mark.browser
@pytest.mark.parametrize("locale", LOCALES)
def test_quote_fills_the_composer_and_forward_links_only_for_readers(axon, open_app, locale):
    ann = axon.create_user("hc_ann", f"HC Ann Q {locale}")
    bob = axon.create_user("hc_bob", f"HC Bob Q {locale}")
    cat = axon.create_user("hc_cat", f"HC Cat Q {locale}")
    source = axon.room(bob, "group", f"hc-source-{locale}", [ann])
    target = axon.room(ann, "group", f"hc-target-{locale}", [cat])
    axon.post(bob, source, "The launch is on **Friday**\nbring cake")
    a = open_app(ann, locale=locale)
    a.open_conversation(source)
    original = a.message("The launch is on Friday")

    a.message_action(original, "act-quote")
    expect(a.page.get_by_test_id("composer")).to_have_value(
        f"> **HC Bob Q {locale}**\n> The launch is on **Friday**\n> bring cake\n\n")
    expect(a.page.get_by_test_id("composer")).to_be_focused()
    a.page.get_by_test_id("composer").fill("")

    a.message_action(original, "act-forward")
    dialog = a.page.get_by_test_id("forward-dialog")
    expect(dialog.locator("h2")).to_have_text("转发消息" if ZH[locale] else "Forward message")
    dialog.get_by_test_id("forward-search").fill(f"hc-target-{locale}")
    dialog.locator(f'[data-testid="forward-target"][data-conv-id="{target}"]').click()
    expect(a.page.get_by_test_id("toast").filter(has_text=f"hc-target-{locale}")).to_be_visible()

    # Cat is not in the source group: the copy says it was forwarded, without a link.
    c = open_app(cat, locale=locale)
    c.open_conversation(target)
    copy = c.message("The launch is on Friday")
    expect(copy.get_by_test_id("forwarded")).to_contain_text(
        f"转发的消息 · HC Bob Q {locale}" if ZH[locale] else f"Forwarded message · HC Bob Q {locale}")
    expect(copy.get_by_test_id("forwarded-link")).to_have_count(0)
    expect(copy.locator(".msg-author")).to_have_text(f"HC Ann Q {locale}")

    # Ann can read the source: her copy links to it, and the link shows the original.
    a.open_conversation(target)
    link = a.message("The launch is on Friday").get_by_test_id("forwarded-link")
    expect(link).to_have_text(f"转发自 hc-source-{locale}" if ZH[locale] else f"Forwarded from hc-source-{locale}")
    link.click()
    expect(a.page.locator(f'.conversation[data-conv-id="{source}"]')).to_be_visible()
    expect(a.message("The launch is on Friday")).to_have_class(re.compile(r"\bhighlight\b"))
