"""The SDK speaks the protocol's own frames: what it sends decodes to the struct it meant, and what it
receives reaches the application as the same plain-JSON ``Event`` records as before."""

from __future__ import annotations

import asyncio
import json

import msgspec
import pytest

from axon.client import Ack, AxonClient, ClientState
from axon.protocol import server
from axon.protocol.client import Delivered, Hello, Presence, PresenceSub, Read, Send, Typing, decode_client_frame


class RecordingSocket:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.got_one = asyncio.Event()

    async def send(self, text: str) -> None:
        self.sent.append(text)
        self.got_one.set()


def client_with_socket(state: ClientState | None = None) -> tuple[AxonClient, RecordingSocket]:
    client = AxonClient("http://axon.test", "tok", state=state)
    socket = RecordingSocket()
    client._ws = socket  # type: ignore[assignment]  # noqa: SLF001 - the SDK's socket, faked
    return client, socket


async def test_frames_the_sdk_sends_decode_to_the_same_structs() -> None:
    client, socket = client_with_socket()
    await client.mark_read("c_1", 17)
    await client.typing("c_1")
    await client.watch_presence(["u_1", "u_2"])
    await client.set_presence("away")
    decoded = [decode_client_frame(text) for text in socket.sent]
    assert decoded == [Read("c_1", 17), Typing("c_1"), PresenceSub(["u_1", "u_2"]), Presence("away")]
    await client.rest.close()


async def test_a_send_is_queued_as_a_send_frame_keeping_its_id() -> None:
    client, _ = client_with_socket()
    client.send_nowait("c_1", "Hi", client_msg_id="k1")
    client.send_nowait("c_1", "re", reply_to="m_1", client_msg_id="k2")
    frames = [decode_client_frame(p.frame) for p in client._outbox.values()]  # noqa: SLF001
    assert frames == [Send("k1", "c_1", "Hi"), Send("k2", "c_1", "re", "m_1")]
    assert json.loads(client._outbox["k1"].frame) == {"t": "send", "id": "k1", "conv": "c_1", "text": "Hi"}  # noqa: SLF001
    await client.close()


@pytest.mark.parametrize(("state", "expected"), [
    (ClientState(), Hello(token="tok", client="axon-python-sdk")),
    (ClientState(user_seq=0, convs={"c_1": 4}, epoch="e1"),
     Hello(token="tok", user_seq=0, convs={"c_1": 4}, epoch="e1", client="axon-python-sdk")),
])
async def test_hello_carries_the_positions_and_leaves_out_user_seq_without_state(
    state: ClientState, expected: Hello
) -> None:
    client, _ = client_with_socket(state)
    wire = msgspec.json.encode(client._hello())  # noqa: SLF001
    assert decode_client_frame(wire) == expected
    assert ("user_seq" in json.loads(wire)) is (state.user_seq is not None)
    await client.rest.close()


async def test_delivered_reports_are_delivered_frames() -> None:
    client, socket = client_with_socket()
    client._delivered_convs = {"c_1"}  # noqa: SLF001
    client._tracker.applied["c_1"] = 5  # noqa: SLF001
    client._delivered_dirty.set()  # noqa: SLF001
    flushing = asyncio.create_task(client._flush_delivered(socket))  # type: ignore[arg-type]  # noqa: SLF001
    await asyncio.wait_for(socket.got_one.wait(), 5)
    flushing.cancel()
    assert decode_client_frame(socket.sent[0]) == Delivered({"c_1": 5})
    await client.rest.close()


def wire(frame: server.ServerFrame) -> bytes:
    return server.encode_frame(frame)


async def test_events_reach_the_application_as_plain_json_records() -> None:
    client, _ = client_with_socket(ClientState(user_seq=0, convs={"c_1": 0}))
    event = server.Event("c_1", 1, "message.new", "2026-11-26T17:10:05.123Z", "u_1",
                         msgspec.Raw(b'{"message":{"id":"m_1"}}'))
    user_event = server.UserEventFrame(1, "read_marker", "2026-11-26T17:10:05.123Z",
                                       msgspec.Raw(b'{"conversation_id":"c_1","seq":1}'))
    for frame in [event, server.Batch(user_events=[msgspec.Raw(wire(user_event))]), server.Typing("c_1", "u_2"),
                  server.error_frame("forbidden", "No.", ref="r1")]:
        await client._handle(wire(frame))  # noqa: SLF001
    got = [client._events.get_nowait() for _ in range(4)]  # noqa: SLF001
    assert (got[0].kind, got[0].type, got[0].conv, got[0].seq) == ("event", "message.new", "c_1", 1)
    assert got[0].data == {"message": {"id": "m_1"}} and got[0].frame == json.loads(wire(event))
    assert (got[1].kind, got[1].seq, got[1].data) == ("user_event", 1, {"conversation_id": "c_1", "seq": 1})
    assert got[1].frame == json.loads(wire(user_event))
    assert got[2].kind == "typing" and got[2].data == got[2].frame == {"t": "typing", "conv": "c_1", "user_id": "u_2"}
    assert got[3].kind == "error" and got[3].data == {"code": "forbidden", "message": "No."}
    assert got[3].frame == {"t": "error", "error": {"code": "forbidden", "message": "No."}, "ref": "r1"}
    await client.rest.close()


async def test_a_frame_type_from_a_newer_server_is_ignored() -> None:
    client, _ = client_with_socket()
    await client._handle(b'{"t":"something_new","x":1}')  # noqa: SLF001
    assert client._events.empty()  # noqa: SLF001
    await client.rest.close()


async def test_an_ack_resolves_the_send_with_the_ack_record() -> None:
    client, _ = client_with_socket()
    pending = client.send_nowait("c_1", "Hi", client_msg_id="k1")
    await client._handle(wire(server.Ack("k1", "m_1", "c_1", 3, "2026-01-01T00:00:00.000Z", False)))  # noqa: SLF001
    assert await pending == Ack("k1", "m_1", "c_1", 3, "2026-01-01T00:00:00.000Z", False)
    await client.close()
