"""Free-form questions to the @axon assistant over a real node and a real OpenAI-compatible endpoint
(``tests/support/model_stub.py`` on loopback): the help text without an endpoint; with one, only
messages the asker can read are sent as numbered context, the answer cites them by the card's order,
each call is audited without its text, and a failing or silent endpoint still lists what was found."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from axon.client import RestApi
from tests.support.assistant import answer_to, assistant_of, say, searchable
from tests.support.model_stub import ModelStub, model_stub
from tests.support.people import Person, admin_rest, new_person, without_default_channels
from tests.support.server import ServerProcess

_ids = itertools.count()






async def endpoint_calls(admin: RestApi, user_id: str) -> list[dict[str, Any]]:
    page = await admin.request("GET", "/admin/audit", params={"action": "ai.endpoint_called", "limit": 200})
    return [c for c in page["items"] if c["actor_user_id"] == user_id]


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
    finance: str  # a group of ann and bob
    secret: str  # a group of bob and cy: never ann's

    async def ask(self, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
        question = await say(self.ann, self.dm, text)
        return question, await answer_to(self.ann, self.dm, question, self.bot["id"])

    async def connect(self, stub: ModelStub, **endpoint: Any) -> None:
        await self.admin.request("PUT", "/admin/ai", {
            "translation_provider": "gloss", "chat_endpoint": {"url": stub.url, "model": "stub-model", **endpoint}})


@pytest.fixture
async def team(server: ServerProcess, stub: ModelStub) -> AsyncIterator[Team]:
    stub.reset()
    admin = await admin_rest(server.url)
    await without_default_channels(admin)
    await admin.request("PUT", "/admin/ai", {"translation_provider": "gloss"})  # no chat endpoint
    ann, bob, cy = [await new_person(server.url, admin) for _ in range(3)]
    bot = await assistant_of(ann)
    n = next(_ids)
    finance = (await ann.rest.create_conversation("group", f"Finance {n}", [bob.id]))["id"]
    secret = (await bob.rest.create_conversation("group", f"Board {n}", [cy.id]))["id"]
    dm = (await ann.rest.direct(bot["id"]))["id"]
    yield Team(admin, ann, bob, cy, bot, dm, finance, secret)
    await admin.request("PUT", "/admin/ai", {"translation_provider": "gloss"})


def context_of(request: dict[str, Any]) -> list[str]:
    """The numbered context lines of a chat request the stub received."""
    system = request["json"]["messages"][0]["content"]
    return [line for line in system.splitlines() if re.match(r"^\[\d+\] ", line)]


def cite_lines_with(word: str) -> Any:
    """A deterministic model: one sentence per context line holding ``word``, citing it, and one
    invented citation the context does not have."""
    def reply(messages: list[dict[str, Any]]) -> str:
        lines = [line for line in messages[0]["content"].splitlines() if re.match(r"^\[\d+\] ", line)]
        numbers = [line.split("]")[0][1:] for line in lines if word in line]
        return " ".join(f"It says so [{n}]." for n in numbers) + " See also [42]."
    return reply


# --- without an endpoint ----------------------------------------------------------------------------


async def test_without_an_endpoint_it_answers_with_help_and_says_what_is_needed_in_both_languages(
        team: Team, stub: ModelStub) -> None:
    _, english = await team.ask("what is our policy on expenses?")
    assert "find the message about the release date" in english["text"]
    assert english["text"].endswith("Free-form answers need an admin to connect a model endpoint (Admin › AI).")
    _, chinese = await team.ask("发布计划是什么？")
    assert "我是 Axon" in chinese["text"]
    assert chinese["text"].endswith("自由问答需要管理员先连接模型端点（管理 › AI）。")
    assert english["card"] is None and chinese["card"] is None
    assert stub.requests == [] and await endpoint_calls(team.admin, team.ann.id) == []


# --- with an endpoint -------------------------------------------------------------------------------


async def test_only_messages_the_asker_can_read_reach_the_model_and_citations_name_them(
        team: Team, stub: ModelStub) -> None:
    mine = await say(team.bob, team.finance, "Expenses policy: submit receipts within 30 days, your manager approves")
    other = await say(team.bob, team.finance, "The travel expenses policy allows economy class only")
    hidden = await say(team.bob, team.secret, "Board expenses policy: the board's receipts are never checked")
    await searchable(team.ann, "expenses policy", other["id"])
    await searchable(team.cy, "expenses policy", hidden["id"])
    await team.connect(stub)
    stub.chat_reply = cite_lines_with("receipts")

    question, answer = await team.ask("What is our policy on expenses?")

    (request,) = stub.requests
    lines = context_of(request)
    assert len(lines) == 2 and all("Board" not in line and "never checked" not in line for line in lines)
    assert not any("never checked" in m["content"] for m in request["json"]["messages"])
    assert request["json"]["messages"][1] == {"role": "user", "content": "What is our policy on expenses?"}
    assert "in English" in request["json"]["messages"][0]["content"]

    # The model cited the receipts line by its context number; the answer calls it [1], the card's first item.
    assert answer["text"].startswith("It says so [1]. See also.\n\nSources:\n1. Expenses policy: submit receipts")
    card = answer["card"]
    assert (card["type"], card["kind"], card["query"]) == ("assistant.results", "answer",
                                                           "What is our policy on expenses?")
    assert [i["message_id"] for i in card["items"]] == [mine["id"]]
    assert card["answer"] == "It says so [1]. See also."  # the web client draws it above the sources
    assert card["items"][0]["conversation_id"] == team.finance and card["items"][0]["sender_id"] == team.bob.id

    (call,) = await endpoint_calls(team.admin, team.ann.id)
    sent = request["json"]["messages"]
    assert (call["target_type"], call["target_id"]) == ("message", question["id"])
    assert call["details"] == {"purpose": "assistant", "ability": "chat", "provider": "openai",
                               "endpoint": "chat_endpoint", "outcome": "ok",
                               "characters": sum(len(m["content"]) for m in sent)}
    assert "receipts" not in json.dumps(call) and "expenses" not in json.dumps(call)


async def test_a_chinese_question_is_answered_in_chinese_from_chinese_messages(team: Team, stub: ModelStub) -> None:
    plan = await say(team.bob, team.finance, "发布计划：十二月十五日上线，先灰度百分之十")
    await say(team.bob, team.secret, "发布计划其实推迟到明年")  # not the asker's to read
    await searchable(team.ann, "发布计划", plan["id"])
    await team.connect(stub)
    stub.chat_reply = lambda messages: "十二月十五日上线[1]。"

    _, answer = await team.ask("发布计划是什么？")
    (request,) = stub.requests
    assert "in Simplified Chinese" in request["json"]["messages"][0]["content"]
    assert [line.split(": ", 1)[1] for line in context_of(request)] == ["发布计划：十二月十五日上线，先灰度百分之十"]
    assert answer["text"].startswith("十二月十五日上线[1]。\n\n来源：\n1. 发布计划")
    assert [i["message_id"] for i in answer["card"]["items"]] == [plan["id"]]


async def test_nothing_found_is_said_without_calling_the_endpoint(team: Team, stub: ModelStub) -> None:
    await team.connect(stub)
    _, answer = await team.ask("What is the wifi password for the Lisbon office?")
    assert answer["text"] == ("I found nothing about “What is the wifi password for the Lisbon office?” in the "
                              "conversations you can read, so I cannot answer it.")
    assert stub.requests == [] and await endpoint_calls(team.admin, team.ann.id) == []


async def test_a_failing_or_silent_endpoint_is_said_and_the_retrieved_messages_are_still_listed(
        team: Team, stub: ModelStub) -> None:
    said = await say(team.bob, team.finance, "The offsite budget is 40k, approved by finance")
    await searchable(team.ann, "offsite budget", said["id"])
    await team.connect(stub)
    stub.behaviour = "fail"
    _, failed = await team.ask("what is the offsite budget?")
    assert failed["text"].startswith("The model endpoint failed (the endpoint answered HTTP 500), so I cannot "
                                     "answer in my own words. These messages may help:\n1. The offsite budget is")
    assert failed["card"]["kind"] == "answer" and [i["message_id"] for i in failed["card"]["items"]] == [said["id"]]
    assert failed["card"]["answer"].startswith("The model endpoint failed")

    await team.connect(stub, timeout_seconds=0.5)
    stub.behaviour, stub.hang_seconds = "timeout", 3.0
    _, silent = await team.ask("预算是多少？offsite budget")
    assert silent["text"].startswith("模型端点调用失败（no answer within 0.5 s），无法生成回答。")
    assert [i["message_id"] for i in silent["card"]["items"]] == [said["id"]]
    outcomes = [c["details"]["outcome"] for c in await endpoint_calls(team.admin, team.ann.id)]
    assert sorted(outcomes) == ["failed", "timeout"]
