"""Smart replies over real sockets: a node without learning (the tests' default: semantic search off)
answers built-in replies in the message's language; a node that learns (``AXON_SMART_REPLY_LEARNING``)
suggests replies people gave to similar messages, only from conversations the caller can read, and
forgets a pair when its message is deleted. The per-user switch and the organisation's switch."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from axon.client import ApiError, RestApi
from tests.support.people import Person, admin_rest, eventually, new_person
from tests.support.server import ServerProcess

_ids = itertools.count()


@pytest.fixture(scope="module")
def learning_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A node that learns pairs (the sentence model in its background process); semantic search stays off."""
    proc = ServerProcess(tmp_path_factory.mktemp("learning"), env={"AXON_SMART_REPLY_LEARNING": "1"}).start()
    yield proc
    proc.stop()


async def say(person: Person, conversation_id: str, text: str, reply_to: str | None = None) -> dict[str, Any]:
    sent = await person.rest.send(conversation_id, f"sr{next(_ids)}", text, reply_to=reply_to)
    return dict(sent["message"])


async def suggestions(person: Person, conversation_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await person.rest.request("GET", f"/conversations/{conversation_id}/reply-suggestions")
    return found


def texts(found: dict[str, Any]) -> list[str]:
    return [s["text"] for s in found["suggestions"]]


async def people(url: str, n: int) -> tuple[RestApi, list[Person]]:
    admin = await admin_rest(url)
    return admin, [await new_person(url, admin) for _ in range(n)]


async def test_a_cold_start_answers_built_in_replies_in_the_message_language(server: ServerProcess) -> None:
    _, (ann, bob) = await people(server.url, 2)
    dm = (await ann.rest.direct(bob.id))["id"]
    assert await suggestions(bob, dm) == {"message_id": None, "thread_root": None, "suggestions": []}

    asked = await say(ann, dm, "明天的评审会你能参加吗？")
    found = await suggestions(bob, dm)
    assert found["message_id"] == asked["id"] and found["thread_root"] is None
    assert texts(found) == ["可以", "我看一下", "不行"]
    assert {s["source"] for s in found["suggestions"]} == {"built_in"}
    assert (await suggestions(ann, dm))["suggestions"] == []  # her own message is not addressed to her

    thanked = await say(ann, dm, "Thanks for fixing the build!")
    found = await suggestions(bob, dm)
    assert found["message_id"] == thanked["id"] and texts(found)[0] == "You're welcome!"

    await say(bob, dm, "Anytime")  # answered: nothing left to answer
    assert (await suggestions(bob, dm))["message_id"] is None


async def test_in_a_group_a_mention_or_a_reply_in_my_thread_is_addressed_to_me(server: ServerProcess) -> None:
    _, (ann, bob, cy) = await people(server.url, 3)
    group = (await ann.rest.create_conversation("group", "sr-group", [bob.id, cy.id]))["id"]
    await say(ann, group, "The release notes are in the shared folder")
    assert (await suggestions(bob, group))["message_id"] is None  # said to everyone, nobody named

    mention = await say(ann, group, f"@{bob.user['username']} 请看一下发布说明")
    found = await suggestions(bob, group)
    assert found["message_id"] == mention["id"] and texts(found) == ["好的", "收到", "谢谢！"]
    assert (await suggestions(cy, group))["message_id"] is None

    root = await say(cy, group, "Who can take the on-call shift this weekend?")
    reply = await say(ann, group, "I can do Saturday, is that ok?", reply_to=root["id"])
    found = await suggestions(cy, group)
    assert (found["message_id"], found["thread_root"]) == (reply["id"], root["id"])
    assert texts(found) == ["Yes", "Let me check", "No"]


async def test_the_switches_and_who_may_ask(server: ServerProcess) -> None:
    admin, (ann, bob, eve) = await people(server.url, 3)
    dm = (await ann.rest.direct(bob.id))["id"]
    await say(ann, dm, "Lunch at noon?")

    prefs = await bob.rest.preferences()
    assert prefs["smart_replies"] is True
    off = await bob.rest.update_preferences(prefs["version"], smart_replies=False)
    assert off["smart_replies"] is False
    assert await suggestions(bob, dm) == {"message_id": None, "thread_root": None, "suggestions": []}
    with pytest.raises(ApiError) as bad:
        await bob.rest.update_preferences(off["version"], smart_replies="no")
    assert bad.value.status in (400, 422) and bad.value.code == "validation_failed"
    await bob.rest.update_preferences(off["version"], smart_replies=True)
    assert texts(await suggestions(bob, dm))

    with pytest.raises(ApiError) as hidden:  # not hers to read
        await suggestions(eve, dm)
    assert (hidden.value.status, hidden.value.code) == (404, "not_found")

    await admin.request("PATCH", "/admin/org/policy", {"ai_smart_replies": False})
    try:
        with pytest.raises(ApiError) as disabled:
            await suggestions(bob, dm)
        assert (disabled.value.status, disabled.value.code) == (403, "module_disabled")
    finally:
        await admin.request("PATCH", "/admin/org/policy", {"ai_smart_replies": True})


async def test_learned_replies_come_only_from_readable_conversations_and_go_with_their_message(
        learning_node: ServerProcess) -> None:
    _, (ann, bob, cy, dan) = await people(learning_node.url, 4)
    team = (await ann.rest.create_conversation("group", "sr-team", [bob.id, cy.id]))["id"]
    secret = (await dan.rest.create_conversation("group", "sr-secret", [ann.id]))["id"]
    await say(ann, team, "Can you review my pull request today?")
    taught = await say(bob, team, "Sure, after standup")
    await say(dan, secret, "Can you review my pull request this afternoon?")
    hidden = await say(ann, secret, "Ship it, no review needed")

    cy_dm = (await ann.rest.direct(cy.id))["id"]
    asked = await say(ann, cy_dm, "Could you review my pull request soon?")

    async def learned() -> list[dict[str, Any]]:
        found = await suggestions(cy, cy_dm)
        assert found["message_id"] == asked["id"]
        return [s for s in found["suggestions"] if s["source"] == "learned"]

    async def has_learned() -> bool:
        return bool(await learned())

    await eventually(has_learned, timeout=120, every=0.5)
    said = [s["text"] for s in await learned()]
    assert "Sure, after standup" in said
    assert hidden["text"] not in said  # cy cannot read sr-secret
    assert all(len(s["text"]) <= 80 for s in (await suggestions(cy, cy_dm))["suggestions"])

    await bob.rest.delete(team, taught["id"])

    async def forgotten() -> bool:
        return "Sure, after standup" not in [s["text"] for s in await learned()]

    await eventually(forgotten, timeout=60, every=0.5)


async def test_a_chinese_message_gets_chinese_learned_replies(learning_node: ServerProcess) -> None:
    _, (ann, bob, cy) = await people(learning_node.url, 3)
    team = (await ann.rest.create_conversation("group", "sr-zh", [bob.id, cy.id]))["id"]
    await say(ann, team, "今天下午的会议改到四点了")
    await say(bob, team, "收到，谢谢提醒")
    await say(ann, team, "The meeting moved to 4pm")
    await say(bob, team, "Noted, thanks")
    dm = (await ann.rest.direct(cy.id))["id"]
    await say(ann, dm, "明天上午的会议改到十点了")

    async def learned() -> list[str]:
        found = await suggestions(cy, dm)
        return [s["text"] for s in found["suggestions"] if s["source"] == "learned"]

    async def has_learned() -> bool:
        return bool(await learned())

    await eventually(has_learned, timeout=120, every=0.5)
    assert "收到，谢谢提醒" in await learned() and "Noted, thanks" not in await learned()
