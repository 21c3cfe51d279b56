"""@axon reminders over real sockets: asked for in English or Chinese, stored with the answer,
listed and cancelled by their owner only, and delivered once when due — also with two nodes."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from axon.client import ApiError
from tests.support.assistant import answer_to, assistant_of, people, say
from tests.support.at_rest import opened_values, run_sql
from tests.support.people import Person, eventually
from tests.support.server import ServerProcess, nodes_sharing_a_database

FAST = {"AXON_REMINDER_INTERVAL": "0.2"}  # the delivery job looks every 0.2 s
SHANGHAI = ZoneInfo("Asia/Shanghai")
_ids = itertools.count()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("node"), env=FAST).start()
    yield proc
    proc.stop()


def at(wire: str) -> datetime:
    return datetime.fromisoformat(wire.replace("Z", "+00:00"))


async def set_reminder(person: Person, bot: dict[str, Any], request: str) -> tuple[str, dict[str, Any]]:
    """Ask @axon in its DM; the DM's id and the answer."""
    dm = (await person.rest.direct(bot["id"]))["id"]
    return dm, await answer_to(person, dm, await say(person, dm, request), bot["id"])


async def make_due(server: ServerProcess, reminder_id: str) -> None:
    """Move a reminder's due time a second into the past, as if its time had come."""
    # The value computed here: "= :now - 1000" made PostgreSQL type the parameter as a 32-bit integer.
    await run_sql(server, "UPDATE reminders SET due_at = :due WHERE id = :id",
                  due=int(datetime.now().timestamp() * 1000) - 1000, id=reminder_id)


async def message_with(person: Person, dm: str, client_msg_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    async def posted() -> bool:
        found[:] = [m for m in (await person.rest.history(dm, limit=100))["items"]
                    if m.get("client_msg_id") == client_msg_id]
        return bool(found)

    await eventually(posted, timeout=20)
    return found[0]


async def due_events(person: Person) -> list[dict[str, Any]]:
    page = await person.rest.request("GET", "/sync/user-events?limit=1000")
    return [e["data"]["reminder"] for e in page["items"] if e["type"] == "reminder.due"]


async def current_card(person: Person, dm: str, message_id: str) -> dict[str, Any]:
    return dict((await person.rest.request("GET", f"/conversations/{dm}/messages/{message_id}"))["card"])


async def test_in_two_hours_sets_a_reminder_listed_for_its_owner(server: ServerProcess) -> None:
    _, (ann,) = await people(server.url, 1)
    await ann.rest.update_me(timezone="Asia/Shanghai")
    bot = await assistant_of(ann)
    dm = (await ann.rest.direct(bot["id"]))["id"]
    question = await say(ann, dm, "remind me to send the report in 2 hours")
    answer = await answer_to(ann, dm, question, bot["id"])

    card = answer["card"]
    assert card["type"] == "assistant.reminder" and card["state"] == "scheduled" and card["about"] is None
    assert card["text"] == "send the report"
    expected = at(question["created_at"]) + timedelta(hours=2)
    assert abs(at(card["due_at"]) - expected) < timedelta(minutes=1)
    local = expected.astimezone(SHANGHAI)
    assert answer["text"].startswith("OK, I'll remind you on ")
    assert "(Asia/Shanghai): send the report" in answer["text"] and f"{local:%H:%M}" in answer["text"]

    listed = (await ann.rest.request("GET", "/reminders"))["items"]
    assert [(r["id"], r["text"], r["state"], r["time_zone"]) for r in listed] == [
        (card["reminder_id"], "send the report", "scheduled", "Asia/Shanghai")]


async def test_in_chinese_this_is_the_message_replied_to(server: ServerProcess) -> None:
    _, (ann, bob) = await people(server.url, 2)
    await ann.rest.update_me(timezone="Asia/Shanghai")
    bot = await assistant_of(ann)
    group = (await ann.rest.create_conversation("group", f"rm-zh-{next(_ids)}", [bob.id]))["id"]
    said = await say(bob, group, "周五之前把预算表发给财务")
    question = dict((await ann.rest.send(group, f"rmq{next(_ids)}", f"@{bot['username']} 明天早上9点提醒我这件事",
                                         reply_to=said["id"]))["message"])
    dm = (await ann.rest.direct(bot["id"]))["id"]
    answer = await answer_to(ann, dm, question, bot["id"])

    card = answer["card"]
    assert card["about"] == {"conversation_id": group, "message_id": said["id"], "seq": said["seq"]}
    assert card["text"] == "周五之前把预算表发给财务"
    asked_day = at(question["created_at"]).astimezone(SHANGHAI).date()
    assert at(card["due_at"]).astimezone(SHANGHAI) == datetime.combine(
        asked_day + timedelta(days=1), datetime.min.time().replace(hour=9), SHANGHAI)
    assert "好的，我会在" in answer["text"] and "09:00（Asia/Shanghai）" in answer["text"]

    relative = (await set_reminder(ann, bot, "两小时后提醒我交周报"))[1]["card"]
    assert relative["text"] == "交周报"
    ahead = at(relative["due_at"]) - at(answer["created_at"])
    assert timedelta(hours=1, minutes=59) < ahead < timedelta(hours=2, minutes=1)


async def test_without_a_time_it_asks_when_and_a_past_time_is_refused(server: ServerProcess) -> None:
    _, (ann,) = await people(server.url, 1)
    bot = await assistant_of(ann)
    asked = (await set_reminder(ann, bot, "remind me to water the plants"))[1]
    assert asked["card"] is None and asked["text"].startswith("When should I remind you?")
    past = (await set_reminder(ann, bot, "remind me yesterday at 5pm to water the plants"))[1]
    assert past["card"] is None and past["text"].startswith("That time has already passed")
    assert (await ann.rest.request("GET", "/reminders"))["items"] == []


async def test_a_due_reminder_is_delivered_once_in_the_dm(server: ServerProcess) -> None:
    _, (ann,) = await people(server.url, 1)
    bot = await assistant_of(ann)
    dm, answer = await set_reminder(ann, bot, "remind me to call the bank tomorrow at 10am")
    reminder_id = answer["card"]["reminder_id"]
    await make_due(server, reminder_id)

    delivered = await message_with(ann, dm, f"reminder-{reminder_id}")
    assert delivered["sender_id"] == bot["id"] and delivered["text"] == "⏰ Reminder: call the bank"
    assert delivered["card"]["state"] == "delivered" and delivered["card"]["reminder_id"] == reminder_id
    assert (await current_card(ann, dm, answer["id"]))["state"] == "delivered"
    await eventually(lambda: _has_due(ann, reminder_id))
    assert (await ann.rest.request("GET", "/reminders"))["items"] == []
    with pytest.raises(ApiError) as refused:
        await ann.rest.request("DELETE", f"/reminders/{reminder_id}")
    assert refused.value.status == 409 and refused.value.code == "already_delivered"


async def _has_due(person: Person, reminder_id: str) -> bool:
    return [r["id"] for r in await due_events(person)] == [reminder_id]


async def test_only_its_owner_cancels_and_a_cancelled_one_never_comes(server: ServerProcess) -> None:
    _, (ann, bob) = await people(server.url, 2)
    bot = await assistant_of(ann)
    dm, answer = await set_reminder(ann, bot, "remind me to renew the domain in 3 hours")
    reminder_id = answer["card"]["reminder_id"]
    with pytest.raises(ApiError) as refused:
        await bob.rest.request("DELETE", f"/reminders/{reminder_id}")
    assert refused.value.status == 404
    with pytest.raises(ApiError) as unknown:
        await ann.rest.request("DELETE", "/reminders/rm_nothing")
    assert unknown.value.status == 404

    await ann.rest.request("DELETE", f"/reminders/{reminder_id}")
    await ann.rest.request("DELETE", f"/reminders/{reminder_id}")  # again: no change, no error
    assert (await current_card(ann, dm, answer["id"]))["state"] == "cancelled"
    assert (await ann.rest.request("GET", "/reminders"))["items"] == []

    # Both due now; the other one's delivery shows that the job has been by the cancelled one.
    other = (await set_reminder(ann, bot, "remind me to pay rent in 4 hours"))[1]["card"]["reminder_id"]
    await make_due(server, reminder_id)
    await make_due(server, other)
    await message_with(ann, dm, f"reminder-{other}")
    assert [r["id"] for r in await due_events(ann)] == [other]
    assert (await current_card(ann, dm, answer["id"]))["state"] == "cancelled"


async def test_switched_off_the_endpoints_say_module_disabled(server: ServerProcess) -> None:
    admin, (ann,) = await people(server.url, 1)
    await admin.request("PATCH", "/admin/org/policy", {"ai_assistant": False})
    try:
        for method, path in (("GET", "/reminders"), ("DELETE", "/reminders/rm_any")):
            with pytest.raises(ApiError) as refused:
                await ann.rest.request(method, path)
            assert refused.value.status == 403 and refused.value.code == "module_disabled"
    finally:
        await admin.request("PATCH", "/admin/org/policy", {"ai_assistant": True})


async def test_two_nodes_deliver_each_reminder_once(tmp_path: Path) -> None:
    with nodes_sharing_a_database(tmp_path, {**FAST, "AXON_REMINDER_INTERVAL": "0.05"}) as (first, second):
        _, (ann,) = await people(first.url, 1)
        bot = await assistant_of(ann)
        ids = []
        for n in range(3):
            dm, answer = await set_reminder(ann, bot, f"remind me to check build {n} in 2 hours")
            ids.append(answer["card"]["reminder_id"])
        for reminder_id in ids:
            await make_due(first, reminder_id)
        for reminder_id in ids:
            await message_with(ann, dm, f"reminder-{reminder_id}")
        # One more, due later: once it is delivered, both nodes' jobs have had rounds after the others.
        last = (await set_reminder(ann, bot, "remind me to check the last build in 2 hours"))[1]["card"]["reminder_id"]
        await make_due(first, last)
        await message_with(ann, dm, f"reminder-{last}")
        assert sorted(r["id"] for r in await due_events(ann)) == sorted([*ids, last])
        posted = [m for m in (await ann.rest.history(dm, limit=100))["items"]
                  if (m.get("client_msg_id") or "").startswith("reminder-")]
        assert len(posted) == 4


async def test_this_in_a_mention_elsewhere_is_the_question_and_the_text_is_sealed(server: ServerProcess) -> None:
    _, (ann, bob) = await people(server.url, 2)
    bot = await assistant_of(ann)
    group = (await ann.rest.create_conversation("group", f"rm-mention-{next(_ids)}", [bob.id]))["id"]
    question = await say(ann, group, f"@{bot['username']} remind me about this in 3 hours: ship the quokka build")
    dm = (await ann.rest.direct(bot["id"]))["id"]
    answer = await answer_to(ann, dm, question, bot["id"])

    card = answer["card"]
    assert card["about"] == {"conversation_id": group, "message_id": question["id"], "seq": question["seq"]}
    assert card["question"] == card["about"] and card["text"] == "ship the quokka build"
    assert all(m["sender_id"] != bot["id"] for m in (await ann.rest.history(group))["items"])
    stored = await run_sql(server, "SELECT text FROM reminders WHERE id = :id", id=card["reminder_id"])
    assert "quokka" not in stored[0][0], "the reminder's text is sealed at rest"
    assert any("quokka" in v and v == card["text"] for v in await opened_values(server))
