"""Search in the web client (docs/web.md "Search", docs/search.md "In the web client"): the search box
and its shortcuts, suggestions and recent searches, filter controls that edit the query text (and are
set from it), a Chinese word found and highlighted inside a longer phrase, a result 300+ messages back
opened in its conversation with context above and below and "Jump to present", a thread reply opened in
its thread, the semantic label, screenshots and axe. In English and Chinese."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AxonServer, User, screenshot
from tests.browser.test_a11y import axe_violations

pytestmark = pytest.mark.browser

TEXT = {
    "en-US": {"results": "result", "present": "Jump to present", "recent": "Recent search", "mode": "Words",
              "cancel": "Cancel"},
    "zh-CN": {"results": "条结果", "present": "回到最新", "recent": "最近搜索", "mode": "关键词", "cancel": "取消"},
}
LOCALES = list(TEXT)
SUFFIX = {"en-US": "", "zh-CN": "-zh"}


def search_api(axon: AxonServer, user: User, q: str, **params: Any) -> dict[str, Any]:
    return dict(axon.call(user, "GET", "/search", params={"q": q, **params}))


def indexed(axon: AxonServer, user: User, q: str, message_id: str, timeout_s: float = 20) -> None:
    """Wait until the indexer (a spine consumer, off the send path) has made the message findable."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        items = search_api(axon, user, q, mode="keyword", limit=50)["items"]
        if any(hit["message"]["id"] == message_id for hit in items):
            return
        time.sleep(0.1)  # poll interval, not a wait for an outcome
    raise AssertionError(f"{message_id} not found by {q!r} after {timeout_s}s")


def post_many(axon: AxonServer, user: User, conv: str, texts: list[str]) -> list[dict[str, Any]]:
    out = []
    with axon.api(user.token) as api:
        for text in texts:
            r = api.post(f"/conversations/{conv}/messages", json={"client_msg_id": str(uuid.uuid4()), "text": text})
            r.raise_for_status()
            out.append(r.json()["message"])
    return out


def run_search(page: Page, q: str) -> None:
    box = page.get_by_test_id("search-input")
    box.fill(q)
    box.press("Enter")
    expect(page.get_by_test_id("search-page")).to_be_visible()


def route_query(page: Page) -> str:
    return str(page.evaluate("() => new URLSearchParams(location.hash.split('?')[1] || '').get('q') || ''"))


@pytest.mark.parametrize("locale", LOCALES)
def test_the_box_the_shortcuts_and_filter_controls_that_edit_the_query(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Search")
    bob = axon.create_user("bob", "Bob Search")
    name = f"plan{uuid.uuid4().hex[:6]}"
    axon.room(alice, "channel", name, [bob])
    s = open_app(alice, locale=locale)
    page = s.page
    # "/" outside a text field, and Ctrl+Shift+F from inside one, focus the box; Ctrl+K stays the switcher.
    page.get_by_test_id("sidebar").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    expect(page.get_by_test_id("search-input")).to_be_focused()
    page.get_by_test_id("search-input").press("Escape")
    page.keyboard.press("Control+k")
    expect(page.get_by_test_id("switcher")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Shift+F")
    expect(page.get_by_test_id("search-input")).to_be_focused()

    run_search(page, "发布 from:@" + bob.username)
    assert route_query(page) == f"发布 from:@{bob.username}"
    # The typed filter shows in its control.
    expect(page.get_by_test_id("search-from")).to_have_value(bob.username)
    # Each control edits the query text (and so the URL): a chip on, a date, a conversation, then off again.
    page.get_by_test_id("search-has-file").click()
    expect(page.get_by_test_id("search-has-file")).to_have_attribute("aria-pressed", "true")
    assert route_query(page) == f"发布 from:@{bob.username} has:file"
    page.get_by_test_id("search-after").fill("2026-01-02")
    expect(page.get_by_test_id("search-after")).to_have_value("2026-01-02")
    assert route_query(page).endswith("after:2026-01-02")
    page.get_by_test_id("search-in").select_option(f"#{name}")
    page.wait_for_function("(n) => decodeURIComponent(location.hash).includes('in:#' + n)", arg=name)
    page.get_by_test_id("search-from").select_option("")
    page.get_by_test_id("search-has-file").click()
    page.get_by_test_id("search-is-thread").click()
    page.get_by_test_id("search-mentions-me").click()
    assert route_query(page) == f"发布 after:2026-01-02 in:#{name} is:thread mentions:me"
    # Back goes to the previous query; the controls follow the URL.
    page.go_back()
    expect(page.get_by_test_id("search-mentions-me")).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_test_id("search-is-thread")).to_have_attribute("aria-pressed", "true")
    # Sort toggle is in the URL too, and a reload shows the same search.
    page.get_by_test_id("search-sort-date").click()
    page.wait_for_function("() => location.hash.includes('sort=date')")
    page.reload()
    expect(page.get_by_test_id("search-page-input")).to_have_value(f"发布 after:2026-01-02 in:#{name} is:thread")
    expect(page.get_by_test_id("search-sort-date")).to_have_attribute("aria-pressed", "true")


def test_the_query_filters_helpers(axon, open_app) -> None:
    """core/search.js, the pure part: quoted phrases and full-width colons kept, filters replaced not duplicated."""
    page = open_app(axon.create_user("carol")).page
    got = page.evaluate("""async () => {
      const m = await import("/js/core/search.js");
      const f = m.filtersOf('需求 “评审 会” from：@bob has:image has:link is:thread -draft');
      return {
        tokens: m.tokens('a "b c" in:#x').map((t) => t.text),
        from: f.from, has: [...f.has].sort(), thread: f.thread, mentions: f.mentions,
        replaced: m.withFilter('x from:@a y', 'from', 'b'),
        removed: m.withFilter('x has:file has:link', 'has', 'file', false),
        free: m.freeText('设计 in:#design "q w" after:2026-01-01'),
      };
    }""")
    assert got == {
        "tokens": ["a", '"b c"', "in:#x"], "from": "bob", "has": ["image", "link"], "thread": True, "mentions": False,
        "replaced": "x y from:@b", "removed": "x has:link", "free": '设计 "q w"',
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_a_result_found_by_meaning_is_labelled_and_fragments_are_text(axon, open_app, locale) -> None:
    """Semantic search is off on test nodes (AXON_SEMANTIC_SEARCH, branch search-semantic), so the label is
    checked on the results page's own row renderer with a hit as GET /search returns it."""
    alice = axon.create_user("alice", "Alice Meaning")
    page = open_app(alice, locale=locale).page
    got = page.evaluate("""async (me) => {
      const { renderHit } = await import("/js/ui/search_view.js");
      const hit = { conversation_id: "c_x", thread_root_id: null, match: "semantic", score: 0.5,
        message: { id: "m_x", conversation_id: "c_x", seq: 7, sender_id: me, text: "x",
          created_at: new Date().toISOString() },
        fragments: [{ text: "the release is planned for ", match: false },
          { text: "<img src=x onerror=alert(1)>", match: true }] };
      const row = renderHit(hit, true);
      document.body.append(row);
      const label = row.querySelector('[data-testid="search-semantic"]');
      const out = { label: label && label.textContent, tip: label && label.title,
        img: row.querySelectorAll("img").length, mark: row.querySelector("mark").textContent,
        keyword: renderHit({ ...hit, match: "keyword" }, true)
          .querySelectorAll('[data-testid="search-semantic"]').length };
      row.remove();
      return out;
    }""", alice.id)
    assert got["label"] == ("语义相近" if locale == "zh-CN" else "Similar meaning")
    assert got["tip"]
    assert got["mark"] == "<img src=x onerror=alert(1)>"
    assert got["img"] == 0 and got["keyword"] == 0


def test_the_timeline_rules_of_a_detached_window(axon, open_app) -> None:
    """core/timeline.js: while a window far back is shown, a new top-level message is counted, not added after
    the gap; a thread reply and edits still apply; leaving the window (dropTop) keeps the loaded threads."""
    page = open_app(axon.create_user("dora")).page
    got = page.evaluate("""async () => {
      const { Timeline } = await import("/js/core/timeline.js");
      const tl = new Timeline("c_1");
      const msg = (id, seq, extra = {}) => ({ id, seq, conversation_id: "c_1", sender_id: "u", text: id,
        created_at: new Date(1e12 + seq).toISOString(), ...extra });
      tl.merge([msg("a", 10), msg("b", 11)]);
      tl.nextBeforeSeq = 10;
      tl.nextAfterSeq = 11;
      tl.threads.add("a");
      tl.apply({ type: "message.new", seq: 500, data: { message: msg("live", 500) } });
      tl.apply({ type: "message.new", seq: 501, data: { message: msg("r", 501, { reply_to: "a" }) } });
      tl.apply({ type: "message.edited", seq: 502, data: { message_id: "b", text: "b2" } });
      const detached = { top: tl.top().map((m) => m.id), missed: tl.missedLive, replies: tl.replies("a").length,
        edited: tl.messages.get("b").text, count: tl.messages.get("a").reply_count };
      tl.dropTop();
      return { detached, after: [...tl.messages.keys()].sort(), loaded: tl.loaded, isDetached: tl.detached };
    }""")
    assert got["detached"] == {"top": ["a", "b"], "missed": 1, "replies": 1, "edited": "b2", "count": 1}
    assert got["after"] == ["a", "r"] and got["loaded"] is False and got["isDetached"] is False


@pytest.mark.parametrize("locale", LOCALES)
def test_a_chinese_word_inside_a_phrase_is_found_highlighted_and_filters_narrow(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Zhang")
    bob = axon.create_user("bob", "Bob Li")
    tag = uuid.uuid4().hex[:6]
    conv = axon.room(alice, "channel", f"req{tag}", [bob])
    mine = axon.post(alice, conv, f"明天下午的需求评审会改到三点 {tag}")
    theirs = axon.post(bob, conv, f"需求文档我已经更新了 {tag}")
    indexed(axon, alice, f"需求 {tag}", mine["id"])
    indexed(axon, alice, f"需求 {tag}", theirs["id"])
    s = open_app(alice, locale=locale)
    page = s.page
    run_search(page, f"需求 {tag}")
    hits = page.get_by_test_id("search-hit")
    expect(hits).to_have_count(2)
    expect(page.get_by_test_id("search-count")).to_contain_text(TEXT[locale]["results"])
    row = hits.filter(has_text="评审会")
    # The word is highlighted inside the longer phrase, as text (no HTML from the server).
    expect(row.locator("mark").first).to_have_text("需求")
    expect(page.get_by_test_id("search-group")).to_have_count(1)
    screenshot(page, f"search-results{SUFFIX[locale]}")
    assert axe_violations(page, "search results") == []
    # from: through the person control narrows to Bob's message.
    page.get_by_test_id("search-from").select_option(bob.username)
    expect(hits).to_have_count(1)
    expect(hits.first).to_have_attribute("data-message-id", theirs["id"])
    screenshot(page, f"search-filters{SUFFIX[locale]}")
    # A date range before today finds nothing: the empty state, in the user's language.
    page.get_by_test_id("search-from").select_option("")
    page.get_by_test_id("search-before").fill("2020-01-01")
    expect(page.get_by_test_id("search-empty")).to_be_visible()
    page.get_by_test_id("search-before").fill("")
    expect(hits).to_have_count(2)
    page.get_by_test_id("search-has-file").click()
    expect(page.get_by_test_id("search-empty")).to_be_visible()
    # No message matched by meaning only: no semantic label; the mode says "words" and explains itself.
    expect(page.get_by_test_id("search-semantic")).to_have_count(0)
    expect(page.get_by_test_id("search-mode")).to_contain_text(TEXT[locale]["mode"])
    # A query the server refuses (an unknown has: value): the error state, with the server's reason.
    page.get_by_test_id("search-page-input").fill("has:banana")
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("search-error")).to_be_visible()
    expect(page.get_by_test_id("search-hit")).to_have_count(0)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_result_far_back_opens_with_context_then_jump_to_present(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Far")
    bob = axon.create_user("bob", "Bob Far")
    tag = uuid.uuid4().hex[:6]
    conv = axon.room(alice, "channel", f"far{tag}", [bob])
    before = post_many(axon, bob, conv, [f"filler before {i}" for i in range(20)])
    target = axon.post(bob, conv, f"the quarterly budget spreadsheet {tag}")
    post_many(axon, bob, conv, [f"filler after {i}" for i in range(320)])
    indexed(axon, alice, f"budget {tag}", target["id"])
    s = open_app(alice, locale=locale)
    page = s.page
    run_search(page, f"budget {tag}")
    page.get_by_test_id("search-hit").first.click()
    timeline = page.get_by_test_id("timeline")
    shown = timeline.locator(f'[data-message-id="{target["id"]}"]')
    expect(shown).to_be_in_viewport()
    expect(shown).to_have_class(re.compile(r"\bhighlight\b"))
    # Context above and below the message.
    expect(s.message(before[-1]["text"])).to_be_attached()
    expect(s.message("filler after 0")).to_be_attached()
    expect(page.get_by_test_id("jump-present")).to_be_visible()
    # Not marked read: the newest messages were never on screen.
    summary = next(c for c in axon.call(alice, "GET", "/conversations") if c["id"] == conv)
    assert summary["unread_count"] > 300, summary
    screenshot(page, f"search-jump{SUFFIX[locale]}")
    # A live message while the old window is shown: "new messages below", not added after a gap.
    axon.post(bob, conv, f"live while away {tag}")
    expect(page.get_by_test_id("new-below")).to_be_visible()
    expect(s.message(f"live while away {tag}")).to_have_count(0)
    page.get_by_test_id("new-below").click()
    expect(s.message(f"live while away {tag}")).to_be_in_viewport()
    expect(page.get_by_test_id("jump-present")).to_be_hidden()


@pytest.mark.parametrize("locale", LOCALES)
def test_a_result_in_a_public_channel_not_joined_offers_to_join_then_opens_at_the_message(
        axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Outside")
    bob = axon.create_user("bob", "Bob Inside")
    tag = uuid.uuid4().hex[:6]
    name = f"pub{tag}"
    conv = axon.room(bob, "channel", name, [])
    target = axon.post(bob, conv, f"the vendor contract renewal {tag}")
    indexed(axon, bob, f"renewal {tag}", target["id"])
    s = open_app(alice, locale=locale)
    page = s.page
    run_search(page, f"renewal {tag} in:#{name}")
    hit = page.get_by_test_id("search-hit")
    expect(hit).to_have_count(1)
    # Cancel: alice stays outside the channel and on the results.
    hit.click()
    dialog = page.get_by_test_id("confirm")
    expect(dialog).to_contain_text(f"#{name}")
    dialog.get_by_role("button", name=TEXT[locale]["cancel"]).click()
    expect(page.get_by_test_id("search-page")).to_be_visible()
    assert conv not in {c["id"] for c in axon.call(alice, "GET", "/conversations")}
    # Join: the channel is joined and opens at the message.
    hit.click()
    page.get_by_test_id("confirm-ok").click()
    shown = page.get_by_test_id("timeline").locator(f'[data-message-id="{target["id"]}"]')
    expect(shown).to_be_in_viewport()
    expect(shown).to_have_class(re.compile(r"\bhighlight\b"))
    assert conv in {c["id"] for c in axon.call(alice, "GET", "/conversations")}


@pytest.mark.parametrize("locale", LOCALES)
def test_jump_to_present_and_scrolling_down_reaches_the_live_end(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Scroll")
    bob = axon.create_user("bob", "Bob Scroll")
    tag = uuid.uuid4().hex[:6]
    conv = axon.room(alice, "channel", f"scroll{tag}", [bob])
    target = axon.post(bob, conv, f"an old decision about caching {tag}")
    post_many(axon, bob, conv, [f"later {i}" for i in range(130)])
    indexed(axon, alice, f"caching {tag}", target["id"])
    page = open_app(alice, locale=locale).page
    run_search(page, f"caching {tag}")
    page.get_by_test_id("search-hit").first.click()
    present = page.get_by_test_id("jump-present")
    expect(present).to_be_visible()
    expect(present).to_contain_text(TEXT[locale]["present"])
    timeline = page.get_by_test_id("timeline")
    newest = timeline.locator('[data-testid="message"]', has_text="later 129")
    expect(newest).to_have_count(0)
    # The button goes straight to the newest messages (and leaves the old window).
    present.click()
    expect(newest).to_be_in_viewport()
    expect(present).to_be_hidden()
    expect(timeline.locator(f'[data-message-id="{target["id"]}"]')).to_have_count(0)
    # Again from the result: scrolling down pages forward (after_seq) until the newest message.
    page.go_back()
    page.get_by_test_id("search-hit").first.click()
    expect(present).to_be_visible()
    for _ in range(60):
        if newest.count():
            break
        timeline.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
        page.wait_for_timeout(100)  # lets the next page arrive between scrolls, as a reader would
    expect(newest).to_be_attached()
    expect(present).to_be_hidden()
    # Every message between is there once, in order: the window joined the live end without a gap.
    seqs = timeline.locator('[data-testid="message"]').evaluate_all("(els) => els.map((e) => e.textContent)")
    laters = [int(m.group(1)) for text in seqs if (m := re.search(r"later (\d+)", text))]
    assert laters == list(range(laters[0], 130)), laters


@pytest.mark.parametrize("locale", LOCALES)
def test_a_thread_reply_result_opens_its_thread_and_recent_searches(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Thread")
    bob = axon.create_user("bob", "Bob Thread")
    tag = uuid.uuid4().hex[:6]
    conv = axon.room(alice, "channel", f"thr{tag}", [bob])
    root = axon.post(alice, conv, f"release checklist {tag}")
    reply = dict(axon.call(bob, "POST", f"/conversations/{conv}/messages",
                           json={"client_msg_id": str(uuid.uuid4()), "text": f"回归测试已经完成 {tag}",
                                 "reply_to": root["id"]})["message"])
    indexed(axon, alice, f"回归测试 {tag}", reply["id"])
    page = open_app(alice, locale=locale).page
    run_search(page, f"回归测试 {tag}")
    hit = page.get_by_test_id("search-hit").first
    expect(hit.get_by_test_id("search-thread-badge")).to_be_visible()
    hit.click()
    thread = page.get_by_test_id("thread-timeline")
    expect(thread.locator(f'[data-message-id="{reply["id"]}"]')).to_be_visible()
    # Suggestions as you type: the person, by name.
    box = page.get_by_test_id("search-input")
    box.fill("Bob Thr")
    person = page.get_by_test_id("search-suggestion").filter(has_text=f"@{bob.username}")
    expect(person).to_be_visible()
    expect(person).to_have_attribute("data-kind", "person")
    # Recent searches: listed when the box is focused empty, then cleared.
    box = page.get_by_test_id("search-input")
    box.fill("")
    box.focus()
    recent = page.get_by_test_id("search-suggestion").filter(has_text=f"回归测试 {tag}")
    expect(recent).to_be_visible()
    expect(recent).to_contain_text(TEXT[locale]["recent"])
    page.get_by_test_id("search-recent-clear").click()
    with axon.api(alice.token) as api:
        r = api.get("/search/recent")
        r.raise_for_status()
        body = r.json()
        assert (body if isinstance(body, list) else body["items"]) == []


def test_load_more_newest_first_and_matching_channels(axon, open_app) -> None:
    alice = axon.create_user("alice", "Alice Paging")
    tag = uuid.uuid4().hex[:6]
    conv = axon.room(alice, "channel", f"roadmap{tag}", [])
    posted = post_many(axon, alice, conv, [f"roadmap item {i} {tag}" for i in range(25)])
    indexed(axon, alice, f"item {tag}", posted[-1]["id"])
    indexed(axon, alice, f"item {tag}", posted[0]["id"])
    page = open_app(alice).page
    run_search(page, f"item {tag}")
    hits = page.get_by_test_id("search-hit")
    expect(hits).to_have_count(20)
    expect(page.get_by_test_id("search-count")).to_contain_text("20+")
    page.get_by_test_id("search-more").click()
    expect(hits).to_have_count(25)
    expect(page.get_by_test_id("search-more")).to_be_hidden()
    expect(page.get_by_test_id("search-count")).to_contain_text("25 results")
    # Newest first: one flat list, in time order, each row naming its conversation.
    page.get_by_test_id("search-sort-date").click()
    expect(page.get_by_test_id("search-group")).to_have_count(0)
    expect(hits.first).to_have_attribute("data-message-id", posted[-1]["id"])
    expect(hits.first).to_contain_text(f"roadmap{tag}")
    page.get_by_test_id("search-more").click()
    expect(hits).to_have_count(25)
    ids = hits.evaluate_all("(els) => els.map((e) => e.dataset.messageId)")
    assert ids == [m["id"] for m in reversed(posted)]
    # A channel whose name matches is offered above the messages.
    run_search(page, f"roadmap{tag}")
    channel = page.get_by_test_id("search-channel")
    expect(channel).to_have_count(1)
    channel.click()
    expect(page.locator(f'.conversation[data-conv-id="{conv}"]')).to_be_visible()


@pytest.mark.parametrize("locale", LOCALES)
def test_phone_width_and_dark_theme(axon, open_app, locale) -> None:
    alice = axon.create_user("alice", "Alice Phone")
    page = open_app(alice, locale=locale, viewport={"width": 375, "height": 740}, dark=True).page
    expect(page.get_by_test_id("search-input")).to_be_hidden()
    page.get_by_test_id("search-open").click()
    expect(page.get_by_test_id("search-page-input")).to_be_focused()
    page.get_by_test_id("search-page-input").fill("hello has:link")
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("search-has-link")).to_have_attribute("aria-pressed", "true")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the results page is wider than the phone: {width}px"
