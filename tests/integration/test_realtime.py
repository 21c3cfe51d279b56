"""The WebSocket protocol as a client sees it: resume, membership changes, typing, presence, heartbeats."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
import websockets
from websockets.client import ClientProtocol
from websockets.protocol import State
from websockets.uri import parse_uri

from tests.support.people import admin_rest, eventually, new_person
from tests.support.server import ServerProcess


class Raw:
    """A protocol-level client speaking only JSON frames (no SDK logic)."""

    def __init__(self, ws) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, server: ServerProcess, token: str, **hello) -> tuple[Raw, list[dict]]:
        ws = await websockets.connect(server.url.replace("http", "ws") + "/api/v1/ws", max_size=None)
        raw = cls(ws)
        await raw.send({"t": "hello", "token": token, **hello})
        frames = [await raw.recv()]
        while frames[-1]["t"] != "synced":
            frames.append(await raw.recv())
        return raw, frames

    async def send(self, frame: dict) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv(self, timeout: float = 10.0) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def until(self, kind: str, timeout: float = 10.0) -> dict:
        while True:
            frame = await self.recv(timeout)
            if frame["t"] == kind:
                return frame

    async def close(self) -> None:
        await self.ws.close()


async def test_resume_replays_exactly_what_was_missed_then_goes_live(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Resume", [bob.id])
    raw, frames = await Raw.open(server, bob.token)
    welcome = frames[0]
    assert welcome["t"] == "welcome" and welcome["user"]["id"] == bob.id
    position = next(c["last_seq"] for c in welcome["conversations"] if c["id"] == conv["id"])
    await raw.close()
    for i in range(30):
        await ann.rest.send(conv["id"], f"k{i}", f"missed {i}")
    raw, frames = await Raw.open(server, bob.token, user_seq=welcome["user_seq"], convs={conv["id"]: position},
                                 epoch=welcome["epoch"])
    replayed = [e for f in frames if f["t"] == "batch" and f.get("conv") == conv["id"] for e in f["events"]]
    assert [e["seq"] for e in replayed] == list(range(position + 1, position + 31))
    assert [e["data"]["message"]["text"] for e in replayed] == [f"missed {i}" for i in range(30)]
    assert frames[-1]["convs"][conv["id"]] == position + 30
    await ann.rest.send(conv["id"], "live", "now live")
    live = await raw.until("event")
    assert live["seq"] == position + 31
    await raw.close()


async def test_a_large_gap_is_replayed_newest_window_first_and_marked_truncated(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Big gap", [bob.id])
    start = conv["last_seq"]
    for i in range(25):
        await ann.rest.send(conv["id"], f"g{i}", f"m{i}")
    raw, frames = await Raw.open(server, bob.token, convs={conv["id"]: start}, resume_limit=10)
    batches = [f for f in frames if f["t"] == "batch" and f.get("conv") == conv["id"]]
    assert batches[0]["truncated"] and batches[0]["from_seq"] == start + 16
    assert [e["seq"] for b in batches for e in b["events"]] == list(range(start + 16, start + 26))
    older = await bob.rest.events(conv["id"], after_seq=start, limit=15)  # backfill through REST
    assert [e["seq"] for e in older["items"]] == list(range(start + 1, start + 16))
    await raw.close()


async def test_a_different_epoch_means_positions_are_ignored(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Epoch", [bob.id])
    await ann.rest.send(conv["id"], "e1", "x")
    raw, frames = await Raw.open(server, bob.token, convs={conv["id"]: 0}, epoch="from-a-restored-backup")
    assert not [f for f in frames if f["t"] == "batch"]
    assert frames[-1]["convs"][conv["id"]] == conv["last_seq"] + 1
    await raw.close()


async def test_being_added_to_a_conversation_reaches_an_open_session(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    raw, _ = await Raw.open(server, bob.token)
    conv = await ann.rest.create_conversation("group", "Later")
    await ann.rest.add_members(conv["id"], [bob.id])
    joined = await raw.until("user_event")
    assert joined["type"] == "conversation.joined" and joined["data"]["conversation"]["id"] == conv["id"]
    sent = (await ann.rest.send(conv["id"], "j1", "welcome bob"))["message"]
    event = await raw.until("event")
    assert event["seq"] == sent["seq"] and event["data"]["message"]["text"] == "welcome bob"
    await ann.rest.remove_member(conv["id"], bob.id)
    left = await raw.until("user_event")
    assert left["type"] == "conversation.left"
    await ann.rest.send(conv["id"], "j2", "bob is gone")
    await raw.send({"t": "ping", "ref": "after"})
    assert (await raw.until("pong"))["ref"] == "after"  # and no event for a conversation he left
    await raw.close()


async def test_a_member_removed_amid_a_burst_of_sends_gets_none_sent_after_the_removal(server: ServerProcess) -> None:
    # Sends racing a removal share the removal's write batch; routing must follow membership as of
    # each event's seq, so the removed member's live socket sees nothing after member.left.
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    raw, _ = await Raw.open(server, bob.token)
    raced = 0  # trials in which some sends were committed after the removal (the case under test)
    for trial in range(8):
        conv = await ann.rest.create_conversation("group", f"Race {trial}", [bob.id])
        sends = [ann.rest.send(conv["id"], f"race-{trial}-{i}", f"message {i}") for i in range(24)]
        removal = ann.rest.remove_member(conv["id"], bob.id)
        results = await asyncio.gather(*sends[:12], removal, *sends[12:])
        await raw.send({"t": "ping", "ref": f"trial-{trial}"})
        frames = []
        while (frame := await raw.recv())["t"] != "pong":
            frames.append(frame)
        events = [f for f in frames if f["t"] == "event" and f["conv"] == conv["id"]]
        (left,) = [e for e in events if e["type"] == "member.left"]
        sent_after = [r["message"]["seq"] for r in results if r and r["message"]["seq"] > left["seq"]]
        leaked = [e["seq"] for e in events if e["seq"] > left["seq"]]
        assert leaked == [], f"trial {trial}: {leaked} reached bob after his removal at {left['seq']}"
        assert any(f["t"] == "user_event" and f["type"] == "conversation.left" for f in frames)
        raced += bool(sent_after)
    # Which way each race goes is the scheduler's; most trials put sends on both sides of the removal.
    assert raced >= 2, f"only {raced} of 8 trials had sends after the removal: the race was not run"
    await raw.close()


async def test_typing_reaches_other_members_only(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Typing", [bob.id])
    ann_raw, _ = await Raw.open(server, ann.token)
    bob_raw, _ = await Raw.open(server, bob.token)
    await ann_raw.send({"t": "typing", "conv": conv["id"]})
    typing = await bob_raw.until("typing")
    assert typing == {"t": "typing", "conv": conv["id"], "user_id": ann.id}
    await ann_raw.send({"t": "ping", "ref": "p"})
    assert (await ann_raw.recv())["t"] == "pong"  # the typist does not hear their own typing
    await ann_raw.close()
    await bob_raw.close()


async def test_presence_combines_devices_and_reports_last_seen(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    bob_raw, _ = await Raw.open(server, bob.token)
    await bob_raw.send({"t": "presence_sub", "users": [ann.id, "u_not_a_user"]})
    assert (await bob_raw.until("presence"))["state"] == "offline"
    ann_raw, _ = await Raw.open(server, ann.token)
    assert (await bob_raw.until("presence"))["state"] == "online"
    await ann_raw.send({"t": "presence", "state": "away"})
    assert (await bob_raw.until("presence"))["state"] == "away"
    await ann_raw.close()
    offline = await bob_raw.until("presence")
    assert offline["state"] == "offline" and offline["last_seen"]
    await bob_raw.close()


class StalledDevice:
    """A device that connects, says hello and then stops reading its socket.

    The WebSocket is spoken sans-I/O over a socket with a tiny receive window,
    so that nothing on the client side drains the server's writes.
    """

    def __init__(self, protocol: ClientProtocol, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.protocol, self.reader, self.writer = protocol, reader, writer

    @classmethod
    async def open(cls, server: ServerProcess, token: str) -> StalledDevice:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
        protocol = ClientProtocol(parse_uri(server.url.replace("http", "ws") + "/api/v1/ws"))
        protocol.send_request(protocol.connect())
        writer.write(b"".join(protocol.data_to_send()))
        while protocol.handshake_exc is None and protocol.state is not State.OPEN:
            protocol.receive_data(await reader.read(1))
        protocol.send_text(json.dumps({"t": "hello", "token": token}).encode())
        writer.write(b"".join(protocol.data_to_send()))
        return cls(protocol, reader, writer)

    async def read_until_closed(self) -> int | None:
        while self.protocol.close_rcvd is None:
            data = await asyncio.wait_for(self.reader.read(1 << 20), 10)
            if not data:
                break
            self.protocol.receive_data(data)
            self.protocol.events_received()
        self.writer.close()
        return self.protocol.close_rcvd.code if self.protocol.close_rcvd else None


@pytest.fixture
def quick_heartbeat_server(tmp_path):
    proc = ServerProcess(tmp_path / "hb", env={"AXON_HEARTBEAT_TIMEOUT": "1.0"}).start()
    yield proc
    proc.stop()


@pytest.fixture
def small_queue_server(tmp_path):
    env = {"AXON_OUTBOUND_QUEUE": "256", "AXON_FRAME_RATE": "5000", "AXON_FRAME_BURST": "5000"}
    proc = ServerProcess(tmp_path / "sq", env=env).start()
    yield proc
    proc.stop()


async def test_silent_connections_are_closed_and_presence_updated(quick_heartbeat_server: ServerProcess) -> None:
    server = quick_heartbeat_server
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    bob_client = bob.client(server.url)
    await bob_client.connect()
    await bob_client.watch_presence([ann.id])
    raw, _ = await Raw.open(server, ann.token)
    states = []

    async def presence_of_ann() -> bool:
        event = await bob_client.next_event(5)
        if event.kind == "presence":
            states.append(event.data["state"])
        return states[-2:] == ["online", "offline"]

    await eventually(presence_of_ann, timeout=10)  # ann's raw socket sent no pings: dead after ~1 s
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await raw.until("never", timeout=5)
    assert closed.value.rcvd.code == 4009
    await bob_client.close()


async def test_a_slow_consumer_is_disconnected_without_slowing_others(small_queue_server: ServerProcess) -> None:
    server = small_queue_server
    admin = await admin_rest(server.url)
    ann, bob, cat = [await new_person(server.url, admin) for _ in range(3)]
    conv = await ann.rest.create_conversation("group", "Firehose", [bob.id, cat.id])
    stalled = await StalledDevice.open(server, cat.token)
    sender = await ann.client(server.url, max_backoff=0.5).connect()
    reader = await bob.client(server.url, max_backoff=0.5).connect()
    text = "x" * 15_000
    acks = []
    try:
        # ~15 MB: more than the kernel's socket buffers can hide from the server.
        for _ in range(25):
            acks += await asyncio.gather(*[sender.send(conv["id"], text) for _ in range(40)])
        received = set()

        async def reader_has_everything() -> bool:
            while not reader._events.empty():  # noqa: SLF001
                event = reader._events.get_nowait()  # noqa: SLF001
                if event.type == "message.new":
                    received.add(event.seq)
            return received >= {a.seq for a in acks}

        await eventually(reader_has_everything, timeout=30)
        # The stalled socket was cut off (close code 4008) instead of buffering without bound.
        assert await stalled.read_until_closed() == 4008
    finally:
        await sender.close()
        await reader.close()
