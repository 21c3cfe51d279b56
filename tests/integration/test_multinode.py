"""Two nodes behind one database and a Redis bus: any node serves any user, and a node's death
loses nothing (its clients resume on the other)."""

from __future__ import annotations

import os

import pytest

from axon.client import ClientState, RestApi
from tests.support.checker import DeviceLog, check_delivery
from tests.support.people import admin_rest, eventually, new_person
from tests.support.server import ServerProcess

REDIS_URL = os.environ.get("AXON_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def two_nodes(tmp_path):
    first = ServerProcess(tmp_path / "a", env={"AXON_REDIS_URL": REDIS_URL}).start()
    # The second node shares the first one's database (SQLite file or PostgreSQL database).
    url = first.database_url or f"sqlite:///{tmp_path / 'a' / 'axon.db'}"
    second = ServerProcess(tmp_path / "b", database_url=url, env={"AXON_REDIS_URL": REDIS_URL}).start()
    yield first, second
    first.kill()
    second.kill()


async def test_users_on_different_nodes_chat_and_survive_a_node_dying(two_nodes) -> None:
    node_a, node_b = two_nodes
    admin = await admin_rest(node_a.url)
    ann, bob = [await new_person(node_a.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Across nodes", [bob.id])
    start = conv["last_seq"]
    ann_client = await ann.client(node_a.url, state=ClientState(convs={conv["id"]: start})).connect()
    bob_client = await bob.client(node_b.url, state=ClientState(convs={conv["id"]: start}),
                                  max_backoff=0.3).connect()
    logs = [DeviceLog("ann"), DeviceLog("bob")]
    try:
        acks = [await ann_client.send(conv["id"], f"hello {i}") for i in range(20)]

        async def bob_has(seq: int) -> bool:
            logs[1].drain(bob_client)
            return bool(logs[1].events[conv["id"]]) and logs[1].events[conv["id"]][-1]["seq"] >= seq

        await eventually(lambda: bob_has(acks[-1].seq))  # pushed live through Redis, not polled
        node_b.kill()
        bob_client.base_url = node_a.url  # a load balancer would send bob to the surviving node
        bob_client.rest.base_url = node_a.url
        acks += [await ann_client.send(conv["id"], f"after {i}") for i in range(20)]
        await eventually(lambda: bob_has(acks[-1].seq), timeout=20)
        logs[0].drain(ann_client)
        check_delivery({conv["id"]: {a.message_id for a in acks}}, logs, {conv["id"]: start})
    finally:
        await ann_client.close()
        await bob_client.close()


async def test_a_device_revoked_on_one_node_is_refused_by_the_others(two_nodes) -> None:
    from axon.client import ApiError, RestApi
    from tests.support.people import new_device

    node_a, node_b = two_nodes
    admin = await admin_rest(node_a.url)
    ann = await new_person(node_a.url, admin)
    phone = RestApi(node_b.url, await new_device(node_a.url, ann))
    await phone.me()  # node B has now verified (and cached) the phone's token
    phone_id = next(d["id"] for d in await ann.rest.devices() if not d["current"])
    await ann.rest.revoke_device(phone_id)  # on node A

    async def refused_by_b() -> bool:
        try:
            await phone.me()
        except ApiError as exc:
            return exc.status == 401
        return False

    await eventually(refused_by_b, timeout=5)


@pytest.fixture
def nodes_without_a_shared_bus(tmp_path):
    node_a = ServerProcess(tmp_path / "a", env={"AXON_RECONCILE_INTERVAL": "0.3"}).start()
    url = node_a.database_url or f"sqlite:///{tmp_path / 'a' / 'axon.db'}"
    node_b = ServerProcess(tmp_path / "b", database_url=url).start()
    yield node_a, node_b
    node_a.kill()
    node_b.kill()


async def test_a_lost_bus_message_still_reaches_live_sessions(nodes_without_a_shared_bus) -> None:
    """Node B shares node A's database but not its bus, so A never hears of B's commits: the
    worst case of a lost bus message. A's periodic reconciliation must deliver them anyway."""
    node_a, node_b = nodes_without_a_shared_bus
    admin = await admin_rest(node_a.url)
    ann, bob = [await new_person(node_a.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Quiet", [bob.id])
    bob_client = await bob.client(node_a.url).connect()
    ann_on_b = RestApi(node_b.url, ann.token)
    sent = (await ann_on_b.send(conv["id"], "lost-1", "nobody told node A"))["message"]

    async def delivered() -> bool:
        while not bob_client._events.empty():  # noqa: SLF001
            event = bob_client._events.get_nowait()  # noqa: SLF001
            if event.type == "message.new" and event.seq == sent["seq"]:
                return True
        return False

    await eventually(delivered, timeout=10)
    await bob_client.close()


async def test_a_wipe_ordered_on_one_node_closes_the_device_on_another_with_4004(two_nodes) -> None:
    import asyncio

    import websockets

    from tests.support.people import new_device

    node_a, node_b = two_nodes
    admin = await admin_rest(node_a.url)
    ann = await new_person(node_a.url, admin)
    phone = await new_device(node_a.url, ann)
    async with websockets.connect(node_b.url.replace("http", "ws") + "/api/v1/ws") as ws:
        await ws.send(f'{{"t":"hello","token":"{phone}"}}')
        while '"synced"' not in await asyncio.wait_for(ws.recv(), 10):
            pass
        phone_id = next(d["id"] for d in await ann.rest.devices() if not d["current"])
        await admin.request("POST", f"/admin/users/{ann.id}/devices/{phone_id}/wipe")  # on node A
        await asyncio.wait_for(ws.wait_closed(), 5)
        assert ws.close_code == 4004
