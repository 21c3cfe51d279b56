"""Routing on one node: the hub hands each bus envelope to exactly the connections it is for, signals
raised together travel in one bus publish, and the send replies of one group commit leave in one write."""

from __future__ import annotations

import asyncio
from typing import Any

from axon.bus.base import WIPE_ORDER, Envelope, Topic
from axon.bus.memory import MemoryBus
from axon.gateway.acks import ReplyBatch
from axon.gateway.hub import Hub
from axon.gateway.signals import BusSignals
from axon.protocol import server as s
from axon.protocol.codec import decode


class Connection:
    """A recipient as the hub sees it, recording what reaches it."""

    def __init__(self, user_id: str, device_id: str) -> None:
        self.user_id = user_id
        self.device_id = device_id
        self.last_received = 0.0
        self.subscriptions: set[str] = set()
        self.watched_users: set[str] = set()
        self.got: list[Any] = []

    def push_event(self, conversation_id: str, seq: int, frame: bytes) -> None:
        self.got.append(("event", conversation_id, seq))

    def push_user_event(self, envelope: Envelope) -> None:
        self.got.append(("user", envelope.key, envelope.seq))

    def push_frame(self, frame: bytes) -> None:
        self.got.append(("frame", decode(frame)["t"]))

    def revoke(self, wipe: bool = False) -> None:
        self.got.append(("wipe",) if wipe else ("revoked",))

    def close(self, code: int, reason: str = "") -> None:
        self.got.append(("closed", code))

    def repair(self, conversation_id: str, last_seq: int) -> None:
        self.got.append(("repair", conversation_id, last_seq))


def connected(hub: Hub, user_id: str, device_id: str, conversations: tuple[str, ...] = ()) -> Connection:
    connection = Connection(user_id, device_id)
    hub.add(connection)
    hub.subscribe(connection, list(conversations))
    return connection


def frame(kind: type[Any], *args: Any) -> bytes:
    return s.encode_frame(kind(*args))


def test_conversation_events_reach_the_subscribed_connections_only() -> None:
    hub = Hub()
    ann_phone = connected(hub, "u_ann", "d_phone", ["c_team"])
    ann_laptop = connected(hub, "u_ann", "d_laptop", ["c_team", "c_side"])
    bob = connected(hub, "u_bob", "d_bob", ["c_side"])
    hub.dispatch([Envelope(Topic.CONVERSATION, "c_team", 7, b"{}"),
                  Envelope(Topic.CONVERSATION, "c_side", 3, b"{}")])
    assert ann_phone.got == [("event", "c_team", 7)]
    assert ann_laptop.got == [("event", "c_team", 7), ("event", "c_side", 3)]
    assert bob.got == [("event", "c_side", 3)]


def test_user_events_reach_every_device_of_that_user() -> None:
    hub = Hub()
    phone, laptop = connected(hub, "u_ann", "d_phone"), connected(hub, "u_ann", "d_laptop")
    bob = connected(hub, "u_bob", "d_bob")
    hub.dispatch([Envelope(Topic.USER, "u_ann", 4, b"{}", kind="conversation.joined")])
    assert phone.got == laptop.got == [("user", "u_ann", 4)] and bob.got == []


def test_typing_and_receipts_skip_every_device_of_the_person_who_raised_them() -> None:
    hub = Hub()
    ann_phone = connected(hub, "u_ann", "d_phone", ["c_team"])
    ann_laptop = connected(hub, "u_ann", "d_laptop", ["c_team"])
    bob = connected(hub, "u_bob", "d_bob", ["c_team"])
    hub.dispatch([
        Envelope(Topic.TYPING, "c_team", 0, frame(s.Typing, "c_team", "u_ann"), sender="u_ann"),
        Envelope(Topic.RECEIPT, "c_team", 0, frame(s.Receipt, "c_team", "u_bob", 9), sender="u_bob"),
    ])
    assert ann_phone.got == ann_laptop.got == [("frame", "receipt")]
    assert bob.got == [("frame", "typing")]


def test_presence_goes_to_the_current_watchers_of_that_user() -> None:
    hub = Hub()
    watcher, other = connected(hub, "u_bob", "d_bob"), connected(hub, "u_cy", "d_cy")
    hub.watch_presence(watcher, ["u_ann", "u_dee"])
    hub.watch_presence(watcher, ["u_dee"])  # the new list replaces the old one
    online = frame(s.Presence, "u_ann", "online", None)
    hub.dispatch([Envelope(Topic.PRESENCE, "u_ann", 0, online), Envelope(Topic.PRESENCE, "u_dee", 0, online)])
    assert watcher.got == [("frame", "presence")] and other.got == []
    assert "u_ann" not in hub.presence_watchers


def test_a_revocation_reaches_only_that_device() -> None:
    hub = Hub()
    phone, laptop = connected(hub, "u_ann", "d_phone"), connected(hub, "u_ann", "d_laptop")
    hub.dispatch([Envelope(Topic.DEVICE_REVOKED, "d_phone", 0, b"")])
    assert phone.got == [("revoked",)] and laptop.got == []
    hub.dispatch([Envelope(Topic.DEVICE_REVOKED, "d_laptop", 0, WIPE_ORDER)])
    assert laptop.got == [("wipe",)] and phone.got == [("revoked",)]


def test_a_removed_connection_leaves_no_trace_in_the_routing_tables() -> None:
    hub = Hub()
    gone = connected(hub, "u_ann", "d_phone", ["c_team", "c_side"])
    hub.watch_presence(gone, ["u_bob"])
    staying = connected(hub, "u_bob", "d_bob", ["c_team"])
    hub.remove(gone)
    assert (set(hub.by_conversation), set(hub.by_user), set(hub.by_device)) == ({"c_team"}, {"u_bob"}, {"d_bob"})
    assert hub.presence_watchers == {} and gone.subscriptions == set()
    assert hub.sessions() == [staying] and hub.connection_count() == 1
    hub.dispatch([Envelope(Topic.CONVERSATION, "c_side", 1, b"{}"), Envelope(Topic.USER, "u_ann", 1, b"{}")])
    assert gone.got == []


def test_unsubscribing_stops_a_conversation_and_every_dispatch_is_counted() -> None:
    hub = Hub()
    ann = connected(hub, "u_ann", "d_phone", ["c_team"])
    hub.unsubscribe(ann, "c_team")
    before = hub.dispatches
    hub.dispatch([Envelope(Topic.CONVERSATION, "c_team", 2, b"{}")])
    hub.dispatch([])
    assert ann.got == [] and ann.subscriptions == set() and "c_team" not in hub.by_conversation
    assert hub.dispatches == before + 2  # a resuming session compares this before and after it subscribes


async def test_signals_raised_in_one_loop_iteration_travel_in_one_publish() -> None:
    bus, published = MemoryBus(), []
    bus.attach(published.append)
    signals = BusSignals(bus)
    runner = asyncio.ensure_future(signals.run())
    try:
        signals.typing("c_team", "u_ann")
        signals.receipt("c_team", "u_bob", 12)
        signals.device_revoked("d_phone")
        for _ in range(3):
            await asyncio.sleep(0)  # let the runner take one wake-up
        assert [[(e.topic, e.key, e.sender) for e in batch] for batch in published] == [[
            (Topic.TYPING, "c_team", "u_ann"), (Topic.RECEIPT, "c_team", "u_bob"),
            (Topic.DEVICE_REVOKED, "d_phone", None),
        ]]
        assert decode(published[0][1].frame) == {"t": "receipt", "conv": "c_team", "user_id": "u_bob", "read_seq": 12}
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


async def test_replies_added_in_one_loop_iteration_are_written_together() -> None:
    writes: list[list[bytes]] = []
    batch = ReplyBatch(writes.append)
    batch.add(b"a")
    batch.add(b"b")
    assert writes == []  # nothing is written until the iteration that resolved the sends is over
    await asyncio.sleep(0)
    batch.add(b"c")
    await asyncio.sleep(0)
    assert writes == [[b"a", b"b"], [b"c"]]
