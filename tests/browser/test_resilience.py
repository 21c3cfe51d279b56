"""Delivery guarantees as the user sees them: drops, catch-up, retries, no duplicates."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect


def message_ids(session) -> list[str]:
    return session.page.eval_on_selector_all(
        '[data-testid="timeline"] [data-message-id]', "els => els.map(e => e.dataset.messageId)")


@pytest.mark.browser
def test_offline_then_back_catches_up_without_duplicates(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    dm = axon.direct(alice, bob)
    a, b = open_app(alice), open_app(bob)
    a.open_conversation(dm)
    b.open_conversation(dm)
    a.send("before the drop")
    expect(b.message("before the drop")).to_be_visible()

    b.context.set_offline(True)
    expect(b.page.locator("html")).to_have_attribute("data-conn", "offline")
    expect(b.page.get_by_test_id("conn-banner")).to_be_visible()
    b.send("written while offline")
    expect(b.message("written while offline")).to_have_attribute("data-state", "pending")

    for i in range(6):
        a.send(f"missed {i}")
    expect(a.message("missed 5")).to_have_attribute("data-state", "sent")
    a.message_action("before the drop", "act-edit")
    a.page.get_by_test_id("edit-box").fill("before the drop (edited)")
    a.page.get_by_test_id("edit-box").press("Enter")
    expect(a.message("before the drop (edited)")).to_be_visible()

    b.context.set_offline(False)
    expect(b.page.locator("html")).to_have_attribute("data-conn", "live")
    expect(b.page.get_by_test_id("conn-banner")).to_be_hidden()
    for i in range(6):
        expect(b.message(f"missed {i}")).to_have_count(1)
    expect(b.message("before the drop (edited)")).to_have_count(1)
    expect(b.message("written while offline")).to_have_attribute("data-state", "sent")
    expect(a.message("written while offline")).to_have_count(1)

    for session in (a, b):
        ids = message_ids(session)
        assert len(ids) == len(set(ids)) == 8, ids
    history = axon.call(alice, "GET", f"/conversations/{dm}/messages")["items"]
    assert [m["text"] for m in history].count("written while offline") == 1


@pytest.mark.browser
def test_unacknowledged_send_is_retried_with_the_same_client_msg_id(axon, open_app):
    """The server commits a message but the tab hears nothing back and is reloaded:
    the persisted outbox resends the SAME client_msg_id and the server answers duplicate."""
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    dm = axon.direct(alice, bob)
    sends: list[dict] = []
    acks: list[dict] = []
    connections = {"n": 0}

    def route(ws):
        connections["n"] += 1
        deaf = connections["n"] == 1  # the first connection never hears a reply after a send
        server = ws.connect_to_server()
        heard_send = {"yes": False}

        def from_client(message):
            frame = json.loads(message)
            if frame.get("t") == "send":
                sends.append(frame)
                heard_send["yes"] = True
            server.send(message)

        def from_server(message):
            frame = json.loads(message)
            if frame.get("t") == "ack":
                acks.append(frame)
            if not (deaf and heard_send["yes"]):
                ws.send(message)

        ws.on_message(from_client)
        server.on_message(from_server)

    a = open_app(alice, ws_route=route)
    a.open_conversation(dm)
    a.send("exactly once please")
    expect(a.message("exactly once please")).to_have_attribute("data-state", "inflight")
    while not acks:  # committed on the server; the client has not been told
        a.page.wait_for_timeout(20)
    a.page.reload()
    expect(a.page.locator("html")).to_have_attribute("data-conn", "live")
    a.open_conversation(dm)
    expect(a.message("exactly once please")).to_have_attribute("data-state", "sent")
    expect(a.message("exactly once please")).to_have_count(1)
    while len(acks) < 2:
        a.page.wait_for_timeout(20)
    assert len(sends) == 2 and sends[0]["id"] == sends[1]["id"], sends
    assert acks[0]["duplicate"] is False and acks[1]["duplicate"] is True
    assert acks[0]["message_id"] == acks[1]["message_id"]
    history = axon.call(alice, "GET", f"/conversations/{dm}/messages")["items"]
    assert [m["text"] for m in history] == ["exactly once please"]


@pytest.mark.browser
def test_history_scrolls_back_and_jumps_to_unread(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    channel = axon.room(alice, "channel", "firehose", [bob])
    for i in range(120):
        axon.post(alice, channel, f"line {i:03d}")
    b = open_app(bob)
    expect(b.conv_item(channel).get_by_test_id("unread-badge")).to_have_text("120")
    b.open_conversation(channel)
    # The first unread message is older than the first page: jumping loads back to it.
    b.page.get_by_test_id("jump-unread").click()
    expect(b.page.get_by_test_id("unread-marker")).to_be_in_viewport()
    # Scroll to the top repeatedly until the beginning is loaded.
    top = b.page.locator(".timeline-top")
    for _ in range(10):
        if top.get_attribute("data-state") == "beginning":
            break
        b.page.get_by_test_id("timeline").evaluate("el => el.scrollTop = 0")
        expect(top).not_to_have_attribute("data-state", "loading")
    expect(top).to_have_attribute("data-state", "beginning")
    expect(b.message("line 000")).to_have_count(1)
    ids = message_ids(b)
    assert len(ids) == len(set(ids)) == 120
    seqs = b.page.eval_on_selector_all('[data-testid="timeline"] [data-seq]', "els => els.map(e => +e.dataset.seq)")
    assert seqs == sorted(seqs)


@pytest.mark.browser
def test_refused_send_shows_failed_and_retries_by_hand(axon, open_app):
    alice, bob = axon.create_user("alice"), axon.create_user("bob")
    dm = axon.direct(alice, bob)
    refused: list[str] = []
    forwarded: list[str] = []

    def route(ws):
        server = ws.connect_to_server()

        def from_client(message):
            frame = json.loads(message)
            if frame.get("t") == "send" and not refused:
                refused.append(frame["id"])  # answer as the server would, without storing
                ws.send(json.dumps({"t": "error", "id": frame["id"],
                                    "error": {"code": "forbidden", "message": "Not now."}}))
                return
            if frame.get("t") == "send":
                forwarded.append(frame["id"])
            server.send(message)

        ws.on_message(from_client)

    a = open_app(alice, ws_route=route)
    a.open_conversation(dm)
    a.send("second time lucky")
    failed = a.message("second time lucky")
    expect(failed).to_have_attribute("data-state", "failed")
    expect(failed.get_by_test_id("failed")).to_contain_text("You are not allowed to do that.")
    failed.get_by_test_id("retry").click()
    expect(a.message("second time lucky")).to_have_attribute("data-state", "sent")
    assert forwarded == refused  # the manual retry reused the client_msg_id
