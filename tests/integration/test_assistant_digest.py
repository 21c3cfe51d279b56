""""What did I miss": the @axon assistant's digest over a real node, as the asker — only conversations
they are in, after their read marker (or since midnight in their zone), never their own messages, the
assistant's DM or deleted messages; with a chat endpoint, a summary of the picked messages (and only
those) from the model, and the digest alone when the endpoint fails."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from axon.client import RestApi
from tests.support.assistant import answer_to, assistant_of, say
from tests.support.model_stub import ModelStub, model_stub
from tests.support.people import Person, admin_rest, new_person, without_default_channels
from tests.support.server import ServerProcess

_ids = itertools.count()




# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stub() -> Iterator[ModelStub]:
    with model_stub() as running:
        yield running


@dataclass
class Team:
    admin: RestApi
    ann: Person
    bob: Person
    cy: Person
    bot: dict[str, Any]
    dm: str  # ann's DM with the assistant
    design: str  # a channel of ann, bob and cy
    design_name: str
    plans: str  # a group of ann and bob
    secret: str  # a group of bob and cy: never ann's

    async def ask(self, text: str) -> dict[str, Any]:
        return await answer_to(self.ann, self.dm, await say(self.ann, self.dm, text), self.bot["id"])

    async def read_all(self, conversation_id: str) -> None:
        last = (await self.ann.rest.history(conversation_id, limit=1))["items"]
        if last:
            await self.ann.rest.request("POST", f"/conversations/{conversation_id}/read", {"seq": last[-1]["seq"]})


@pytest.fixture
async def team(server: ServerProcess, stub: ModelStub) -> AsyncIterator[Team]:
    stub.reset()
    admin = await admin_rest(server.url)
    await without_default_channels(admin)  # nobody else's #general chatter in the asker's digest
    await admin.request("PUT", "/admin/ai", {"translation_provider": "gloss"})  # no chat endpoint
    ann, bob, cy = [await new_person(server.url, admin) for _ in range(3)]
    bot = await assistant_of(ann)
    n = next(_ids)
    design = (await ann.rest.create_conversation("channel", f"design{n}", [bob.id, cy.id]))["id"]
    plans = (await ann.rest.create_conversation("group", f"Plans {n}", [bob.id]))["id"]
    secret = (await bob.rest.create_conversation("group", f"Secret{n}", [cy.id]))["id"]
    dm = (await ann.rest.direct(bot["id"]))["id"]
    yield Team(admin, ann, bob, cy, bot, dm, design, f"design{n}", plans, secret)
    await admin.request("PUT", "/admin/ai", {"translation_provider": "gloss"})


async def missed_in_design(team: Team) -> dict[str, dict[str, Any]]:
    """A morning in #design: read before the marker, then a mention, a decision, chit-chat, a deleted
    message and the asker's own; meanwhile a message in a group the asker is not in."""
    await say(team.bob, team.design, "Old news: the logo colours were picked last week")
    await team.read_all(team.design)
    said = {
        "mention": await say(team.bob, team.design,
                             f"@{team.ann.user['username']} can you review the onboarding mockups today?"),
        "decision": await say(team.cy, team.design, "We decided to ship the onboarding redesign on Friday"),
        "chitchat": await say(team.bob, team.design, "ok"),
        "deleted": await say(team.cy, team.design, "Draft pricing table for the onboarding launch, do not share"),
        "own": await say(team.ann, team.design, "I will look at the onboarding mockups after lunch"),
        "secret": await say(team.bob, team.secret, "Secret onboarding budget cut decided for Friday"),
    }
    await team.cy.rest.delete(team.design, said["deleted"]["id"])
    return said


async def test_what_did_i_miss_in_a_channel_lists_its_unread_highlights_by_reason(team: Team) -> None:
    said = await missed_in_design(team)
    answer = await team.ask(f"what did I miss in #{team.design_name}")
    card = answer["card"]
    assert card["type"] == "assistant.results" and card["kind"] == "digest"
    assert card["query"] == f"#{team.design_name} · unread"
    picked = {i["message_id"]: i for i in card["items"]}
    assert list(picked) == [said["mention"]["id"], said["decision"]["id"]]
    assert picked[said["mention"]["id"]]["why"] == "mention"
    assert picked[said["decision"]["id"]]["why"] == "decision"
    assert all(i["conversation_id"] == team.design and i["conversation_name"] == f"#{team.design_name}"
               for i in card["items"])
    text = answer["text"]
    assert text.startswith(f"Here is what you missed (#{team.design_name} · unread): 3 messages in 1 conversation.")
    assert f"#{team.design_name} — 3 new" in text and "1. @" in text and "2. We decided" in text
    for absent in ("Old news", "Draft pricing", "after lunch", "Secret"):
        assert absent not in text


async def test_catch_me_up_covers_every_conversation_of_the_asker_but_never_the_assistants_dm(team: Team) -> None:
    said = await missed_in_design(team)
    in_plans = await say(team.bob, team.plans, "Can someone confirm the venue for the offsite in March?")
    first = await team.ask("catch me up")
    items = first["card"]["items"]
    assert first["card"]["query"] == "all your conversations · unread"
    assert {i["conversation_id"] for i in items} == {team.design, team.plans}
    assert in_plans["id"] in {i["message_id"] for i in items}
    assert said["secret"]["id"] not in {i["message_id"] for i in items}
    # Grouped by conversation, in item order, each conversation with its own heading.
    conversations = [i["conversation_id"] for i in items]
    assert conversations == sorted(conversations, key=conversations.index)
    assert f"#{team.design_name} — " in first["text"] and f"Plans {team.design_name[6:]} — 1 new" in first["text"]

    # The first answer sits unread in the asker's DM with the assistant: it is never digested.
    second = await team.ask("catch me up")
    assert {i["conversation_id"] for i in second["card"]["items"]} == {team.design, team.plans}


async def test_nothing_missed_is_all_caught_up_in_both_languages(team: Team) -> None:
    await say(team.bob, team.design, "The onboarding mockups are in the shared folder")
    await team.read_all(team.design)
    english = await team.ask(f"what did I miss in #{team.design_name}")
    assert english["card"] is None
    assert english["text"] == f"You're all caught up: nothing new for you in #{team.design_name} (unread)."
    chinese = await team.ask("总结一下未读消息")
    assert chinese["text"] == "都看过了：你的所有会话里没有你错过的新消息（未读）。"


async def test_today_in_chinese_covers_read_messages_too_and_a_channel_not_found_is_named(team: Team) -> None:
    said = await missed_in_design(team)
    await team.read_all(team.design)  # read or not: "today" is everything since midnight
    answer = await team.ask(f"今天 #{team.design_name} 里我错过了什么")
    assert answer["card"]["query"] == f"#{team.design_name} · 今天"
    ids = [i["message_id"] for i in answer["card"]["items"]]
    assert said["mention"]["id"] in ids and said["decision"]["id"] in ids
    assert answer["text"].startswith(f"你错过的内容（#{team.design_name} · 今天）")
    assert f"#{team.design_name} —— " in answer["text"]

    missing = await team.ask("what did I miss in #no-such-room today")
    assert missing["card"] is None
    assert missing["text"] == "I could not find a conversation called “#no-such-room” among yours."
    secret_name = f"Secret{team.design_name[6:]}"  # a group of others' is not found either
    assert "没有找到" in (await team.ask(f"#{secret_name} 里我错过了什么"))["text"]


# --- with a chat endpoint --------------------------------------------------------------------------


def summarise(messages: list[dict[str, Any]]) -> str:
    """The stub's deterministic summary: the first picked message, cited, and an invented citation."""
    system = messages[0]["content"]
    numbered = [line for line in system.splitlines() if line.startswith("[")]
    return f"{len(numbered)} things happened; the key one is [2]. Also [9]."


async def endpoint_calls(admin: RestApi) -> list[dict[str, Any]]:
    page = await admin.request("GET", "/admin/audit", params={"action": "ai.endpoint_called", "limit": 200})
    return list(page["items"])


async def test_with_a_chat_endpoint_the_picked_messages_alone_are_summarised_and_the_call_audited(
        team: Team, stub: ModelStub) -> None:
    await team.admin.request("PUT", "/admin/ai", {"translation_provider": "gloss",
                                                  "chat_endpoint": {"url": stub.url, "model": "stub-model"}})
    stub.chat_reply = summarise
    said = await missed_in_design(team)
    answer = await team.ask(f"what did I miss in #{team.design_name}")

    (request,) = stub.requests
    system, user = request["json"]["messages"]
    assert user == {"role": "user", "content": f"what did I miss in #{team.design_name}"}
    assert "[1] " in system["content"] and "can you review the onboarding mockups" in system["content"]
    assert "[2] " in system["content"] and "We decided to ship" in system["content"]
    for never in ("Secret onboarding budget", "Draft pricing", "after lunch", "Old news"):
        assert never not in system["content"], "only the picked messages leave the server"

    assert "In short: 2 things happened; the key one is [2]. Also." in answer["text"]
    assert [i["message_id"] for i in answer["card"]["items"]][1] == said["decision"]["id"]

    call = next(c for c in await endpoint_calls(team.admin) if c["actor_user_id"] == team.ann.id)
    assert call["details"] == {"purpose": "assistant", "ability": "digest", "provider": "openai",
                               "endpoint": "chat_endpoint", "outcome": "ok",
                               "characters": len(system["content"]) + len(user["content"])}
    assert "onboarding" not in json.dumps(call, ensure_ascii=False)


async def test_when_the_endpoint_fails_the_digest_comes_alone_with_one_line_saying_so(
        team: Team, stub: ModelStub) -> None:
    await team.admin.request("PUT", "/admin/ai", {"translation_provider": "gloss",
                                                  "chat_endpoint": {"url": stub.url, "model": "stub-model"}})
    stub.behaviour = "fail"
    said = await missed_in_design(team)
    answer = await team.ask(f"what did I miss in #{team.design_name}")
    assert "(The summary is unavailable: the model endpoint failed. Here are the highlights.)" in answer["text"]
    assert [i["message_id"] for i in answer["card"]["items"]] == [said["mention"]["id"], said["decision"]["id"]]
    calls = [c for c in await endpoint_calls(team.admin) if c["actor_user_id"] == team.ann.id]
    assert [c["details"]["outcome"] for c in calls] == ["failed"]
