"""Admin → Search: the organisation's own words for the Chinese word splitter (docs/search.md
"Organisation words"), edited in the web client in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_admin_keeps_the_organisation_words_and_a_bad_word_is_refused_with_the_reason(axon, open_app, locale):
    page = open_app(axon.admin, locale=locale).page
    page.get_by_test_id("admin-link").click()
    page.get_by_test_id("admin-tab-search").click()
    words = page.get_by_test_id("search-words")
    expect(words).to_be_enabled()
    words.fill("星火计划\nAxonDrive\n星火计划\n\n飞书妙记")
    expect(page.get_by_test_id("search-words-count")).to_contain_text("3")
    page.get_by_test_id("search-words-save").click()
    saved = "re-indexed" if locale == "en-US" else "重建"
    expect(page.locator(".toast").filter(has_text=saved)).to_be_visible()
    # The server's list (sorted, repeats gone) is shown, and it is the organisation's for every node.
    expect(words).to_have_value("AxonDrive\n星火计划\n飞书妙记")
    assert axon.call(axon.admin, "GET", "/admin/search/words")["words"] == ["AxonDrive", "星火计划", "飞书妙记"]
    screenshot(page, "admin-search-words" + ("" if locale == "en-US" else "-zh"))
    # A word the splitter cannot take: refused whole, with the reason; the saved list is unchanged.
    words.fill("AxonDrive\nbad word")
    page.get_by_test_id("search-words-save").click()
    expect(page.locator(".toast").filter(has_text="bad word")).to_be_visible()
    assert axon.call(axon.admin, "GET", "/admin/search/words")["words"] == ["AxonDrive", "星火计划", "飞书妙记"]
    page.reload()
    expect(page.get_by_test_id("search-words")).to_have_value("AxonDrive\n星火计划\n飞书妙记")
    axon.call(axon.admin, "PUT", "/admin/search/words", json={"words": []})
