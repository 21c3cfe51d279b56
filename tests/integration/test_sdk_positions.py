"""The SDK keeps its user-stream position the way the protocol defines it: a new device asks for no
replay, and a device that has applied nothing yet (position 0) gets every user event it missed."""

from __future__ import annotations

import asyncio

from axon.client import AxonClient, ClientState
from axon.client.realtime import Event
from tests.support.people import admin_rest, new_person, without_default_channels
from tests.support.server import ServerProcess


async def _next_user_event(client: AxonClient, kind: str, timeout: float = 10.0) -> Event:
    async def find() -> Event:
        async for event in client.events():
            if event.kind == "user_event" and event.type == kind:
                return event
        raise AssertionError("the event stream ended")

    return await asyncio.wait_for(find(), timeout)


async def test_a_device_at_position_zero_gets_the_user_events_it_missed(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    await without_default_channels(admin)  # a brand-new user's stream starts empty
    ann, bob = await new_person(server.url, admin), await new_person(server.url, admin)
    state = ClientState()
    client = ann.client(server.url, state=state)
    await client.connect()
    assert state.user_seq == 0  # a new user: nothing in the stream yet; the welcome said so
    await client.close()

    group = await bob.rest.create_conversation("group", "While you were away", [ann.id])  # user event 1 for ann
    client = ann.client(server.url, state=state)
    try:
        await client.connect()
        joined = await _next_user_event(client, "conversation.joined")
        assert joined.seq == 1 and joined.data["conversation"]["id"] == group["id"]
        assert state.user_seq == 1
        assert group["id"] in client.conversations
    finally:
        await client.close()


async def test_a_new_device_starts_where_the_stream_stands_without_replay(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    await without_default_channels(admin)  # a brand-new user's stream starts empty
    ann, bob = await new_person(server.url, admin), await new_person(server.url, admin)
    for i in range(3):
        await bob.rest.create_conversation("group", f"Earlier {i}", [ann.id])
    state = ClientState()
    assert state.user_seq is None
    client = ann.client(server.url, state=state)
    try:
        await client.connect()
        assert state.user_seq == 3  # from the welcome, not from a replay
        later = await bob.rest.create_conversation("group", "Later", [ann.id])
        joined = await _next_user_event(client, "conversation.joined")  # the first user event it is handed
        assert (joined.seq, joined.data["conversation"]["id"]) == (4, later["id"])
    finally:
        await client.close()
