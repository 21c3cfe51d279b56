"""Meeting times → event hints over a real node (AI helpers, docs/ai/events.md): the ``event_hints``
durable consumer reads a Chinese message in its sender's time zone and sends ``ai.event_hint`` to the
author and the people it addresses, nobody else; an edit without the time sends ``hint: null``, a
delete erases; an organisation with the switch off gets nothing and the REST answers
``module_disabled``; ``GET /conversations/{cid}/event-hints`` lists hints to their people only; a
``kill -9`` loses no hint (the consumer's durable cursor)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from axon.client import ApiError, RestApi
from tests.integration.test_realtime import Raw
from tests.support.at_rest import run_sql
from tests.support.people import Person, admin_rest, eventually, new_person, without_default_channels
from tests.support.server import ServerProcess

_ids = itertools.count()
SHANGHAI = ZoneInfo("Asia/Shanghai")
HINTS_ON = {"AXON_EVENT_HINTS": "1"}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("hints"), env=HINTS_ON).start()
    yield proc
    proc.stop()


async def send(person: Person, conv: str, text: str) -> dict[str, Any]:
    answer: dict[str, Any] = await person.rest.request(
        "POST", f"/conversations/{conv}/messages", {"client_msg_id": f"eh-{next(_ids)}", "text": text})
    return answer["message"]


async def hint_for(raw: Raw, message_id: str) -> dict[str, Any]:
    """The next ``ai.event_hint`` about ``message_id`` on this connection (its data)."""
    while True:
        frame = await raw.until("user_event", timeout=60)  # the first waits for the models to load
        if frame["type"] == "ai.event_hint" and frame["data"]["message_id"] == message_id:
            return dict(frame["data"])


async def listed(rest: RestApi, conv: str, **query: int) -> list[dict[str, Any]]:
    page = await rest.request("GET", f"/conversations/{conv}/event-hints", params=query)
    return list(page["hints"])


async def hint_events_of(person: Person) -> list[dict[str, Any]]:
    page = await person.rest.request("GET", "/sync/user-events?limit=1000")
    return [f for f in page["items"] if f["type"] == "ai.event_hint"]


def tomorrow_at(sent: dict[str, Any], hour: int, zone: ZoneInfo, minute: int = 0) -> str:
    """``hour``:``minute`` on the day after the message's send day, in ``zone``, as the wire writes it (UTC, ms)."""
    written = datetime.fromisoformat(sent["created_at"].replace("Z", "+00:00")).astimezone(zone)
    local = datetime.combine(written.date() + timedelta(days=1), time(hour, minute), tzinfo=zone)
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def positions(node: ServerProcess) -> tuple[int, int]:
    """The outbox's last position and the ``event_hints`` consumer's cursor, read from the node's database."""
    (last,), = await run_sql(node, "SELECT value FROM counters WHERE name = 'event_log'")
    (cursor,), = await run_sql(node, "SELECT pos FROM spine_cursors WHERE name = 'event_hints'")
    return int(last), int(cursor)


async def consumer_passed(node: ServerProcess, position: int) -> None:
    async def passed() -> bool:
        return (await positions(node))[1] >= position

    await eventually(passed, timeout=60)


async def people(node: ServerProcess, count: int) -> tuple[RestApi, list[Person]]:
    admin = await admin_rest(node.url)
    await without_default_channels(admin)
    found = [await new_person(node.url, admin) for _ in range(count)]
    await found[0].rest.request("PATCH", "/me", {"timezone": "Asia/Shanghai"})
    return admin, found


async def test_a_chinese_meeting_time_reaches_the_author_and_the_mentioned_in_the_senders_zone(
        node: ServerProcess) -> None:
    _, crowd = await people(node, 22)
    ann, bob, carol = crowd[:3]
    channel = (await ann.rest.create_conversation("channel", f"big-{next(_ids)}", [p.id for p in crowd[1:]]))["id"]
    raws = [(await Raw.open(node, p.token))[0] for p in (ann, bob)]
    try:
        sent = await send(ann, channel, f"明天下午三点开会 @{bob.user['username']}")
        expected = {"conversation_id": channel, "message_id": sent["id"], "hint": {
            "title": "开会", "start": tomorrow_at(sent, 15, SHANGHAI),
            "end": tomorrow_at(sent, 15, SHANGHAI, minute=30),
            "time_zone": "Asia/Shanghai", "all_day": False, "participants": [ann.id, bob.id]}}
        for raw in raws:
            assert await hint_for(raw, sent["id"]) == expected
        # Carol, a third member of this 22-member channel, was not addressed: nothing in her stream
        # (her events would have been written in the same transaction as theirs).
        assert await hint_events_of(carol) == []
        assert await listed(carol.rest, channel) == []
        assert await listed(bob.rest, channel) == [{"message_id": sent["id"], "seq": sent["seq"],
                                                    "hint": expected["hint"]}]
        assert await listed(bob.rest, channel, after_seq=sent["seq"]) == []
        assert await listed(bob.rest, channel, before_seq=sent["seq"]) == []

        # An edit that drops the time withdraws the hint from both; a delete of another hint erases it.
        await ann.rest.request("PATCH", f"/conversations/{channel}/messages/{sent['id']}", {"text": "会议取消了"})
        for raw in raws:
            assert (await hint_for(raw, sent["id"]))["hint"] is None
        assert await listed(ann.rest, channel) == []
        again = await send(ann, channel, f"@{bob.user['username']} 后天上午10点再约")
        for raw in raws:
            assert (await hint_for(raw, again["id"]))["hint"]["start"] is not None
        await ann.rest.request("DELETE", f"/conversations/{channel}/messages/{again['id']}")
        for raw in raws:
            assert (await hint_for(raw, again["id"]))["hint"] is None
        assert await listed(bob.rest, channel) == []
    finally:
        for raw in raws:
            await raw.close()


async def test_without_a_mention_a_direct_conversation_and_a_small_group_are_addressed(node: ServerProcess) -> None:
    _, (ann, bob, carol, dave) = await people(node, 4)
    direct = (await ann.rest.direct(bob.id))["id"]
    group = (await ann.rest.create_conversation("group", "Small", [bob.id, carol.id]))["id"]
    raw = (await Raw.open(node, bob.token))[0]
    try:
        in_direct = await send(ann, direct, "let's sync tomorrow at 3pm")
        hint = (await hint_for(raw, in_direct["id"]))["hint"]
        assert hint["participants"] == [ann.id, bob.id] and hint["title"] == "sync"
        assert hint["start"] == tomorrow_at(in_direct, 15, SHANGHAI)  # ann's zone, although she wrote English
        in_group = await send(ann, group, "Design review 3-4pm tomorrow")
        hint = (await hint_for(raw, in_group["id"]))["hint"]
        assert hint["participants"] == [ann.id, bob.id, carol.id]
        assert hint["end"] == tomorrow_at(in_group, 16, SHANGHAI)
        assert [h["message_id"] for h in await listed(carol.rest, group)] == [in_group["id"]]
        assert [f["data"]["message_id"] for f in await hint_events_of(carol)] == [in_group["id"]]
        with pytest.raises(ApiError) as refused:  # dave is no member
            await listed(dave.rest, group)
        assert refused.value.status in (403, 404)
        # Numbers that are no meeting time give no hint: the next message's hint comes first.
        plain = await send(ann, direct, "1:1 with Alice, v1.2 costs $12.50")
        later = await send(ann, direct, "standup at 9:30 tomorrow")
        assert (await hint_for(raw, later["id"]))["hint"]["title"] == "standup"
        assert plain["id"] not in [h["message_id"] for h in await listed(bob.rest, direct)]
    finally:
        await raw.close()


async def test_an_organisation_with_event_suggestions_off_gets_no_hint_and_the_rest_refuses(
        node: ServerProcess) -> None:
    admin, (ann, bob) = await people(node, 2)
    direct = (await ann.rest.direct(bob.id))["id"]
    raw = (await Raw.open(node, bob.token))[0]
    await admin.request("PATCH", "/admin/org/policy", {"ai_event_suggestions": False})
    try:
        off = await send(ann, direct, "明天下午三点开会")
        with pytest.raises(ApiError) as refused:
            await listed(bob.rest, direct)
        assert refused.value.status == 403 and refused.value.code == "module_disabled"
        # The consumer decides when it reads the message: let it pass this one while still off.
        await consumer_passed(node, (await positions(node))[0])
    finally:
        await admin.request("PATCH", "/admin/org/policy", {"ai_event_suggestions": True})
    on = await send(ann, direct, "明天下午四点开会")
    try:
        assert (await hint_for(raw, on["id"]))["message_id"] == on["id"]
        # The consumer reads in commit order: the earlier message was passed over, not delayed.
        assert [h["message_id"] for h in await listed(bob.rest, direct)] == [on["id"]]
        assert off["id"] not in [f["data"]["message_id"] for f in await hint_events_of(bob)]
    finally:
        await raw.close()
    await admin.request("PATCH", "/admin/org/modules", {"ai_helpers": False})
    try:
        with pytest.raises(ApiError) as refused:
            await listed(bob.rest, direct)
        assert refused.value.code == "module_disabled"
    finally:
        await admin.request("PATCH", "/admin/org/modules", {"ai_helpers": True})


async def test_a_killed_node_loses_no_hint(tmp_path: Any) -> None:
    proc = ServerProcess(tmp_path / "node", env=HINTS_ON).start()
    try:
        _, (ann, bob) = await people(proc, 2)
        direct = (await ann.rest.direct(bob.id))["id"]
        sent = [await send(ann, direct, f"明天上午{h}点过一下第{h}版") for h in (9, 10, 11)]
        proc.kill()  # SIGKILL: whatever the consumer had not committed is redone from its cursor
        proc.start()

        async def all_there() -> bool:
            return [h["message_id"] for h in await listed(bob.rest, direct)] == [m["id"] for m in sent]

        await eventually(all_there, timeout=30)
        hints = await listed(bob.rest, direct)
        assert [h["hint"]["start"] for h in hints] == [tomorrow_at(m, h, SHANGHAI) for m, h in zip(sent, (9, 10, 11),
                                                                                                     strict=True)]
    finally:
        proc.kill()
