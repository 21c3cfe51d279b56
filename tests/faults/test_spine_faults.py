"""The event spine's durable consumers survive ``kill -9``: every committed event counted exactly once.

The ``org_activity`` consumer moves its cursor and writes its counts in one
transaction. The node is killed twice while sends, thread replies and reactions
are being committed and the consumer is working through them; after the restarts
the counts must equal what the event log says was committed — a skipped page
would leave them short, a page applied twice would leave them over, forever.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from axon.client import ClientState, RestApi
from tests.support.people import Person, admin_rest, eventually, new_person
from tests.support.server import ServerProcess

COUNTED = {"message.new": "messages", "reaction.added": "reactions", "member.joined": "joins"}


async def _committed_counts(reader: RestApi, conversation_ids: list[str]) -> Counter[str]:
    """What the event logs hold, classified as the consumer classifies it."""
    counts: Counter[str] = Counter()
    for conversation_id in conversation_ids:
        after = 0
        while True:
            page = await reader.events(conversation_id, after_seq=after, limit=500)
            for event in page["items"]:
                field = COUNTED.get(event["type"])
                if field == "messages" and event["data"]["message"]["reply_to"]:
                    field = "replies"
                if field:
                    counts[field] += 1
            if page["next_after_seq"] is None:
                break
            after = page["next_after_seq"]
    return counts


async def _reported_counts(admin: RestApi) -> Counter[str]:
    # Two days: the test may run across midnight UTC.
    days = await admin.request("GET", "/admin/activity", params={"days": 2})
    counts: Counter[str] = Counter()
    for day in days:
        for field in ("messages", "replies", "reactions", "joins"):
            counts[field] += day[field]
    return +counts


async def test_activity_counts_every_committed_event_once_across_kills(fresh_server: ServerProcess) -> None:
    admin = await admin_rest(fresh_server.url)
    people: list[Person] = [await new_person(fresh_server.url, admin) for _ in range(3)]
    group = await people[0].rest.create_conversation("group", "Spine", [p.id for p in people[1:]])
    channel = await people[0].rest.create_conversation("channel", "spine-channel", [people[1].id])
    # Every account joins #general when it is created: those joins are committed (and counted) too.
    general = [c["id"] for c in await admin.request("GET", "/admin/default-channels")]
    conversations = [group["id"], channel["id"], *general]
    root = await people[0].rest.send(group["id"], "root-1", "thread root")
    clients = [p.client(fresh_server.url, state=ClientState(), max_backoff=0.2) for p in people[:2]]
    for client in clients:
        await client.connect()
    futures = []
    try:
        for round_ in range(8):
            for i, client in enumerate(clients):
                for k in range(20):
                    conv = conversations[(round_ + k) % 2]
                    reply_to = root["message"]["id"] if conv == group["id"] and k % 5 == 0 else None
                    futures.append(client.send_nowait(conv, f"r{round_} c{i} m{k}", reply_to=reply_to))
            if round_ in (2, 5):
                await asyncio.sleep(0.01)  # let part of the round commit while the consumer works on it
                fresh_server.kill()  # SIGKILL: the consumer may be mid-page
                fresh_server.start()
                await people[2].rest.react(group["id"], root["message"]["id"], f"{round_}\N{PARTY POPPER}")
            await asyncio.sleep(0)
        acks = await asyncio.wait_for(asyncio.gather(*futures), 90)
        assert len({a.message_id for a in acks}) == len(acks) == 320
        expected = await _committed_counts(people[0].rest, conversations)
        assert expected["messages"] + expected["replies"] == 321  # the acked sends and the root, once each
        assert expected["reactions"] == 2

        async def caught_up() -> bool:
            return await _reported_counts(admin) == expected

        await eventually(caught_up, timeout=30)
    finally:
        for client in clients:
            await client.close()
        await admin.close()
