"""Defects a new team meets on its first day with the web client (issue 9), each checked the
way a person runs into it: creating rooms with people, stray "null" text, how mentions read,
the pins panel, the quick switcher, a phone-sized screen, unread badges, and layout nits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, User

PHONE = {"width": 390, "height": 844}
LOCALES = ["en-US", "zh-CN"]
ZH = {"en-US": False, "zh-CN": True}


@pytest.fixture(scope="module")
def zhangwei(axon) -> Iterator[User]:
    """张伟 with the plain username `zhangwei` (what people type, and what the wire carries).
    Disabled afterwards: other tests of the session search for "their" 张伟 by name."""
    with axon.api(axon.admin.token) as api:
        r = api.post("/admin/users", json={"username": "zhangwei", "display_name": "张伟", "password": PASSWORD})
        r.raise_for_status()
        user = User(id=r.json()["id"], username="zhangwei", display_name="张伟")
    user.token = axon.login("zhangwei", PASSWORD)
    yield user
    with axon.api(axon.admin.token) as api:
        api.patch(f"/admin/users/{user.id}", json={"disabled": True}).raise_for_status()


def new_room_button(session, kind):
    """The "+" at the head of a sidebar section."""
    return session.page.get_by_test_id("sidebar").get_by_test_id(f"new-{kind}")


def pick(dialog, query, user):
    dialog.get_by_test_id("user-search").fill(query)
    dialog.locator(f'[data-testid="user-results"] [data-user-id="{user.id}"]').click()
    # Picking someone adds a chip and leaves the dialog open for the next person.
    expect(dialog.locator(f'[data-testid="picked"] .chip[data-user-id="{user.id}"]')).to_contain_text(user.display_name)


# ----- 1. groups and channels with members ------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("locale", LOCALES)
def test_create_group_and_channel_with_several_people(axon, open_app, zhangwei, locale):
    owner = axon.create_user("owner", "Olivia Owner")
    bob, carol = axon.create_user("bob", "Bob Builder"), axon.create_user("carol", "Carol Singer")
    s = open_app(owner, locale=locale)
    submit_text = {"group": ("Create group", "创建群组"), "channel": ("Create channel", "创建频道")}
    for kind in ("group", "channel"):
        new_room_button(s, kind).click()
        dialog = s.page.get_by_test_id("create-dialog")
        expect(dialog.get_by_test_id(f"create-tab-{kind}")).to_have_attribute("aria-selected", "true")
        name = f"{kind} crew {locale}"
        dialog.get_by_test_id("create-name").fill(name)
        pick(dialog, "zw", zhangwei)  # initials of 张伟
        pick(dialog, bob.username, bob)
        pick(dialog, carol.username, carol)
        chips = dialog.locator('[data-testid="picked"] .chip')
        expect(chips).to_have_count(3)
        # Changing one's mind: Bob's chip is removed again (the × is labelled in the language).
        remove = dialog.locator(f'.chip[data-user-id="{bob.id}"] .chip-x')
        expect(remove).to_have_attribute("aria-label", "移除" if ZH[locale] else "Remove")
        remove.click()
        expect(chips).to_have_count(2)
        # Enter in the people search never submits the form either.
        dialog.get_by_test_id("user-search").fill("nobody-matches-this")
        dialog.get_by_test_id("user-search").press("Enter")
        expect(dialog).to_be_visible()
        submit = dialog.get_by_test_id("create-submit")
        expect(submit).to_have_text(submit_text[kind][ZH[locale]])
        submit.click()
        expect(dialog).to_have_count(0)
        expect(s.page.get_by_test_id("conv-title")).to_have_text(name)
        conv = s.page.locator(".conversation").get_attribute("data-conv-id")
        summary = axon.call(owner, "GET", f"/conversations/{conv}")
        assert summary["kind"] == kind
        members = {m["user_id"] for m in axon.call(owner, "GET", f"/conversations/{conv}/members")}
        assert members == {owner.id, zhangwei.id, carol.id}


# ----- 2. no stray "null" ------------------------------------------------------------

STRAY_TEXT = """el => {
  const bad = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue.trim();
    if (text === "null" || text === "undefined") bad.push(n.parentElement.outerHTML.slice(0, 200));
  }
  for (const e of el.querySelectorAll("*")) {
    const text = e.textContent.trim();
    if (text === "null" || text === "undefined" || /(null|undefined)$/.test(text)) bad.push(e.outerHTML.slice(0, 200));
  }
  return bad;
}"""


@pytest.mark.browser
def test_deleted_and_unsent_messages_show_no_null(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    dm = axon.direct(alice, bob)
    a = open_app(alice)
    a.open_conversation(dm)
    a.send("soon gone")
    expect(a.message("soon gone")).to_have_attribute("data-state", "sent")
    a.message_action("soon gone", "act-delete")
    a.page.get_by_test_id("confirm-ok").click()
    expect(a.message("This message was deleted.")).to_be_visible()

    a.context.set_offline(True)
    expect(a.page.locator("html")).to_have_attribute("data-conn", "offline")
    a.send("waiting for the network")
    expect(a.message("waiting for the network")).to_have_attribute("data-state", "pending")
    timeline = a.page.get_by_test_id("timeline")
    assert timeline.evaluate(STRAY_TEXT) == []
    a.context.set_offline(False)
    expect(a.message("waiting for the network")).to_have_attribute("data-state", "sent")
    assert timeline.evaluate(STRAY_TEXT) == []


# ----- 3. mentions read as names ------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("locale", LOCALES)
def test_mentions_show_display_names_and_travel_as_usernames(axon, open_app, zhangwei, locale):
    alice = axon.create_user("alice", "Alice")
    mallory = axon.create_user("mallory", "<img src=x onerror=\"window.__xss=1\">")
    channel = axon.room(alice, "channel", f"mentions-{locale}", [zhangwei, mallory])
    a = open_app(alice, locale=locale)
    a.open_conversation(channel)
    box = a.page.get_by_test_id("composer")
    box.press_sequentially("hi @zh")
    expect(a.page.get_by_test_id("autocomplete").locator('[data-username="zhangwei"]')).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value("hi @张伟 ")
    # The draft keeps the name across a switch of conversation.
    dm = axon.direct(alice, mallory)
    a.open_conversation(dm)
    a.open_conversation(channel)
    expect(box).to_have_value("hi @张伟 ")
    box.press_sequentially("请看一下")
    box.press("Enter")
    sent = a.message("请看一下")
    expect(sent).to_have_attribute("data-state", "sent")
    expect(sent.locator(".mention")).to_have_text("@张伟")
    # On the wire and on the server: @username, resolved to the user's id.
    history = axon.call(alice, "GET", f"/conversations/{channel}/messages")["items"]
    stored = [m for m in history if "请看一下" in m["text"]]
    assert stored[0]["text"] == "hi @zhangwei 请看一下"
    assert stored[0]["mentions"] == [zhangwei.id]

    # A message written elsewhere with @username reads as the name too; hostile names stay text.
    axon.post(alice, channel, f"ping @zhangwei and @{mallory.username}, not `@zhangwei`")
    other = a.message("ping")
    expect(other.locator(".mention")).to_have_text(["@张伟", f"@{mallory.display_name}"])
    expect(other.locator("code")).to_have_text("@zhangwei")
    assert a.page.get_by_test_id("timeline").locator("img").count() == 0
    assert a.page.evaluate("window.__xss") is None

    # 张伟 sees himself mentioned by name, highlighted as "me".
    z = open_app(zhangwei, locale=locale)
    z.open_conversation(channel)
    expect(z.message("请看一下").locator(".mention-me")).to_have_text("@张伟")
    expect(z.message("请看一下")).to_have_class(re.compile(r"\bmentioned\b"))


# ----- 4. pins panel -------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("locale", LOCALES)
def test_pins_panel_jumps_to_the_message_and_unpins(axon, open_app, locale):
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    channel = axon.room(alice, "channel", f"pinboard-{locale}", [bob])
    old = axon.post(alice, channel, "the decision we keep coming back to")
    for i in range(70):  # more than one history page lies between it and the newest message
        axon.post(bob, channel, f"chatter {i:02d}")
    axon.call(alice, "PUT", f"/conversations/{channel}/messages/{old['id']}/pin")
    root = axon.post(alice, channel, "thread root")
    reply = axon.call(alice, "POST", f"/conversations/{channel}/messages",
                      json={"client_msg_id": "pinned-reply-" + locale, "text": "pinned answer", "reply_to": root["id"]})
    axon.call(alice, "PUT", f"/conversations/{channel}/messages/{reply['message']['id']}/pin")

    a = open_app(alice, locale=locale)
    a.open_conversation(channel)
    expect(a.message("thread root")).to_be_visible()
    expect(a.page.get_by_test_id("timeline").locator(f'[data-message-id="{old["id"]}"]')).to_have_count(0)
    a.page.get_by_test_id("open-pins").click()
    pin = a.page.locator(f'.pin[data-message-id="{old["id"]}"]')
    pin.locator(".msg-body").click()
    target = a.page.get_by_test_id("timeline").locator(f'[data-message-id="{old["id"]}"]')
    expect(target).to_be_in_viewport()
    expect(target).to_have_class(re.compile(r"\bhighlight\b"))

    # Unpin from the panel: gone from the list and from the message.
    unpin = pin.get_by_test_id("pin-unpin")
    expect(unpin).to_have_text("取消置顶" if ZH[locale] else "Unpin")
    unpin.click()
    expect(pin).to_have_count(0)
    expect(target.locator(".pin-mark")).to_have_count(0)
    assert [m["id"] for m in axon.call(alice, "GET", f"/conversations/{channel}/pins")] == [reply["message"]["id"]]

    # A pinned thread reply opens its thread, with the reply shown.
    a.page.locator(f'.pin[data-message-id="{reply["message"]["id"]}"] .msg-body').click()
    in_thread = a.page.get_by_test_id("thread").locator(f'[data-message-id="{reply["message"]["id"]}"]')
    expect(in_thread).to_be_in_viewport()
    expect(in_thread).to_have_class(re.compile(r"\bhighlight\b"))


# ----- 5. quick switcher ----------------------------------------------------------------


@pytest.mark.browser
def test_switcher_closes_with_one_escape_and_lets_clicks_through(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob", "Bob Builder")
    dm = axon.direct(alice, bob)
    channel = axon.room(alice, "channel", "switchboard", [bob])
    a = open_app(alice)
    a.page.keyboard.press("Control+k")
    switcher = a.page.get_by_test_id("switcher")
    a.page.get_by_test_id("switcher-input").fill("switch")
    expect(a.page.locator('[data-testid="switcher-item"]', has_text="switchboard")).to_be_visible()
    a.page.keyboard.press("Escape")
    expect(switcher).to_have_count(0)

    # A click outside closes it and does what it was aimed at (opens that conversation).
    a.page.keyboard.press("Control+k")
    expect(switcher).to_be_visible()
    a.conv_item(dm).click()
    expect(switcher).to_have_count(0)
    expect(a.page.locator(f'.conversation[data-conv-id="{dm}"]')).to_be_visible()
    a.page.get_by_test_id("open-switcher").click()
    expect(switcher).to_be_visible()
    a.conv_item(channel).click()
    expect(switcher).to_have_count(0)
    expect(a.page.get_by_test_id("conv-title")).to_have_text("switchboard")


def search_queries(urls):
    found = []
    for url in urls:
        parsed = urlparse(url)
        if parsed.path in ("/api/v1/users", "/api/v1/channels"):
            found.append((parsed.path, parse_qs(parsed.query).get("q", [""])[0]))
    return found


@pytest.mark.browser
def test_searches_never_send_more_than_the_server_accepts(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob", "Bob Builder")
    a = open_app(alice)
    urls: list[str] = []
    a.page.on("request", lambda r: urls.append(r.url))
    long_query = "bob" + "界" * 150
    a.page.keyboard.press("Control+k")
    with a.page.expect_response(lambda r: "/api/v1/channels?" in r.url) as channels_answer:
        a.page.get_by_test_id("switcher-input").fill(long_query)
    assert channels_answer.value.status == 200
    expect(a.page.get_by_test_id("switcher-results")).to_contain_text("No matches.")
    a.page.keyboard.press("Escape")

    # The people picker of the new-conversation dialog, then browsing channels.
    new_room_button(a, "direct").click()
    search = a.page.get_by_test_id("create-dialog").get_by_test_id("user-search")
    with a.page.expect_response(lambda r: "/api/v1/users?" in r.url and "q=" in r.url) as users_answer:
        search.fill("界" * 150)
    assert users_answer.value.status == 200
    expect(a.page.get_by_test_id("user-results")).to_contain_text("Nobody found.")
    search.fill(bob.username)
    expect(a.page.locator(f'[data-testid="user-results"] [data-user-id="{bob.id}"]')).to_be_visible()
    a.page.keyboard.press("Escape")
    a.page.get_by_test_id("browse-channels").click()
    with a.page.expect_response(lambda r: "/api/v1/channels?" in r.url and "q=" in r.url) as browse_answer:
        a.page.get_by_test_id("channel-search").fill("x" * 300)
    assert browse_answer.value.status == 200
    expect(a.page.get_by_test_id("channel-results")).to_contain_text("No channels found.")

    queries = search_queries(urls)
    assert queries, urls
    assert all(len(q) <= 100 for _, q in queries), [(p, len(q)) for p, q in queries]
    assert a.page.get_by_test_id("toast").count() == 0


# ----- 6. phone width and labels ----------------------------------------------------

HEADER_LABELS = {
    "en-US": {"open-pins": "Pinned messages", "open-members": "Members", "mute-toggle": "Mute notifications",
              "rename": "Rename", "edit-topic": "Edit topic", "archive": "Archive", "leave": "Leave conversation"},
    "zh-CN": {"open-pins": "置顶消息", "open-members": "成员", "mute-toggle": "关闭通知",
              "rename": "重命名", "edit-topic": "编辑主题", "archive": "归档", "leave": "退出会话"},
}
UNLABELLED = """() => [...document.querySelectorAll('.icon-btn, .reaction.add, .chip-x')]
  .filter(b => !(b.getAttribute('aria-label') || '').trim() || !(b.getAttribute('title') || '').trim())
  .map(b => b.outerHTML.slice(0, 160))"""


@pytest.mark.browser
@pytest.mark.parametrize("locale", LOCALES)
def test_header_icons_are_labelled_and_phone_width_is_readable(axon, open_app, locale):
    alice, bob = axon.create_user("alice", "Alice"), axon.create_user("bob", "Bob")
    channel = axon.room(alice, "channel", "release-notes", [bob], topic="Weekly release notes")
    for i in range(3):
        axon.post(bob, channel, f"note {i}")
    labels = HEADER_LABELS[locale]

    desk = open_app(alice, locale=locale)
    desk.open_conversation(channel)
    header = desk.page.get_by_test_id("conv-header")
    for testid, label in labels.items():
        button = header.get_by_test_id(testid)
        expect(button).to_be_visible()
        # The members button's name ends with the count it shows ("Members 2": axe's label-in-name).
        expect(button).to_have_attribute("aria-label", f"{label} 2" if testid == "open-members" else label)
        expect(button).to_have_attribute("title", label)
    expect(header.get_by_test_id("more-actions")).to_be_hidden()
    desk.message("note 2").hover()
    assert desk.page.evaluate(UNLABELLED) == []

    phone = open_app(alice, locale=locale, viewport=PHONE)
    expect(phone.page.locator(".search-btn kbd")).to_be_hidden()
    phone.open_conversation(channel)
    header = phone.page.get_by_test_id("conv-header")
    for testid in ("conv-title", "conv-topic"):
        el = header.get_by_test_id(testid)
        expect(el).to_be_visible()
        width = el.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert width[0] <= width[1], (testid, width)  # not cut off
    more = header.get_by_test_id("more-actions")
    expect(more).to_have_attribute("aria-label", "更多操作" if ZH[locale] else "More actions")
    for testid in ("rename", "edit-topic", "archive", "leave"):
        expect(header.get_by_test_id(testid)).to_be_hidden()
    assert phone.page.evaluate(UNLABELLED) == []
    more.click()
    menu = phone.page.get_by_test_id("more-menu")
    for testid in ("rename", "edit-topic", "archive", "leave"):
        expect(menu.get_by_test_id(f"menu-{testid}")).to_have_text(labels[testid])
    menu.get_by_test_id("menu-edit-topic").click()
    expect(menu).to_have_count(0)
    expect(phone.page.get_by_test_id("prompt-input")).to_have_value("Weekly release notes")
    phone.page.keyboard.press("Escape")

    # The message toolbar waits for a tap: the pointer resting over a message shows nothing.
    message = phone.message("note 1")
    message.hover()
    expect(phone.page.locator(".msg-actions:visible")).to_have_count(0)
    message.locator(".msg-body").click()
    expect(message.locator(".msg-actions")).to_be_visible()


# ----- 7. unread badge, thread panel spacing, "(edited)" ----------------------------------


def server_read_position(axon, user, conv):
    summary = axon.call(user, "GET", f"/conversations/{conv}")
    return summary["read_seq"], summary["last_seq"]


@pytest.mark.browser
def test_open_conversation_badge_clears_when_the_newest_message_is_seen(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    channel = axon.room(alice, "channel", "long-read", [bob])
    for i in range(40):
        axon.post(alice, channel, f"history {i:02d}")
    b = open_app(bob)
    expect(b.conv_item(channel).get_by_test_id("unread-badge")).to_have_text("40")
    # Opening starts at the first unread message, with the newest ones still below.
    b.open_conversation(channel)
    expect(b.page.get_by_test_id("unread-marker")).to_be_in_viewport()
    expect(b.message("history 39")).not_to_be_in_viewport()
    # The conversation on screen carries no badge, but nothing unseen is reported read.
    expect(b.conv_item(channel).get_by_test_id("unread-badge")).to_have_count(0)
    read_seq, last_seq = server_read_position(axon, bob, channel)
    assert read_seq < last_seq

    # Reading down to the newest message reads the conversation, on the server too.
    timeline = b.page.get_by_test_id("timeline")
    timeline.evaluate("el => el.scrollTop = el.scrollHeight")
    expect(b.message("history 39")).to_be_in_viewport()
    for _ in range(100):
        read_seq, last_seq = server_read_position(axon, bob, channel)
        if read_seq == last_seq:
            break
        b.page.wait_for_timeout(50)  # poll interval for the server's read marker
    assert read_seq == last_seq

    # A new message while Bob reads older ones: the view offers it, the item stays without a badge.
    timeline.evaluate("el => el.scrollTop = 0")
    expect(b.message("history 39")).not_to_be_in_viewport()
    axon.post(alice, channel, "fresh news")
    expect(b.page.get_by_test_id("new-below")).to_be_visible()
    expect(b.conv_item(channel).get_by_test_id("unread-badge")).to_have_count(0)
    # Leaving without having seen it: the badge says so.
    b.page.evaluate("location.hash = '#/'")
    expect(b.conv_item(channel).get_by_test_id("unread-badge")).to_have_text("1")
    b.open_conversation(channel)
    expect(b.message("fresh news")).to_be_in_viewport()
    expect(b.conv_item(channel).get_by_test_id("unread-badge")).to_have_count(0)
    b.page.evaluate("location.hash = '#/'")
    expect(b.conv_item(channel).get_by_test_id("unread-badge")).to_have_count(0)


@pytest.mark.browser
def test_thread_panel_starts_at_its_first_divider(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    channel = axon.room(alice, "channel", "threads", [bob])
    root = axon.post(alice, channel, "root of a thread")
    axon.call(bob, "POST", f"/conversations/{channel}/messages",
              json={"client_msg_id": "reply-1", "text": "a reply", "reply_to": root["id"]})
    a = open_app(alice)
    a.open_conversation(channel)
    a.message("root of a thread").get_by_test_id("thread-link").click()
    thread = a.page.get_by_test_id("thread")
    expect(thread.locator('[data-testid="message"]', has_text="a reply")).to_be_visible()
    head_bottom = a.page.locator(".panel-head").evaluate("e => e.getBoundingClientRect().bottom")
    divider_top = thread.locator(".day-divider").first.evaluate("e => e.getBoundingClientRect().top")
    assert divider_top - head_bottom <= 24, divider_top - head_bottom


@pytest.mark.browser
@pytest.mark.parametrize("locale", LOCALES)
def test_edited_mark_sits_inline_after_a_list(axon, open_app, locale):
    alice = axon.create_user("alice")
    bob = axon.create_user("bob")
    dm = axon.direct(alice, bob)
    message = axon.post(alice, dm, "Changelog:\n- faster sync\n- smaller backups")
    axon.call(alice, "PATCH", f"/conversations/{dm}/messages/{message['id']}",
              json={"text": "Changelog:\n- faster sync\n- smaller backups\n- fewer bugs"})
    b = open_app(bob, locale=locale)
    b.open_conversation(dm)
    row = b.message("Changelog")
    edited = row.locator(".edited")
    expect(edited).to_have_text("（已编辑）" if ZH[locale] else "(edited)")
    last_item = row.locator("li").last
    expect(last_item).to_contain_text("fewer bugs")
    item_box, edited_box = last_item.bounding_box(), edited.bounding_box()
    assert item_box and edited_box
    # On the same line as the last list item, not on a line of its own below the list.
    assert item_box["y"] - 1 <= edited_box["y"]
    assert edited_box["y"] + edited_box["height"] <= item_box["y"] + item_box["height"] + 1
    assert edited_box["x"] > item_box["x"]
