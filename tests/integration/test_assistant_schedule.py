"""The @axon assistant schedules meetings over real sockets: a request is answered with a proposal
card (people resolved as the asker sees them, the time read in the asker's zone), and only the asker
confirms it — the event is then made through the calendar — or dismisses it."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from axon.client import ApiError
from tests.support.assistant import answer_to, assistant_of, say
from tests.support.people import Person, admin_rest, new_person
from tests.support.server import ServerProcess

_n = itertools.count()
ZONE = "Asia/Shanghai"


async def team(url: str) -> tuple[Any, Person, Person, Person]:
    """An asker in Shanghai's zone, someone known by username (li…) and someone by a unique first name."""
    n = f"{next(_n)}q{id(url) % 97}"
    admin = await admin_rest(url)
    ann = await new_person(url, admin)
    await ann.rest.update_me(timezone=ZONE)
    li = await new_person(url, admin, name=f"li{n}")
    sam = await new_person(url, admin, name=f"sam{n}", display_name=f"Samwise{n} Gamgee")
    return admin, ann, li, sam


async def proposal(ann: Person, text: str, where: str | None = None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Ask @axon (in its DM, or by a mention in ``where``) → (the DM's id, the question, the answer)."""
    bot = await assistant_of(ann)
    dm = (await ann.rest.direct(bot["id"]))["id"]
    question = await say(ann, where or dm, text if where is None else f"@{bot['username']} {text}")
    return dm, question, await answer_to(ann, dm, question, bot["id"])


async def post(person: Person, message_id: str, action: str) -> dict[str, Any]:
    return dict(await person.rest.request("POST", f"/assistant/proposals/{message_id}/{action}"))


def tomorrow_at(question: dict[str, Any], hour: int) -> datetime:
    sent = datetime.fromisoformat(question["created_at"]).astimezone(ZoneInfo(ZONE))
    return datetime.combine(sent.date() + timedelta(days=1), datetime.min.time(), ZoneInfo(ZONE)).replace(hour=hour)


async def test_a_request_is_answered_with_a_proposal_in_the_askers_zone(server: ServerProcess) -> None:
    _, ann, li, sam = await team(server.url)
    first_name = sam.user["display_name"].split()[0]
    _, question, answer = await proposal(
        ann, f"set up a design review meeting with @{li.user['username']} and {first_name} tomorrow at 3pm")
    card = answer["card"]
    assert card["type"] == "assistant.proposal" and card["state"] == "pending" and card["event_id"] is None
    assert card["asker_id"] == ann.id and card["title"] == "Design review meeting"
    assert card["attendees"] == [{"user_id": li.id, "display_name": li.user["display_name"]},
                                 {"user_id": sam.id, "display_name": sam.user["display_name"]}]
    start = tomorrow_at(question, 15)
    assert datetime.fromisoformat(card["start"]) == start
    assert datetime.fromisoformat(card["end"]) == start + timedelta(minutes=30)
    assert card["time_zone"] == ZONE and card["conversation_id"] is None
    people = f"{li.user['display_name']}, {sam.user['display_name']}"
    assert answer["text"].startswith(f"Schedule “Design review meeting” on {start:%a} {start.day} {start:%b} "
                                     f"15:00–15:30 ({ZONE}) with {people}?")


async def test_unknown_names_and_a_missing_time_are_asked_about_in_the_askers_language(server: ServerProcess) -> None:
    _, ann, li, _ = await team(server.url)
    _, _, unknown = await proposal(ann, f"schedule a meeting with Nobodyzz{next(_n)} tomorrow at 3pm")
    assert unknown["card"] is None and "Nobodyzz" in unknown["text"] and "@-mention" in unknown["text"]
    _, _, when = await proposal(ann, f"schedule a meeting with @{li.user['username']}")
    assert when["card"] is None and when["text"] == "When should it be? e.g. tomorrow 3pm"
    _, _, when_zh = await proposal(ann, f"安排和 @{li.user['username']} 开会")
    assert when_zh["card"] is None and when_zh["text"] == "什么时间？例如：明天下午三点"
    _, question, zh = await proposal(ann, f"安排明天下午三点和 @{li.user['username']} 开会")
    assert zh["card"]["title"] == "会议" and zh["text"].startswith("安排“会议”")
    assert datetime.fromisoformat(zh["card"]["start"]) == tomorrow_at(question, 15)


async def test_confirming_makes_the_event_once_as_the_asker(server: ServerProcess) -> None:
    _, ann, li, sam = await team(server.url)
    dm, question, answer = await proposal(
        ann, f"schedule a meeting with @{li.user['username']} and @{sam.user['username']} tomorrow at 10:30am")
    scheduled = await post(ann, answer["id"], "confirm")
    assert scheduled["state"] == "scheduled" and scheduled["event_id"]
    event = await ann.rest.request("GET", f"/calendar/events/{scheduled['event_id']}")
    assert event["organizer_id"] == ann.id and event["title"] == "Meeting" and event["time_zone"] == ZONE
    assert datetime.fromisoformat(event["start"]) == tomorrow_at(question, 10) + timedelta(minutes=30)
    assert {a["user_id"] for a in event["attendees"]} == {ann.id, li.id, sam.id}
    assert (await li.rest.request("GET", f"/calendar/events/{event['id']}"))["id"] == event["id"]

    in_dm = next(m for m in (await ann.rest.history(dm))["items"] if m["id"] == answer["id"])
    assert in_dm["card"] == scheduled, "the card in the DM is replaced"
    assert await post(ann, answer["id"], "confirm") == scheduled, "a retry answers the same card"
    listed = (await ann.rest.request("GET", "/calendar/events"))["events"]
    assert [e["id"] for e in listed if e["id"] == event["id"]] == [event["id"]]
    with pytest.raises(ApiError) as refused:
        await post(ann, answer["id"], "dismiss")
    assert (refused.value.status, refused.value.code) == (409, "proposal_closed")


async def test_only_the_asker_may_answer_a_proposal(server: ServerProcess) -> None:
    _, ann, li, _ = await team(server.url)
    dm, question, answer = await proposal(ann, f"schedule a call with @{li.user['username']} tomorrow at 4pm")
    for person, message_id in ((li, answer["id"]), (ann, question["id"]), (ann, "m_nosuchmessage")):
        for action in ("confirm", "dismiss"):
            with pytest.raises(ApiError) as refused:
                await post(person, message_id, action)
            assert (refused.value.status, refused.value.code) == (404, "not_found")
    assert (await post(ann, answer["id"], "dismiss"))["state"] == "dismissed"


async def test_dismissing_makes_no_event_and_closes_the_proposal(server: ServerProcess) -> None:
    _, ann, li, _ = await team(server.url)
    topic = f"Budget{next(_n)}"
    dm, _, answer = await proposal(ann, f"create an event: {topic} with @{li.user['username']} tomorrow at 9am")
    assert answer["card"]["title"] == topic
    dismissed = await post(ann, answer["id"], "dismiss")
    assert dismissed["state"] == "dismissed" and dismissed["event_id"] is None
    assert await post(ann, answer["id"], "dismiss") == dismissed
    with pytest.raises(ApiError) as refused:
        await post(ann, answer["id"], "confirm")
    assert (refused.value.status, refused.value.code) == (409, "proposal_closed")
    events = (await ann.rest.request("GET", "/calendar/events"))["events"]
    assert all(e["title"] != topic for e in events)
    in_dm = next(m for m in (await ann.rest.history(dm))["items"] if m["id"] == answer["id"])
    assert in_dm["card"]["state"] == "dismissed"


async def test_asked_in_a_group_the_event_card_is_posted_there(server: ServerProcess) -> None:
    _, ann, li, _ = await team(server.url)
    group = (await ann.rest.create_conversation("group", f"sched-{next(_n)}", [li.id]))["id"]
    _, question, answer = await proposal(ann, f"schedule a sync with @{li.user['username']} tomorrow at 2pm", group)
    card = answer["card"]
    assert card["conversation_id"] == group and card["question"]["message_id"] == question["id"]
    assert [a["user_id"] for a in card["attendees"]] == [li.id]
    event = await ann.rest.request("GET", f"/calendar/events/{(await post(ann, answer['id'], 'confirm'))['event_id']}")
    assert event["conversation_id"] == group and event["source_message_id"] == question["id"]
    cards = [m["card"] for m in (await li.rest.history(group))["items"] if m["card"]]
    assert [c["event"]["id"] for c in cards if c["type"] == "event"] == [event["id"]]


async def test_with_the_assistant_switched_off_a_proposal_cannot_be_confirmed(server: ServerProcess) -> None:
    admin, ann, li, _ = await team(server.url)
    _, _, answer = await proposal(ann, f"schedule a meeting with @{li.user['username']} tomorrow at 11am")
    await admin.request("PATCH", "/admin/org/policy", {"ai_assistant": False})
    try:
        with pytest.raises(ApiError) as refused:
            await post(ann, answer["id"], "confirm")
        assert (refused.value.status, refused.value.code) == (403, "module_disabled")
    finally:
        await admin.request("PATCH", "/admin/org/policy", {"ai_assistant": True})
    assert (await post(ann, answer["id"], "confirm"))["state"] == "scheduled"
