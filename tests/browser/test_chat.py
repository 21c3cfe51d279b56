"""Two and three people chatting in real time through the web client."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

SENT_AT_PROBE = """() => document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && e.target.dataset.testid === "composer") {
    window.__sentAt = performance.timeOrigin + performance.now();
  }
}, true)"""
SEEN_AT_PROBE = """() => {
  window.__seenAt = {};
  new MutationObserver((records) => {
    const now = performance.timeOrigin + performance.now();
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType === 1 && n.matches('[data-testid="message"]')) {
        const text = n.querySelector(".msg-body").textContent.trim();
        if (!(text in window.__seenAt)) window.__seenAt[text] = now;
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
}"""


@pytest.mark.browser
def test_direct_messages_both_ways_with_unread_and_receipts(axon, open_app, metrics):
    alice, bob = axon.create_user("alice", "Alice Liddell"), axon.create_user("bob", "Bob Builder")
    started = time.perf_counter()
    a = open_app(alice)
    metrics.record("new_context_sign_in_to_live_ms", round((time.perf_counter() - started) * 1000))
    b = open_app(bob)
    expect(a.page.get_by_test_id("me")).to_contain_text("Alice Liddell")
    # A signed-in reload: navigation → scripts → WebSocket welcome/synced → live.
    a.page.reload()
    expect(a.page.locator("html")).to_have_attribute("data-conn", "live")
    timing = a.page.evaluate("""() => {
      const nav = performance.getEntriesByType("navigation")[0];
      return { dom_content_loaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
               live: performance.getEntriesByName("axon:live")[0].startTime };
    }""")
    metrics.record("reload_signed_in_ms", {k: round(v, 1) for k, v in timing.items()})

    # Alice finds Bob with the quick switcher and opens a direct conversation.
    a.page.keyboard.press("Control+k")
    a.page.get_by_test_id("switcher-input").fill("bob")
    a.page.locator('[data-testid="switcher-item"][data-kind="person"]', has_text="Bob Builder").click()
    expect(a.page.get_by_test_id("conv-title")).to_have_text("Bob Builder")
    a.send("Hello **Bob**, see `code` and https://example.org")
    expect(a.message("Hello Bob")).to_have_attribute("data-state", "sent")

    # Bob gets the conversation with an unread badge, opens it, sees the Markdown.
    dm = a.page.locator(".conversation").get_attribute("data-conv-id")
    expect(b.conv_item(dm).get_by_test_id("unread-badge")).to_have_text("1")
    expect(b.page).to_have_title("(1) Axon · Test Org")
    b.open_conversation(dm)
    msg = b.message("Hello Bob")
    expect(msg.locator("strong")).to_have_text("Bob")
    expect(msg.locator("code")).to_have_text("code")
    expect(msg.locator("a[href='https://example.org']")).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(b.conv_item(dm).get_by_test_id("unread-badge")).to_have_count(0)
    expect(b.page).to_have_title("Axon · Test Org")

    # Alice sees that Bob read it.
    expect(a.page.get_by_test_id("seen-by")).to_have_text("Seen by 1")

    # Bob answers; Alice sees it live. Send → display is timed inside the browsers
    # (same machine clock): Enter pressed in Bob's composer → node inserted in Alice's DOM.
    b.page.evaluate(SENT_AT_PROBE)
    a.page.evaluate(SEEN_AT_PROBE)
    timings = []
    for i in range(10):
        text = f"ping {i} from bob"
        b.send(text)
        expect(a.message(text)).to_be_visible()
        timings.append(a.page.evaluate("t => window.__seenAt[t]", text) - b.page.evaluate("window.__sentAt"))
    metrics.record("send_to_display_ms", {"median": round(statistics.median(timings), 1),
                                          "max": round(max(timings), 1), "samples": len(timings)})
    expect(b.page.get_by_test_id("seen-by")).to_have_text("Seen by 1")
    expect(a.conv_item(dm).locator("[data-presence]")).to_have_attribute("data-presence", "online")
    # Grouped by author: Bob's pings show his name once.
    expect(a.page.get_by_test_id("timeline").locator(".msg:not(.grouped)", has_text="ping")).to_have_count(1)
    screenshot(a.page, "direct-light")
    # Shift+Enter makes a new line instead of sending.
    box = a.page.get_by_test_id("composer")
    box.fill("line one")
    box.press("Shift+Enter")
    box.press_sequentially("line two")
    expect(box).to_have_value("line one\nline two")
    box.press("Enter")
    expect(b.message("line one")).to_contain_text("line two")
    # Bob closes his browser: Alice sees him go offline.
    b.context.close()
    expect(a.conv_item(dm).locator("[data-presence]")).to_have_attribute("data-presence", "offline")


@pytest.mark.browser
def test_group_chat_mentions_notify_and_badge(axon, open_app):
    alice, bob, carol = (axon.create_user(n) for n in ("alice", "bob", "carol"))
    group = axon.room(alice, "group", "Launch crew", [bob, carol], topic="Ship it")
    a, b, c = open_app(alice), open_app(bob), open_app(carol)
    for s in (a, b, c):
        expect(s.conv_item(group)).to_contain_text("Launch crew")
    c.page.locator('[data-testid="conv-item"]').first.wait_for()

    a.open_conversation(group)
    b.open_conversation(group)
    a.send(f"Morning @{carol.username}, can you check the build?")
    expect(b.message("Morning")).to_be_visible()
    # Mentions travel as @username and read as the person's name.
    expect(b.message("Morning").locator(".mention")).to_have_text("@Carol")
    # Carol is elsewhere: mention badge, unread badge, a desktop notification.
    expect(c.conv_item(group).get_by_test_id("mention-badge")).to_have_text("@1")
    expect(c.conv_item(group).get_by_test_id("unread-badge")).to_have_text("1")
    c.page.wait_for_function("() => window.__notifications.length > 0")
    note = c.notifications()[0]
    assert "mentioned you" in note["title"] and "Morning" in note["body"]

    # Bob answers; the others see it, and Carol's message highlights the mention of her.
    b.send("On it too")
    expect(a.message("On it too")).to_be_visible()
    c.open_conversation(group)
    expect(c.message("Morning")).to_have_class(re.compile(r"\bmentioned\b"))
    expect(c.conv_item(group).get_by_test_id("mention-badge")).to_have_count(0)
    c.send("Build is green")
    for s in (a, b):
        expect(s.message("Build is green")).to_be_visible()
    screenshot(c.page, "group-mention-light")

    # Carol mutes the group (kept locally): mentions still badge, but no notification.
    c.page.get_by_test_id("mute-toggle").click()
    expect(c.page.get_by_test_id("mute-toggle")).to_have_attribute("aria-pressed", "true")
    c.page.evaluate("location.hash = '#/'")
    expect(c.page.get_by_test_id("home")).to_be_visible()
    a.send(f"@{carol.username} one more thing")
    expect(c.conv_item(group).get_by_test_id("mention-badge")).to_have_text("@1")
    assert len(c.notifications()) == 1


@pytest.mark.browser
def test_reactions_edits_deletes_and_pins_show_live(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    dm = axon.direct(alice, bob)
    a, b = open_app(alice), open_app(bob)
    a.open_conversation(dm)
    b.open_conversation(dm)
    a.send("Original text")
    target_a = a.message("Original text")
    expect(target_a).to_have_attribute("data-state", "sent")
    expect(b.message("Original text")).to_be_visible()

    # Bob reacts through the emoji picker; Alice sees it and adds her own.
    b.message_action("Original text", "act-react")
    b.page.get_by_test_id("emoji-picker").locator('[data-emoji="🎉"]').click()
    reaction_a = a.message("Original text").locator('[data-testid="reaction"][data-emoji="🎉"]')
    expect(reaction_a).to_contain_text("1")
    reaction_a.click()
    expect(b.message("Original text").locator('[data-testid="reaction"][data-emoji="🎉"]')).to_contain_text("2")

    # Alice edits; Bob sees the new text and the edited marker.
    a.message_action("Original text", "act-edit")
    box = a.page.get_by_test_id("edit-box")
    box.fill("Edited text")
    box.press("Enter")
    expect(b.message("Edited text")).to_contain_text("(edited)")

    # Pin, visible on the other side's pin list.
    a.message_action("Edited text", "act-pin")
    expect(b.message("Edited text").locator(".pin-mark")).to_be_visible()

    # Delete: a tombstone on both sides.
    a.message_action("Edited text", "act-delete")
    a.page.get_by_test_id("confirm-ok").click()
    for s in (a, b):
        expect(s.message("This message was deleted.")).to_be_visible()
        expect(s.page.get_by_test_id("timeline").get_by_text("Edited text")).to_have_count(0)


@pytest.mark.browser
def test_thread_replies_in_side_panel(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    channel = axon.room(alice, "channel", "design", [bob])
    a, b = open_app(alice), open_app(bob)
    a.open_conversation(channel)
    b.open_conversation(channel)
    a.send("Which logo do we ship?")
    root_b = b.message("Which logo")
    expect(root_b).to_be_visible()
    b.message_action(root_b, "act-reply")
    thread_box = b.page.get_by_test_id("thread-composer")
    thread_box.fill("The blue one")
    thread_box.press("Enter")
    expect(b.page.get_by_test_id("thread").locator('[data-testid="message"]', has_text="The blue one")).to_be_visible()

    # Alice sees the reply count grow, opens the thread, answers there.
    link = a.message("Which logo").get_by_test_id("thread-link")
    expect(link).to_have_text("1 reply")
    link.click()
    thread_a = a.page.get_by_test_id("thread")
    expect(thread_a.locator('[data-testid="message"]', has_text="The blue one")).to_be_visible()
    a.page.get_by_test_id("thread-composer").fill("Agreed")
    a.page.get_by_test_id("thread-composer").press("Enter")
    expect(b.page.get_by_test_id("thread").locator('[data-testid="message"]', has_text="Agreed")).to_be_visible()
    expect(b.message("Which logo").get_by_test_id("thread-link")).to_have_text("2 replies")
    # Replies stay out of the main timeline.
    expect(b.page.get_by_test_id("timeline").get_by_text("The blue one")).to_have_count(0)
    screenshot(a.page, "thread-light")


@pytest.mark.browser
def test_create_browse_join_invite_remove_and_drafts(axon, open_app):
    alice, bob, carol = (axon.create_user(n, n.title()) for n in ("alice", "bob", "carol"))
    a, b = open_app(alice), open_app(bob)

    # Alice creates a public channel from the sidebar, with a topic.
    a.page.get_by_test_id("sidebar").get_by_test_id("new-channel").click()
    a.page.get_by_test_id("create-name").fill("general-chat")
    a.page.get_by_test_id("create-topic").fill("Anything goes")
    a.page.get_by_test_id("create-submit").click()
    expect(a.page.get_by_test_id("conv-title")).to_have_text("general-chat")
    expect(a.page.get_by_test_id("conv-topic")).to_have_text("Anything goes")
    channel = a.page.locator(".conversation").get_attribute("data-conv-id")

    # Bob browses public channels and joins; Alice sees him in the member list, online.
    b.page.get_by_test_id("browse-channels").click()
    b.page.get_by_test_id("channel-search").fill("general")
    result = b.page.locator(f'[data-testid="channel-results"] li[data-conv-id="{channel}"]')
    result.get_by_test_id("join-channel").click()
    expect(b.page.get_by_test_id("conv-title")).to_have_text("general-chat")
    a.page.get_by_test_id("edit-topic").click()
    a.page.get_by_test_id("prompt-input").fill("Anything goes, kindly")
    a.page.get_by_test_id("prompt-ok").click()
    expect(b.page.get_by_test_id("conv-topic")).to_have_text("Anything goes, kindly")
    a.page.get_by_test_id("open-members").click()
    bob_row = a.page.locator(f'[data-testid="member"][data-user-id="{bob.id}"]')
    expect(bob_row).to_be_visible()
    expect(bob_row.locator("[data-presence]")).to_have_attribute("data-presence", "online")

    # Alice adds Carol through the picker, then removes her again.
    a.page.get_by_test_id("invite-members").click()
    a.page.get_by_test_id("user-search").fill(carol.username)
    a.page.locator(f'[data-testid="user-results"] [data-user-id="{carol.id}"]').click()
    a.page.get_by_test_id("picker-ok").click()
    carol_row = a.page.locator(f'[data-testid="member"][data-user-id="{carol.id}"]')
    expect(carol_row).to_be_visible()
    carol_row.get_by_test_id("remove-member").click()
    a.page.get_by_test_id("confirm-ok").click()
    expect(carol_row).to_have_count(0)

    # Typing indicator and @-autocomplete.
    box = a.page.get_by_test_id("composer")
    box.press_sequentially("hi @bo")
    expect(b.page.get_by_test_id("typing")).to_have_text("Alice is typing…")
    expect(a.page.get_by_test_id("autocomplete").locator(f'[data-username="{bob.username}"]')).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value("hi @Bob ")

    # Drafts are kept per conversation.
    dm = axon.direct(alice, bob)
    a.open_conversation(dm)
    expect(a.page.get_by_test_id("composer")).to_have_value("")
    a.open_conversation(channel)
    expect(a.page.get_by_test_id("composer")).to_have_value("hi @Bob ")
    a.page.get_by_test_id("composer").press("Enter")
    expect(b.message("hi @").locator(".mention-me")).to_have_text("@Bob")
    expect(b.page.get_by_test_id("typing")).to_have_text("")

    # Archiving makes the channel read-only for everyone, live.
    a.page.get_by_test_id("archive").click()
    expect(b.page.get_by_test_id("composer")).to_be_disabled()
    expect(b.page.get_by_test_id("conv-title")).to_contain_text("Archived")


@pytest.mark.browser
def test_reading_on_one_device_clears_the_badge_on_another(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    dm = axon.direct(alice, bob)
    laptop, phone = open_app(bob), open_app(bob, viewport={"width": 390, "height": 844})
    axon.post(alice, dm, "are you there?")
    for device in (laptop, phone):
        expect(device.conv_item(dm).get_by_test_id("unread-badge")).to_have_text("1")
    laptop.open_conversation(dm)
    expect(laptop.message("are you there?")).to_be_visible()
    # The read marker travels as a user event to Bob's other device.
    expect(phone.conv_item(dm).get_by_test_id("unread-badge")).to_have_count(0)
    expect(phone.page).to_have_title("Axon · Test Org")
