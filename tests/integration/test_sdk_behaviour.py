"""The SDK's promises, held against two kinds of peer.

A real node shows them end to end: a send whose ack was lost is retried after the
reconnect and stored once, stored positions resume a later client, a revoked token
stops the client for good. A scripted WebSocket peer on loopback shows what a node
cannot be made to do on demand: a restored database (another ``epoch``), a
``rate_limited`` send, fatal and restart close codes, a server gone silent before or
after its welcome, frames of a type the SDK does not know. The peer speaks only the
wire protocol of ``docs/protocol.md``: it decodes the SDK's frames with
``decode_client_frame`` and writes ``axon.protocol.server`` structs.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import msgspec
import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from axon.client import AxonClient, ClientClosed, ClientState, RestApi
from axon.client.realtime import Event
from axon.protocol import codec
from axon.protocol import server as s
from axon.protocol.client import Frame, Hello, Ping, Send, decode_client_frame
from tests.support.people import PASSWORD, admin_rest, eventually, new_person
from tests.support.proxy import ChaosProxy
from tests.support.server import ServerProcess

F = TypeVar("F", bound=Frame)
AT = "2026-11-26T17:10:05.123Z"
QUICK_HEARTBEAT = (0.1, 0.5)  # heartbeat_interval, heartbeat_timeout of a scripted welcome


# --- the scripted peer ------------------------------------------------------------------


class PeerConnection:
    """The server's side of one SDK connection; the test writes the frames, a reader records the SDK's."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.answer_pings = False
        self.received: list[Frame] = []
        self._inbox: asyncio.Queue[Frame] = asyncio.Queue()

    async def read_until_closed(self) -> None:
        try:
            async for raw in self.ws:
                frame = decode_client_frame(raw)
                self.received.append(frame)
                if self.answer_pings and isinstance(frame, Ping):
                    await self.send(s.Pong(frame.ref))
                self._inbox.put_nowait(frame)
        except ConnectionClosed:
            pass

    async def next(self, kind: type[F], timeout: float = 5.0) -> F:
        """The SDK's next frame of this type (frames of other types before it are passed over)."""

        async def find() -> F:
            while True:
                frame = await self._inbox.get()
                if isinstance(frame, kind):
                    return frame

        return await asyncio.wait_for(find(), timeout)

    async def send(self, *frames: s.ServerFrame | bytes) -> None:
        for frame in frames:
            data = frame if isinstance(frame, bytes) else s.encode_frame(frame)
            await self.ws.send(data.decode())  # JSON text messages, as the protocol says

    async def open_session(self, *, epoch: str = "e1", user_seq: int = 0, convs: dict[str, int] | None = None,
                           heartbeat: tuple[float, float] = (15.0, 45.0)) -> Hello:
        """Answer the SDK's hello with a welcome and an immediate ``synced`` (nothing to replay)."""
        hello = await self.next(Hello)
        await self.send(welcome(epoch, user_seq, convs or {}, heartbeat), s.Synced(user_seq, convs or {}))
        return hello

    async def close(self, code: int, reason: str = "") -> None:
        await self.ws.close(code, reason)


class ScriptedPeer:
    """A WebSocket server on loopback whose every connection is handed to the test to script."""

    def __init__(self) -> None:
        self.accepted_at: list[float] = []  # loop time of each accepted connection
        self._connections: asyncio.Queue[PeerConnection] = asyncio.Queue()
        self._server: Server | None = None
        self.port = 0

    async def start(self) -> ScriptedPeer:
        self._server = await serve(self._accept, "127.0.0.1", 0, ping_interval=None, compression=None,
                                   max_size=None)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def next_connection(self, timeout: float = 5.0) -> PeerConnection:
        return await asyncio.wait_for(self._connections.get(), timeout)

    async def _accept(self, ws: ServerConnection) -> None:
        connection = PeerConnection(ws)
        self.accepted_at.append(asyncio.get_running_loop().time())
        self._connections.put_nowait(connection)
        await connection.read_until_closed()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def peer() -> AsyncIterator[ScriptedPeer]:
    scripted = await ScriptedPeer().start()
    yield scripted
    await scripted.close()


def welcome(epoch: str, user_seq: int, convs: dict[str, int], heartbeat: tuple[float, float]) -> s.Welcome:
    conversations = [{"id": conv, "kind": "group", "name": conv, "last_seq": seq} for conv, seq in convs.items()]
    return s.Welcome("n_scripted", epoch, {"id": "u_ann", "username": "ann"}, "d_scripted", user_seq,
                     heartbeat[0], heartbeat[1], 16384, conversations)


def message_event(conv: str, seq: int, text: str) -> s.Event:
    message = {"id": f"m_{conv}_{seq}", "conversation_id": conv, "seq": seq, "sender_id": "u_bob", "text": text}
    return s.Event(conv, seq, "message.new", AT, "u_bob", msgspec.Raw(codec.encode({"message": message})))


def ack_for(send: Send, seq: int, *, duplicate: bool = False) -> s.Ack:
    return s.Ack(send.id, f"m_{send.conv}_{seq}", send.conv, seq, AT, duplicate)


async def connect_through(client: AxonClient, peer: ScriptedPeer, **session: Any) -> tuple[PeerConnection, Hello]:
    """Connect the client while the peer plays a welcome and ``synced``; returns the peer's side and the hello."""
    async with asyncio.TaskGroup() as group:
        group.create_task(client.connect(timeout=5))
        connection = await peer.next_connection()
        hello = await connection.open_session(**session)
    return connection, hello


async def next_message(client: AxonClient, timeout: float = 5.0) -> Event:
    while True:
        event = await client.next_event(timeout)
        if event.type == "message.new":
            return event


# --- against a real node -------------------------------------------------------------------


class ServerSilencingProxy(ChaosProxy):
    """A ``ChaosProxy`` that can stop passing on what the server sends: what it holds back is lost at the cut."""

    def hold_server_bytes(self) -> None:
        for _, server_writer in self._pairs:
            server_writer.transport.pause_reading()


async def test_a_send_whose_ack_was_lost_is_retried_after_reconnect_and_stored_once(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = await new_person(server.url, admin), await new_person(server.url, admin)
    conv = (await ann.rest.create_conversation("group", "Lost ack", [bob.id]))["id"]
    proxy = await ServerSilencingProxy(server.port).start()
    client = await ann.client(proxy.url, max_backoff=0.2).connect()
    try:
        proxy.hold_server_bytes()  # the ack (and the live event) will never reach the SDK
        pending = client.send_nowait(conv, "ack lost on the way", client_msg_id="k-lost-ack")

        async def stored() -> bool:
            return bool((await bob.rest.history(conv))["items"])

        await eventually(stored)
        assert not pending.done()
        proxy.cut_all()
        ack = await asyncio.wait_for(pending, 10)
        stored_message = (await bob.rest.history(conv))["items"][0]
        assert ack.duplicate and (ack.message_id, ack.seq) == (stored_message["id"], stored_message["seq"])
        assert client.connections == 2
        await client.send(conv, "after the reconnect")
        texts = [(await next_message(client)).data["message"]["text"] for _ in range(2)]
        assert texts == ["ack lost on the way", "after the reconnect"]  # the app saw the first one once
        assert [m["text"] for m in (await bob.rest.history(conv))["items"]] == texts
    finally:
        await client.close()
        await proxy.close()


async def test_positions_kept_in_client_state_resume_a_later_client_exactly(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = await new_person(server.url, admin), await new_person(server.url, admin)
    conv = (await ann.rest.create_conversation("group", "Kept positions", [bob.id]))["id"]
    state = ClientState()
    first = await bob.client(server.url, state=state).connect()
    try:
        for text in ("seen 1", "seen 2"):
            await ann.rest.send(conv, str(uuid.uuid4()), text)
        assert [(await next_message(first)).data["message"]["text"] for _ in range(2)] == ["seen 1", "seen 2"]
    finally:
        await first.close()
    for text in ("missed 1", "missed 2", "marker"):
        await ann.rest.send(conv, str(uuid.uuid4()), text)
    later = await bob.client(server.url, state=state).connect()  # the app restarted with what it stored
    try:
        texts = [(await next_message(later)).data["message"]["text"] for _ in range(3)]
        assert texts == ["missed 1", "missed 2", "marker"]  # nothing seen replayed, nothing missed lost
        assert state.convs[conv] == (await bob.rest.conversation(conv))["last_seq"]
    finally:
        await later.close()


async def test_a_gap_in_the_live_stream_is_filled_through_rest_in_order(
        server: ServerProcess, peer: ScriptedPeer) -> None:
    admin = await admin_rest(server.url)
    ann, bob = await new_person(server.url, admin), await new_person(server.url, admin)
    created = await ann.rest.create_conversation("group", "Gap", [bob.id])
    conv, start = created["id"], created["last_seq"]
    for i in range(3):
        await ann.rest.send(conv, f"gap-{i}", f"m{i}")
    stored = [s.decode_server_frame(codec.encode(item)) for item in (await bob.rest.events(conv, start))["items"]]
    client = AxonClient(peer.url, bob.token, state=ClientState(convs={conv: start}))
    await client.rest.close()
    client.rest = RestApi(server.url, bob.token)  # live frames from the scripted peer, REST from the real node
    try:
        connection, _ = await connect_through(client, peer, convs={conv: start})
        await connection.send(stored[0], stored[2])  # seq start+2 never comes live
        events = [await next_message(client) for _ in range(3)]
        assert [e.seq for e in events] == [start + 1, start + 2, start + 3]
        assert [e.data["message"]["text"] for e in events] == ["m0", "m1", "m2"]
        assert client.position(conv) == start + 3
    finally:
        await client.close()


async def test_a_revoked_token_fails_to_connect_and_is_never_retried(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    phone = RestApi(server.url)
    session = await phone.login(ann.user["username"], PASSWORD, device_name="phone")
    await phone.close()
    await ann.rest.revoke_device(session["device"]["id"])
    client = AxonClient(server.url, session["token"])
    queued = client.send_nowait("c_any", "written offline")
    try:
        with pytest.raises(ClientClosed):
            await client.connect(timeout=10)
        assert (client.fatal, client.connections) == ("unauthenticated", 1)
        with pytest.raises(ClientClosed):
            await queued  # failed, not left waiting for a connection that will never come
    finally:
        await client.close()


# --- against the scripted peer ------------------------------------------------------------


async def test_after_a_restart_close_the_next_hello_carries_the_positions_reached(peer: ScriptedPeer) -> None:
    state = ClientState(user_seq=5, convs={"c_a": 7}, epoch="e1")
    client = AxonClient(peer.url, "token", state=state)
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(client.connect(timeout=5))
            first = await peer.next_connection()
            hello = await first.next(Hello)
            assert (hello.user_seq, hello.convs, hello.epoch) == (5, {"c_a": 7}, "e1")
            marker = s.UserEventFrame(6, "read_marker", AT, msgspec.Raw(b'{"conversation_id":"c_a","seq":9}'))
            await first.send(welcome("e1", 6, {"c_a": 9}, (15.0, 45.0)), s.user_batch([s.encode_frame(marker)]),
                             s.conversation_batch("c_a", False, 8, [s.encode_frame(message_event("c_a", 8, "m8")),
                                                                    s.encode_frame(message_event("c_a", 9, "m9"))]),
                             s.Synced(6, {"c_a": 9}))
        await first.send(message_event("c_a", 10, "m10"))
        assert [(await next_message(client)).seq for _ in range(3)] == [8, 9, 10]
        await first.close(1012, "restarting")
        second = await peer.next_connection()
        hello = await second.next(Hello)
        assert (hello.user_seq, hello.convs, hello.epoch) == (6, {"c_a": 10}, "e1")
        await second.send(welcome("e1", 6, {"c_a": 10}, (15.0, 45.0)), s.Synced(6, {"c_a": 10}),
                          message_event("c_a", 10, "m10"), message_event("c_a", 11, "m11"))
        assert (await next_message(client)).seq == 11  # the repeated 10 is not handed over twice
        assert client.connections == 2 and client.fatal is None
    finally:
        await client.close()


async def test_a_new_epoch_drops_the_stored_positions(peer: ScriptedPeer) -> None:
    state = ClientState(user_seq=5, convs={"c_old": 7}, epoch="e-before-restore")
    client = AxonClient(peer.url, "token", state=state)
    try:
        # The restored history stands behind the device: c_old at 2, the user stream at 2.
        first, hello = await connect_through(client, peer, epoch="e-restored", user_seq=2, convs={"c_old": 2})
        assert hello.epoch == "e-before-restore"  # the SDK could not know before the welcome
        assert (state.epoch, state.user_seq, state.convs) == ("e-restored", 2, {"c_old": 2})
        await first.send(message_event("c_old", 3, "after the restore"))
        event = await next_message(client)  # seq 3 <= the old position 7, yet new: handed over
        assert (event.seq, event.data["message"]["text"]) == (3, "after the restore")
        await first.close(1012)
        second = await peer.next_connection()
        hello = await second.next(Hello)
        assert (hello.epoch, hello.user_seq, hello.convs) == ("e-restored", 2, {"c_old": 3})
    finally:
        await client.close()


async def test_a_rate_limited_send_is_sent_again_after_the_hint_with_the_same_id(peer: ScriptedPeer) -> None:
    client = AxonClient(peer.url, "token")
    loop = asyncio.get_running_loop()
    try:
        connection, _ = await connect_through(client, peer, convs={"c_a": 0})
        pending = client.send_nowait("c_a", "not so fast", client_msg_id="k-limited")
        first = await connection.next(Send)
        refused_at = loop.time()
        await connection.send(s.error_frame("rate_limited", "Slow down.", send_id=first.id,
                                            details={"retry_after": 0.3}))
        again = await connection.next(Send)
        assert loop.time() - refused_at >= 0.3
        assert (again.id, again.conv, again.text) == ("k-limited", "c_a", "not so fast")
        assert not pending.done()  # a rate limit is no failure
        await connection.send(ack_for(again, 1))
        ack = await asyncio.wait_for(pending, 5)
        assert (ack.id, ack.seq, ack.duplicate) == ("k-limited", 1, False)
        assert client.connections == 1
    finally:
        await client.close()


@pytest.mark.parametrize(("code", "reason"), [(4001, "unauthenticated"), (4003, "device revoked")])
async def test_a_fatal_close_fails_the_unacked_sends_and_ends_the_client(
        peer: ScriptedPeer, code: int, reason: str) -> None:
    client = AxonClient(peer.url, "token", max_backoff=0.1)
    try:
        connection, _ = await connect_through(client, peer, convs={"c_a": 0})
        pending = client.send_nowait("c_a", "in flight")
        await connection.next(Send)
        await connection.close(code, reason)
        with pytest.raises(ClientClosed):
            await asyncio.wait_for(pending, 5)  # failed when the connection loop ended for good
        assert client.fatal == reason and len(peer.accepted_at) == 1
        with pytest.raises(ClientClosed):
            client.send_nowait("c_a", "after the end")
    finally:
        await client.close()


async def test_restart_closes_before_the_welcome_back_off_exponentially_up_to_the_cap(
        peer: ScriptedPeer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: high)  # jitter pinned at its widest: waits visible
    client = AxonClient(peer.url, "token", max_backoff=0.4)
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(client.connect(timeout=8))
            for _ in range(5):
                refused = await peer.next_connection()
                await refused.next(Hello)
                await refused.close(1012, "restarting")
            await (await peer.next_connection()).open_session()
        gaps = [b - a for a, b in zip(peer.accepted_at, peer.accepted_at[1:], strict=False)]
        for gap, wait in zip(gaps, [0.05, 0.1, 0.2, 0.4, 0.4], strict=True):
            assert gap >= wait
        assert gaps[-1] < 0.4 + 0.35  # capped at max_backoff, not doubled again
        assert client.fatal is None and client.connections == 6
    finally:
        await client.close()


async def test_pings_go_out_every_heartbeat_interval_and_answered_ones_keep_the_connection(
        peer: ScriptedPeer) -> None:
    client = AxonClient(peer.url, "token")
    loop = asyncio.get_running_loop()
    try:
        connection, _ = await connect_through(client, peer, heartbeat=QUICK_HEARTBEAT)
        connection.answer_pings = True
        synced_at = loop.time()
        ping_times = []
        for _ in range(7):
            await connection.next(Ping)
            ping_times.append(loop.time())
        assert ping_times[-1] - ping_times[0] >= 0.5  # one per interval (0.1 s), not a flood
        assert ping_times[-1] - synced_at > QUICK_HEARTBEAT[1]  # past the timeout, kept alive by the pongs
        assert len(peer.accepted_at) == 1 and client.live
    finally:
        await client.close()


async def test_a_server_gone_silent_is_dropped_after_the_timeout_and_the_send_retried(
        peer: ScriptedPeer) -> None:
    client = AxonClient(peer.url, "token", max_backoff=0.1)
    loop = asyncio.get_running_loop()
    try:
        before_last_word = loop.time()  # the peer's last frame (synced) reaches the SDK after this
        silent, _ = await connect_through(client, peer, convs={"c_a": 0}, heartbeat=QUICK_HEARTBEAT)
        pending = client.send_nowait("c_a", "anyone there?", client_msg_id="k-silent")
        await silent.next(Send)  # received, never acked; pings are never answered
        second = await peer.next_connection()
        assert peer.accepted_at[1] - before_last_word >= QUICK_HEARTBEAT[1]
        assert any(isinstance(frame, Ping) for frame in silent.received)  # the SDK kept beating meanwhile
        await second.open_session(convs={"c_a": 1}, heartbeat=QUICK_HEARTBEAT)
        again = await second.next(Send)
        assert (again.id, again.text) == ("k-silent", "anyone there?")
        await second.send(ack_for(again, 1, duplicate=True))
        ack = await asyncio.wait_for(pending, 5)
        assert ack.duplicate and ack.message_id == "m_c_a_1"
    finally:
        await client.close()


async def test_a_server_that_never_welcomes_is_dropped_after_the_timeout(peer: ScriptedPeer) -> None:
    client = AxonClient(peer.url, "token", max_backoff=0.1)
    try:
        first, _ = await connect_through(client, peer, heartbeat=QUICK_HEARTBEAT)
        await first.close(1012, "restarting")
        mute = await peer.next_connection()
        await mute.next(Hello)  # accepted, then nothing: a hung node
        third = await peer.next_connection()
        assert peer.accepted_at[2] - peer.accepted_at[1] >= QUICK_HEARTBEAT[1]
        await third.open_session(heartbeat=QUICK_HEARTBEAT)
        await client.wait_synced(5)
        assert client.connections == 3 and client.fatal is None
    finally:
        await client.close()


async def test_frames_of_unknown_types_and_unknown_fields_are_ignored(peer: ScriptedPeer) -> None:
    client = AxonClient(peer.url, "token")
    try:
        connection, _ = await connect_through(client, peer, convs={"c_a": 0})
        await connection.send(codec.encode({"t": "sparkle", "conv": "c_a", "seq": 1}))  # a newer server's frame
        newer_event = {**codec.decode(s.encode_frame(message_event("c_a", 1, "still readable"))), "importance": "high"}
        await connection.send(codec.encode(newer_event))
        event = await client.next_event(5)
        assert (event.kind, event.seq, event.data["message"]["text"]) == ("event", 1, "still readable")
        assert client.live and len(peer.accepted_at) == 1
    finally:
        await client.close()


async def test_a_frame_that_is_not_json_is_skipped_and_the_connection_kept(peer: ScriptedPeer) -> None:
    client = AxonClient(peer.url, "token")
    try:
        connection, _ = await connect_through(client, peer, convs={"c_a": 0})
        await connection.send(b"\x00 not json {", b"[1, 2]", b'"a string"')
        await connection.send(message_event("c_a", 1, "after the garbage"))
        event = await client.next_event(5)
        assert (event.seq, event.data["message"]["text"]) == (1, "after the garbage")
        assert client.live and client.fatal is None and len(peer.accepted_at) == 1
    finally:
        await client.close()
