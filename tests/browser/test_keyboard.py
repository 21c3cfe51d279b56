"""Keyboard use of the web client (ui/shortcuts.js): ↑ edits my last message, Alt+↑/↓ walks the
sidebar, Alt+Shift+↑/↓ the unread conversations, `?` opens the shortcuts sheet; dialogs keep and
give back focus. In English and Chinese where text is shown."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

LOCALES = ["en-US", "zh-CN"]


def focused_testid(page):
    return page.evaluate("document.activeElement && document.activeElement.dataset.testid")


@pytest.mark.browser
@pytest.mark.parametrize("locale", LOCALES)
def test_arrow_up_in_empty_composer_edits_my_last_message(axon, open_app, locale):
    ann, bob = axon.create_user("hd_ann", "HD Ann"), axon.create_user("hd_bob", "HD Bob")
    conv = axon.direct(ann, bob)
    axon.post(ann, conv, "hd first words")
    axon.post(ann, conv, "hd second words")
    axon.post(bob, conv, "hd a reply from Bob")  # the newest message is not mine: mine is still found
    s = open_app(ann, locale=locale)
    s.open_conversation(conv)
    expect(s.message("hd a reply from Bob")).to_be_visible()
    box = s.page.get_by_test_id("composer")

    box.fill("not empty")
    box.press("ArrowUp")
    expect(s.page.get_by_test_id("edit-box")).to_have_count(0)  # ↑ only moves the caret in a draft
    box.fill("")
    box.press("ArrowUp")
    editor = s.page.get_by_test_id("timeline").get_by_test_id("edit-box")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("hd second words")
    editor.press("Escape")  # cancel: back to the composer, nothing changed
    expect(s.page.get_by_test_id("edit-box")).to_have_count(0)
    expect(box).to_be_focused()

    box.press("ArrowUp")
    editor = s.page.get_by_test_id("edit-box")
    editor.fill("hd second words, edited")
    editor.press("Enter")
    edited = s.message("hd second words, edited")
    expect(edited.locator(".edited")).to_have_text("(edited)" if locale == "en-US" else "（已编辑）")
    expect(box).to_be_focused()
    history = axon.call(bob, "GET", f"/conversations/{conv}/messages")
    texts = [m["text"] for m in history["items"]]
    assert "hd second words, edited" in texts and "hd first words" in texts


@pytest.mark.browser
def test_arrow_up_in_thread_composer_edits_my_last_reply(axon, open_app):
    ann, bob = axon.create_user("hd_ann", "HD Ann"), axon.create_user("hd_bob", "HD Bob")
    conv = axon.room(ann, "group", "hd thread room", [bob])
    root = axon.post(bob, conv, "hd thread root")
    body = {"client_msg_id": str(uuid.uuid4()), "text": "hd my reply", "reply_to": root["id"]}
    axon.call(ann, "POST", f"/conversations/{conv}/messages", json=body)
    axon.post(ann, conv, "hd my top-level message")
    s = open_app(ann)
    s.open_conversation(conv)
    s.message("hd thread root").get_by_test_id("thread-link").click()
    thread_box = s.page.get_by_test_id("thread-composer")
    thread_box.click()
    thread_box.press("ArrowUp")
    editor = s.page.get_by_test_id("thread-timeline").get_by_test_id("edit-box")
    expect(editor).to_have_value("hd my reply")
    expect(s.page.get_by_test_id("timeline").get_by_test_id("edit-box")).to_have_count(0)


@pytest.mark.browser
def test_arrow_keys_walk_the_messages_and_tab_reaches_their_actions(axon, open_app):
    ann, bob = axon.create_user("hd_ann", "HD Ann"), axon.create_user("hd_bob", "HD Bob")
    conv = axon.direct(ann, bob)
    for who, text in ((ann, "hd one"), (bob, "hd two"), (ann, "hd three")):
        axon.post(who, conv, text)
    s = open_app(ann)
    s.open_conversation(conv)
    expect(s.message("hd three")).to_be_visible()
    s.page.get_by_test_id("timeline").focus()
    for key, text in [("ArrowUp", "hd three"), ("ArrowUp", "hd two"), ("ArrowUp", "hd one"),
                      ("ArrowDown", "hd two"), ("ArrowDown", "hd three")]:
        s.page.keyboard.press(key)
        expect(s.message(text)).to_be_focused()
    # A focused message shows its actions, and Tab goes through them.
    s.page.keyboard.press("Tab")
    expect(s.message("hd three").get_by_test_id("act-react")).to_be_focused()
    for _ in range(3):
        s.page.keyboard.press("Tab")
    expect(s.message("hd three").get_by_test_id("act-edit")).to_be_focused()
    s.page.keyboard.press("Enter")
    expect(s.page.get_by_test_id("edit-box")).to_be_focused()
    s.page.keyboard.press("Escape")  # back to the message it edited
    expect(s.message("hd three")).to_be_focused()
    s.page.keyboard.press("Escape")  # and out of the list, back to writing
    expect(s.page.get_by_test_id("composer")).to_be_focused()


def sidebar_order(page):
    return page.eval_on_selector_all('[data-testid="sidebar"] [data-testid="conv-item"]',
                                     "items => items.map((a) => a.dataset.convId)")


def expect_open(page, conv_id):
    expect(page.locator(f'.conversation[data-conv-id="{conv_id}"]')).to_be_visible()


@pytest.mark.browser
def test_alt_arrows_walk_the_sidebar_and_the_unread_conversations(axon, open_app):
    ann, bob = axon.create_user("hd_walker", "HD Walker"), axon.create_user("hd_poster", "HD Poster")
    rooms = [axon.room(ann, "group", f"hd walk {i}", [bob]) for i in range(4)]
    dm = axon.direct(ann, bob)
    s = open_app(ann)
    expect(s.conv_item(dm)).to_be_visible()
    order = sidebar_order(s.page)
    assert set(rooms + [dm]) <= set(order)

    s.open_conversation(order[0])
    s.page.keyboard.press("Alt+ArrowDown")  # from the composer, which has the focus
    expect_open(s.page, order[1])
    s.page.keyboard.press("Alt+ArrowDown")
    expect_open(s.page, order[2])
    s.page.keyboard.press("Alt+ArrowUp")
    expect_open(s.page, order[1])
    s.page.keyboard.press("Alt+ArrowUp")
    expect_open(s.page, order[0])
    s.page.keyboard.press("Alt+ArrowUp")  # the first stays: no wrapping for plain moves
    expect_open(s.page, order[0])

    # Bob writes in two rooms while Ann is on the home view: they get unread badges (and move up).
    s.page.evaluate("location.hash = '#/'")
    expect(s.page.locator(".conversation")).to_have_count(0)
    unread = [rooms[1], rooms[3]]
    for conv in unread:
        axon.post(bob, conv, "hd something new")
        expect(s.conv_item(conv).get_by_test_id("unread-badge")).to_have_text("1")
    order = sidebar_order(s.page)
    read = [c for c in order if c not in unread]
    start = read[-1]
    s.open_conversation(start)
    k = order.index(start)
    ahead = [c for c in order[k + 1:] + order[:k] if c in unread]
    s.page.keyboard.press("Alt+Shift+ArrowDown")
    expect_open(s.page, ahead[0])
    # Opening it reads it; the next unread one is the other room (wrapping round the list).
    expect(s.conv_item(ahead[0]).get_by_test_id("unread-badge")).to_have_count(0)
    s.page.keyboard.press("Alt+Shift+ArrowDown")
    expect_open(s.page, ahead[1])
    s.page.keyboard.press("Alt+Shift+ArrowUp")  # nothing else unread: it stays
    expect_open(s.page, ahead[1])


@pytest.mark.browser
@pytest.mark.parametrize("locale", LOCALES)
def test_question_mark_opens_the_shortcuts_sheet_which_traps_and_restores_focus(axon, open_app, locale):
    ann = axon.create_user("hd_keys", "HD Keys")
    s = open_app(ann, locale=locale)
    page = s.page
    page.get_by_test_id("open-switcher").focus()
    page.keyboard.press("?")
    sheet = page.get_by_test_id("shortcuts-help")
    expect(sheet).to_be_visible()
    zh = locale == "zh-CN"
    expect(sheet.locator("h2")).to_have_text("键盘快捷键" if zh else "Keyboard shortcuts")
    rows = sheet.get_by_test_id("shortcut")
    expect(rows).to_have_count(11)
    for text in (["快速跳转到会话或联系人", "将所有会话标记为已读", "编辑你的上一条消息（输入框为空时）"] if zh else
                 ["quick switcher", "Mark all conversations as read", "Edit your last message"]):
        expect(sheet).to_contain_text(text)
    expect(rows.nth(0).locator("kbd")).to_have_text(["Ctrl", "K"])
    expect(rows.nth(1).locator("kbd")).to_have_text(["/", "Ctrl", "Shift", "F"])
    expect(rows.nth(3).locator("kbd")).to_have_text(["Alt", "Shift", "↑", "Alt", "Shift", "↓"])
    expect(rows.nth(4).locator("kbd")).to_have_text(["Shift", "Esc"])
    screenshot(page, f"shortcuts-{locale}")

    # Focus stays inside the sheet, both ways round.
    for key in ["Tab"] * 4 + ["Shift+Tab"] * 4:
        page.keyboard.press(key)
        assert sheet.evaluate("(d) => d.contains(document.activeElement)"), key
    page.keyboard.press("Escape")
    expect(sheet).to_have_count(0)
    assert focused_testid(page) == "open-switcher"

    # Typed into a text field, `?` is just a character.
    page.get_by_test_id("open-switcher").click()
    search = page.get_by_test_id("switcher-input")
    expect(search).to_be_focused()
    page.keyboard.press("?")
    expect(search).to_have_value("?")
    expect(page.get_by_test_id("shortcuts-help")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("switcher")).to_have_count(0)


@pytest.mark.browser
def test_modal_dialogs_trap_focus_and_give_it_back(axon, open_app):
    ann = axon.create_user("hd_dialogs", "HD Dialogs")
    s = open_app(ann)
    page = s.page
    opener = page.get_by_test_id("new-group")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_test_id("create-dialog")
    expect(dialog).to_be_visible()
    for _ in range(12):
        page.keyboard.press("Tab")
        assert dialog.evaluate("(d) => d.contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    # Ctrl+K still opens the switcher from anywhere.
    page.keyboard.press("Control+k")
    expect(page.get_by_test_id("switcher-input")).to_be_focused()


FOCUS_SHOWN = """() => {
    const el = document.activeElement;
    if (el === document.body) return { ring: true };  // past the last stop, on the way round
    const s = getComputedStyle(el);
    const what = el.outerHTML.slice(0, 120);
    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) return { ring: true, what };
    // The composer shows focus on its whole frame (.composer:focus-within), in the accent colour.
    const frame = el.closest('.composer');
    const hex = getComputedStyle(frame || el).getPropertyValue('--accent').trim();
    const accent = `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    return { ring: Boolean(frame) && getComputedStyle(frame).borderTopColor === accent, what };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_every_tab_stop_shows_a_focus_ring(axon, open_app, dark):
    ann, bob = axon.create_user("hd_rings", "HD Rings"), axon.create_user("hd_rings_b", "HD Rings B")
    conv = axon.room(ann, "group", "hd rings room", [bob])
    axon.post(bob, conv, "hd a message with a [link](https://example.com)")
    s = open_app(ann, dark=dark)
    s.open_conversation(conv)
    s.page.locator("body").focus()
    missing, seen = [], set()
    for _ in range(40):
        s.page.keyboard.press("Tab")
        shown = s.page.evaluate(FOCUS_SHOWN)
        seen.add(shown.get("what", "body")[:40])
        if not shown["ring"]:
            missing.append(shown)
    assert len(seen) > 15, seen  # the sidebar, the header, the timeline, the composer…
    assert not missing, missing


@pytest.mark.browser
def test_focus_returns_to_the_opener_even_when_a_live_update_redrew_it(axon, open_app):
    """The sidebar's head is redrawn by live updates (here: "unread only" switched on another device) —
    under load one could land while the shortcuts sheet was open, and closing it lost the focus."""
    ann = axon.create_user("hd_redraw", "HD Redraw")
    page = open_app(ann).page
    page.get_by_test_id("open-switcher").focus()
    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcuts-help")).to_be_visible()
    version = axon.call(ann, "GET", "/me/preferences")["version"]
    axon.call(ann, "PATCH", "/me/preferences", json={"base_version": version, "unread_only": True})
    expect(page.get_by_test_id("unread-only")).to_have_attribute("aria-pressed", "true")  # the head was redrawn
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("shortcuts-help")).to_have_count(0)
    assert focused_testid(page) == "open-switcher"
