"""Fault injection: the delivery guarantees hold through crashes, network cuts, races and long absences.

After each scenario the checker asserts that every acked message reached every
member device exactly once, in seq order, with no gap, and that no message was
stored twice (tests/support/checker.py).
"""

from __future__ import annotations

import asyncio
import random

from axon.client import AxonClient, ClientState
from tests.support.checker import DeviceLog, check_delivery
from tests.support.people import Person, admin_rest, eventually, new_person
from tests.support.proxy import ChaosProxy
from tests.support.server import ServerProcess


async def _group(server: ServerProcess, size: int) -> tuple[list[Person], dict]:
    admin = await admin_rest(server.url)
    people = [await new_person(server.url, admin) for _ in range(size)]
    conv = await people[0].rest.create_conversation("group", "Faults", [p.id for p in people[1:]])
    return people, conv


async def _drain_until_complete(clients: list[AxonClient], logs: list[DeviceLog], conv: str, last_seq: int,
                                timeout: float = 60.0) -> None:
    async def complete() -> bool:
        for client, log in zip(clients, logs, strict=True):
            log.drain(client)
        return all(log.events[conv] and log.events[conv][-1]["seq"] >= last_seq for log in logs)

    await eventually(complete, timeout=timeout)


async def _last_seq(person: Person, conv: str) -> int:
    return int((await person.rest.conversation(conv))["last_seq"])


async def test_server_killed_and_restarted_mid_stream(fresh_server: ServerProcess) -> None:
    people, conv = await _group(fresh_server, 4)
    start = conv["last_seq"]
    clients = [p.client(fresh_server.url, state=ClientState(convs={conv["id"]: start}), max_backoff=0.3)
               for p in people]
    for client in clients:
        await client.connect()
    logs = [DeviceLog(p.user["username"]) for p in people]
    senders = clients[:3]
    futures: list[tuple[str, asyncio.Future]] = []
    try:
        for round_ in range(6):
            for i, sender in enumerate(senders):
                for j in range(15):
                    futures.append((sender.user["id"], sender.send_nowait(conv["id"], f"r{round_} s{i} m{j}")))
            if round_ == 2:
                fresh_server.kill()  # SIGKILL with sends in flight: some acked, some not
                fresh_server.start()
            await asyncio.sleep(0)
        acks = await asyncio.wait_for(asyncio.gather(*(f for _, f in futures)), 60)
        assert len({a.message_id for a in acks}) == len(acks) == 270
        last = await _last_seq(people[0], conv["id"])
        assert last == start + 270  # every send stored exactly once: one seq each, none twice
        await _drain_until_complete(clients, logs, conv["id"], last)
        check_delivery({conv["id"]: {a.message_id for a in acks}}, logs, {conv["id"]: start})
        assert all(c.connections >= 2 for c in clients)
    finally:
        for client in clients:
            await client.close()


async def test_network_cuts_during_sends_lose_and_duplicate_nothing(fresh_server: ServerProcess) -> None:
    people, conv = await _group(fresh_server, 3)
    proxy = await ChaosProxy(fresh_server.port).start()
    start = conv["last_seq"]
    clients = [p.client(proxy.url, state=ClientState(convs={conv["id"]: start}), max_backoff=0.2) for p in people]
    for client in clients:
        await client.connect()
    logs = [DeviceLog(p.user["username"]) for p in people]
    rng = random.Random(7)
    futures = []
    try:
        for burst in range(10):
            for i, sender in enumerate(clients):
                futures += [sender.send_nowait(conv["id"], f"b{burst} c{i} {k}") for k in range(10)]
            await asyncio.sleep(rng.uniform(0, 0.02))  # let part of the burst reach the server
            proxy.cut_all()  # acks in flight are lost; the SDK retries with the same ids
        acks = await asyncio.wait_for(asyncio.gather(*futures), 60)
        assert len({a.message_id for a in acks}) == 300
        last = await _last_seq(people[0], conv["id"])
        assert last == start + 300  # nothing stored twice: exactly one seq per message
        await _drain_until_complete(clients, logs, conv["id"], last)
        check_delivery({conv["id"]: {a.message_id for a in acks}}, logs, {conv["id"]: start})
    finally:
        for client in clients:
            await client.close()
        await proxy.close()


async def test_many_concurrent_senders_in_one_conversation(fresh_server: ServerProcess) -> None:
    people, conv = await _group(fresh_server, 12)
    start = conv["last_seq"]
    clients = [p.client(fresh_server.url, state=ClientState(convs={conv["id"]: start})) for p in people]
    await asyncio.gather(*(c.connect() for c in clients))
    logs = [DeviceLog(p.user["username"]) for p in people]
    try:
        submitted = [(i, c.send_nowait(conv["id"], f"{n} from {i}")) for n in range(40) for i, c in enumerate(clients)]
        acks = await asyncio.wait_for(asyncio.gather(*(f for _, f in submitted)), 60)
        assert sorted(a.seq for a in acks) == list(range(start + 1, start + 1 + len(acks)))
        for i in range(len(clients)):  # each device's messages are stored in the order it sent them
            mine = [ack.seq for (sender, _), ack in zip(submitted, acks, strict=True) if sender == i]
            assert mine == sorted(mine)
        await _drain_until_complete(clients, logs, conv["id"], start + len(acks))
        check_delivery({conv["id"]: {a.message_id for a in acks}}, logs, {conv["id"]: start})
    finally:
        for client in clients:
            await client.close()


async def test_devices_offline_while_hundreds_of_messages_arrive(fresh_server: ServerProcess) -> None:
    people, conv = await _group(fresh_server, 3)
    other = await people[0].rest.create_conversation("group", "Second", [p.id for p in people[1:]])
    start = {conv["id"]: conv["last_seq"], other["id"]: other["last_seq"]}
    states = {p.id: ClientState(convs=dict(start)) for p in people[1:]}
    sender = await people[0].client(fresh_server.url).connect()
    try:
        acked: dict[str, set[str]] = {conv["id"]: set(), other["id"]: set()}
        for batch in range(4):
            acks = await asyncio.gather(*[sender.send(c, f"{batch}:{n}") for n in range(60) for c in acked])
            for ack in acks:
                acked[ack.conv].add(ack.message_id)
        # The offline devices come back with the positions they stored before going away.
        logs, clients = [], []
        for person in people[1:]:
            client = person.client(fresh_server.url, state=states[person.id])
            clients.append(client)
            logs.append(DeviceLog(person.user["username"]))
            await client.connect()
        for conv_id in acked:
            await _drain_until_complete(clients, logs, conv_id, start[conv_id] + 240)
        check_delivery(acked, logs, start)
        for client in clients:
            await client.close()
    finally:
        await sender.close()
