"""Messaging end to end over real sockets: send, ack, live push, history, threads, edits, reactions."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from axon.client import ApiError, AxonClient, SendFailed
from tests.support.people import admin_rest, eventually, new_person
from tests.support.server import ServerProcess


async def next_of(client: AxonClient, type_: str, timeout: float = 10.0):
    while True:
        event = await client.next_event(timeout)
        if event.type == type_:
            return event


async def test_group_message_is_acked_durably_and_pushed_to_every_member(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob, cat = [await new_person(server.url, admin) for _ in range(3)]
    conv = await ann.rest.create_conversation("group", "Launch", [bob.id, cat.id])
    clients = [await p.client(server.url).connect() for p in (ann, bob, cat)]
    try:
        ack = await clients[0].send(conv["id"], "Hello team")
        assert ack.seq == conv["last_seq"] + 1 and not ack.duplicate
        for client in clients:  # the sender's own devices get it too
            event = await next_of(client, "message.new")
            assert event.seq == ack.seq
            assert event.data["message"]["text"] == "Hello team"
            assert event.data["message"]["id"] == ack.message_id
        page = await bob.rest.history(conv["id"])
        assert [m["text"] for m in page["items"]] == ["Hello team"]
    finally:
        for client in clients:
            await client.close()


async def test_concurrent_sends_from_one_device_keep_their_order(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Order", [bob.id])
    client = await ann.client(server.url).connect()
    try:
        futures = [client.send_nowait(conv["id"], f"m{i}") for i in range(100)]
        acks = await asyncio.gather(*futures)
        assert [a.seq for a in acks] == list(range(acks[0].seq, acks[0].seq + 100))
        history = await bob.rest.history(conv["id"], limit=200)
        assert [m["text"] for m in history["items"]] == [f"m{i}" for i in range(100)]
    finally:
        await client.close()


async def test_retry_with_the_same_id_returns_the_same_ack_and_stores_once(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Retry", [bob.id])
    key = str(uuid.uuid4())
    first = await ann.rest.send(conv["id"], key, "once")
    again = await ann.rest.send(conv["id"], key, "once")
    assert again["duplicate"] and again["message"]["id"] == first["message"]["id"]
    assert again["message"]["seq"] == first["message"]["seq"]
    client = await ann.client(server.url).connect()
    try:
        ack = await client.send(conv["id"], "once", client_msg_id=key)  # and over the WebSocket
        assert ack.duplicate and ack.message_id == first["message"]["id"]
        with pytest.raises(SendFailed) as failure:
            await client.send(conv["id"], "something else", client_msg_id=key)
        assert failure.value.code == "idempotency_key_reused"
    finally:
        await client.close()
    assert len((await bob.rest.history(conv["id"]))["items"]) == 1


async def test_threads_edits_deletes_reactions_and_pins_are_events(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("channel", "general-x", [bob.id])
    bob_client = await bob.client(server.url).connect()
    try:
        root = (await ann.rest.send(conv["id"], "r1", "Plan?"))["message"]
        reply = (await bob.rest.send(conv["id"], "r2", "Yes", reply_to=root["id"]))["message"]
        nested = (await ann.rest.send(conv["id"], "r3", "Good", reply_to=reply["id"]))["message"]
        assert reply["reply_to"] == root["id"] and nested["reply_to"] == root["id"]  # one flat thread
        thread = await bob.rest.thread(conv["id"], root["id"])
        assert thread["root"]["reply_count"] == 2
        assert [m["text"] for m in thread["replies"]] == ["Yes", "Good"]
        assert [m["text"] for m in (await bob.rest.history(conv["id"]))["items"]] == ["Plan?"]

        await ann.rest.edit(conv["id"], root["id"], "Plan for Q3?")
        await bob.rest.react(conv["id"], root["id"], "👍")
        await ann.rest.pin(conv["id"], root["id"])
        await ann.rest.delete(conv["id"], nested["id"])
        types = []
        while "message.deleted" not in types:
            types.append((await bob_client.next_event(10)).type)
        assert types[-4:] == ["message.edited", "reaction.added", "message.pinned", "message.deleted"]

        root_now = (await bob.rest.thread(conv["id"], root["id"]))["root"]
        assert root_now["text"] == "Plan for Q3?" and root_now["edited_at"]
        assert root_now["reactions"] == [{"emoji": "👍", "count": 1, "user_ids": [bob.id]}]
        assert root_now["pinned"]
        tomb = (await bob.rest.thread(conv["id"], root["id"]))["replies"][1]
        assert tomb["deleted"] and tomb["text"] == "" and tomb["seq"] == nested["seq"]
        with pytest.raises(ApiError) as refused:
            await bob.rest.edit(conv["id"], root["id"], "hijack")
        assert refused.value.status == 403
    finally:
        await bob_client.close()


async def test_mentions_drive_unread_and_mention_counts_until_read(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Counts", [bob.id])
    await ann.rest.send(conv["id"], "c1", "plain")
    m2 = (await ann.rest.send(conv["id"], "c2", f"hey @{bob.user['username']}"))["message"]
    await ann.rest.send(conv["id"], "c3", "`@all` is only an example")
    m4 = (await ann.rest.send(conv["id"], "c4", "@all standup"))["message"]
    assert m2["mentions"] == [bob.id] and m4["mentions_all"]
    summary = next(c for c in await bob.rest.conversations() if c["id"] == conv["id"])
    assert (summary["unread_count"], summary["mention_count"]) == (4, 2)
    await bob.rest.mark_read(conv["id"], m2["seq"])
    summary = next(c for c in await bob.rest.conversations() if c["id"] == conv["id"])
    assert (summary["unread_count"], summary["mention_count"]) == (2, 1)
    await bob.rest.mark_read(conv["id"], 1)  # markers never move back
    summary = next(c for c in await bob.rest.conversations() if c["id"] == conv["id"])
    assert summary["read_seq"] == m2["seq"]


async def test_read_and_delivery_receipts(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob, cat = [await new_person(server.url, admin) for _ in range(3)]
    conv = await ann.rest.create_conversation("group", "Receipts", [bob.id, cat.id])
    ann_client = await ann.client(server.url).connect()
    bob_client = await bob.client(server.url).connect()
    try:
        ack = await ann_client.send(conv["id"], "seen?")
        # bob's device acknowledges delivery on its own; cat is offline.
        await eventually(lambda: _delivered(ann, conv["id"], ack.message_id, {bob.id}))
        await cat.rest.update_me(read_receipts=False)
        await cat.rest.mark_read(conv["id"], ack.seq)
        await bob_client.mark_read(conv["id"], ack.seq)
        receipt = await next_of(ann_client, "receipt")
        assert receipt.data["user_id"] == bob.id and receipt.data["read_seq"] == ack.seq
        receipts = await ann.rest.receipts(conv["id"], ack.message_id)
        assert receipts["read_by"] == [bob.id]  # cat read it too but opted out of receipts
        assert set(receipts["delivered_to"]) == {bob.id, cat.id} and receipts["recipient_count"] == 2
    finally:
        await ann_client.close()
        await bob_client.close()


async def _delivered(person, conv: str, message_id: str, expected: set[str]) -> bool:
    receipts = await person.rest.receipts(conv, message_id)
    return expected <= set(receipts["delivered_to"])


async def test_a_users_other_devices_see_their_messages_and_read_markers(server: ServerProcess) -> None:
    from tests.support.people import new_device

    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Devices", [bob.id])
    laptop = await ann.client(server.url).connect()
    phone = AxonClient(server.url, await new_device(server.url, ann))
    await phone.connect()
    try:
        ack = await laptop.send(conv["id"], "from laptop")
        assert (await next_of(phone, "message.new")).data["message"]["client_msg_id"] == ack.id
        await bob.rest.send(conv["id"], "b1", "reply")
        bob_msg = await next_of(laptop, "message.new")
        bob_msg = await next_of(laptop, "message.new") if bob_msg.seq == ack.seq else bob_msg
        await laptop.mark_read(conv["id"], bob_msg.seq)
        marker = await next_of(phone, "read_marker")
        assert marker.data == {"conversation_id": conv["id"], "seq": bob_msg.seq}
    finally:
        await laptop.close()
        await phone.close()


def _replay_reactions_and_pins(events: list[dict]) -> dict[str, dict]:
    """Fold a conversation's event log the way docs/protocol.md tells a reader to."""
    state: dict[str, dict] = {}
    for event in events:
        data, kind = event["data"], event["type"]
        if kind == "message.new":
            state[data["message"]["id"]] = {"reactions": set(), "pinned": False, "deleted": False}
            continue
        message = state.get(data.get("message_id", ""))
        if message is None:
            continue
        if kind == "reaction.added":
            message["reactions"].add((data["emoji"], data["user_id"]))
        elif kind == "reaction.removed":
            message["reactions"].discard((data["emoji"], data["user_id"]))
        elif kind in ("message.pinned", "message.unpinned"):
            message["pinned"] = kind == "message.pinned"
        elif kind == "message.deleted":
            message.update(reactions=set(), pinned=False, deleted=True)
    return state


def _as_shown(message: dict) -> dict:
    return {"reactions": {(r["emoji"], u) for r in message["reactions"] for u in r["user_ids"]},
            "pinned": message["pinned"], "deleted": message["deleted"]}


async def test_a_deleted_message_loses_its_reactions_and_pin_in_history_and_in_the_event_log(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Tombstones", [bob.id])
    doomed = (await ann.rest.send(conv["id"], "d1", "Delete me"))["message"]
    kept = (await ann.rest.send(conv["id"], "d2", "Keep me"))["message"]
    for message in (doomed, kept):
        await bob.rest.react(conv["id"], message["id"], "👍")
        await ann.rest.react(conv["id"], message["id"], "🎉")
        await ann.rest.pin(conv["id"], message["id"])
    await ann.rest.delete(conv["id"], doomed["id"])

    shown = {m["id"]: m for m in (await bob.rest.history(conv["id"]))["items"]}
    assert _as_shown(shown[doomed["id"]]) == {"reactions": set(), "pinned": False, "deleted": True}
    assert _as_shown(shown[kept["id"]]) == {"reactions": {("👍", bob.id), ("🎉", ann.id)}, "pinned": True,
                                            "deleted": False}
    assert [m["id"] for m in await bob.rest.request("GET", f"/conversations/{conv['id']}/pins")] == [kept["id"]]
    log = await bob.rest.events(conv["id"])
    assert _replay_reactions_and_pins(log["items"]) == {mid: _as_shown(m) for mid, m in shown.items()}

    for attempt in (bob.rest.react(conv["id"], doomed["id"], "👍"), ann.rest.pin(conv["id"], doomed["id"])):
        with pytest.raises(ApiError) as refused:
            await attempt
        assert refused.value.status == 404  # a tombstone takes no new reactions or pins
    assert (await bob.rest.events(conv["id"]))["last_seq"] == log["last_seq"]


async def test_reacting_is_idempotent_and_only_changes_are_events(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Reactions", [bob.id])
    message = (await ann.rest.send(conv["id"], "x1", "React twice"))["message"]
    await bob.rest.react(conv["id"], message["id"], "🎉", add=False)  # never made: 204, nothing happens
    for _ in range(2):
        await bob.rest.react(conv["id"], message["id"], "👍")
    assert (await bob.rest.history(conv["id"]))["items"][0]["reactions"] == [
        {"emoji": "👍", "count": 1, "user_ids": [bob.id]}]
    for _ in range(2):
        await bob.rest.react(conv["id"], message["id"], "👍", add=False)
    log = await bob.rest.events(conv["id"], after_seq=message["seq"])
    assert [(e["type"], e["data"]["emoji"]) for e in log["items"]] == [("reaction.added", "👍"),
                                                                        ("reaction.removed", "👍")]
    assert (await bob.rest.history(conv["id"]))["items"][0]["reactions"] == []
