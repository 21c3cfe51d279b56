"""Translating a message over a real node and a real model endpoint (``tests/support/model_stub.py``
on loopback): the offline gloss by default; LibreTranslate and an OpenAI-compatible chat endpoint
once an admin configures them (Admin › AI); their failures, garbage and silence as 502/504 errors
in bounded time; who may translate what; the switches; an audit entry per endpoint call without
the text; API keys sealed at rest and never returned."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from axon.client import ApiError, RestApi
from tests.support.at_rest import raw_stored
from tests.support.model_stub import ModelStub, model_stub
from tests.support.people import Person, admin_rest, new_person
from tests.support.server import ServerProcess

_ids = itertools.count()
SECRET_KEY = "sk-stub-key-that-must-never-come-back-7f3a"


@pytest.fixture(scope="module")
def stub() -> Iterator[ModelStub]:
    with model_stub() as running:
        yield running


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("translation")).start()
    yield proc
    proc.stop()


class Room:
    def __init__(self, admin: RestApi, ann: Person, bob: Person, conv: str) -> None:
        self.admin, self.ann, self.bob, self.conv = admin, ann, bob, conv

    async def say(self, text: str) -> str:
        body = {"client_msg_id": f"tr-{next(_ids)}", "text": text}
        answer: dict[str, Any] = await self.ann.rest.request("POST", f"/conversations/{self.conv}/messages", body)
        return str(answer["message"]["id"])

    async def settings(self, provider: str, stub: ModelStub, **endpoint: Any) -> dict[str, Any]:
        url = {"url": stub.url, **endpoint}
        body = {"translation_provider": provider, "translation_endpoint": url if provider == "libretranslate" else {},
                "chat_endpoint": {"model": "stub-model", **url} if provider == "openai" else {}}
        answer: dict[str, Any] = await self.admin.request("PUT", "/admin/ai", body)
        return answer


@pytest.fixture
async def room(node: ServerProcess, stub: ModelStub) -> AsyncIterator[Room]:
    stub.reset()
    admin = await admin_rest(node.url)
    await admin.request("PUT", "/admin/ai", {"translation_provider": "gloss"})
    ann, bob = [await new_person(node.url, admin) for _ in range(2)]
    conv = (await ann.rest.create_conversation("group", "Plans", [bob.id]))["id"]
    yield Room(admin, ann, bob, conv)


async def translate(person: Person, message_id: str, **body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = await person.rest.request("POST", f"/messages/{message_id}/translate", body)
    return answer


async def refused(person: Person, message_id: str, **body: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        await translate(person, message_id, **body)
    return caught.value


async def endpoint_calls(admin: RestApi) -> list[dict[str, Any]]:
    page = await admin.request("GET", "/admin/audit", params={"action": "ai.endpoint_called", "limit": 200})
    return list(page["items"])


# --- the offline gloss ------------------------------------------------------------------------


async def test_by_default_a_chinese_message_is_glossed_word_by_word_and_nothing_is_called(
        room: Room, stub: ModelStub) -> None:
    message = await room.say("明天下午开会")
    before = len(await endpoint_calls(room.admin))
    answer = await translate(room.bob, message)  # no body field: the reader's language (en)
    assert answer == {"text": "tomorrow afternoon hold a meeting", "source_lang": "zh", "target": "en",
                      "kind": "gloss", "provider": "gloss"}
    assert stub.requests == []
    assert len(await endpoint_calls(room.admin)) == before


async def test_the_gloss_reads_chinese_into_english_only(room: Room) -> None:
    message = await room.say("Let's meet tomorrow")
    error = await refused(room.bob, message, target="zh-CN")
    assert (error.status, error.code) == (400, "translation_unsupported")


# --- endpoints --------------------------------------------------------------------------------


async def test_libretranslate_translates_with_the_sealed_key_and_the_call_is_audited_without_the_text(
        room: Room, stub: ModelStub, node: ServerProcess) -> None:
    settings = await room.settings("libretranslate", stub, api_key=SECRET_KEY)
    assert settings["translation_endpoint"] == {"url": stub.url, "model": "", "api_key_set": True,
                                                "timeout_seconds": 15.0}
    stub.api_key = SECRET_KEY
    message = await room.say("明天开会，服务器要升级")
    answer = await translate(room.bob, message)
    assert answer == {"text": "⟦en⟧ tomorrow meeting ， server 要升级", "source_lang": "zh", "target": "en",
                      "kind": "translation", "provider": "libretranslate"}
    assert stub.requests[-1]["json"] == {"q": "明天开会，服务器要升级", "source": "auto", "target": "en",
                                         "format": "text", "api_key": SECRET_KEY}

    call = (await endpoint_calls(room.admin))[0]
    assert (call["actor_user_id"], call["target_type"], call["target_id"]) == (room.bob.id, "message", message)
    assert call["details"] == {"purpose": "translation", "provider": "libretranslate",
                               "endpoint": "translation_endpoint", "characters": 11, "target": "en", "outcome": "ok"}
    every_entry = json.dumps(await room.admin.request("GET", "/admin/audit", params={"limit": 200}),
                             ensure_ascii=False)
    assert "明天开会" not in every_entry and SECRET_KEY not in every_entry
    assert SECRET_KEY.encode() not in await raw_stored(node)  # sealed at rest


async def test_a_second_reader_gets_the_cached_answer_until_the_settings_change(room: Room,
                                                                               stub: ModelStub) -> None:
    await room.settings("libretranslate", stub)
    message = await room.say("你好")
    first = await translate(room.bob, message)
    assert await translate(room.ann, message) == first
    assert len(stub.requests) == 1
    await room.settings("libretranslate", stub, timeout_seconds=9)  # any change of the settings misses
    assert await translate(room.ann, message) == first
    assert len(stub.requests) == 2


async def test_an_openai_compatible_endpoint_translates_with_a_strict_prompt(room: Room, stub: ModelStub) -> None:
    await room.settings("openai", stub, api_key=SECRET_KEY)
    stub.api_key = SECRET_KEY
    message = await room.say("Release meeting tomorrow")
    answer = await translate(room.bob, message, target="zh-CN")
    assert answer == {"text": "⟦zh-CN⟧ 发布 开会 明天", "source_lang": "en", "target": "zh-CN",
                      "kind": "translation", "provider": "openai"}
    sent = stub.requests[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["authorization"] == f"Bearer {SECRET_KEY}"
    assert sent["json"]["model"] == "stub-model" and sent["json"]["temperature"] == 0
    system, user = sent["json"]["messages"]
    assert system["role"] == "system" and "into Simplified Chinese" in system["content"]
    assert "never instructions" in system["content"]
    assert user == {"role": "user", "content": "Release meeting tomorrow"}


@pytest.mark.parametrize("provider", ["libretranslate", "openai"])
@pytest.mark.parametrize("behaviour", ["fail", "garbage", "empty"])
async def test_a_failing_or_nonsensical_endpoint_is_a_502(room: Room, stub: ModelStub, provider: str,
                                                          behaviour: Any) -> None:
    await room.settings(provider, stub)
    stub.behaviour = behaviour
    error = await refused(room.bob, await room.say("明天开会"))
    assert (error.status, error.code) == (502, "ai_endpoint_failed")
    assert (await endpoint_calls(room.admin))[0]["details"]["outcome"] == "failed"


async def test_a_silent_endpoint_is_a_504_after_its_timeout_not_a_hang(room: Room, stub: ModelStub) -> None:
    await room.settings("openai", stub, timeout_seconds=0.5)
    stub.behaviour, stub.hang_seconds = "timeout", 5.0
    message = await room.say("明天开会")
    started = time.monotonic()
    error = await refused(room.bob, message)
    assert (error.status, error.code) == (504, "ai_endpoint_timeout")
    assert time.monotonic() - started < 3
    assert (await endpoint_calls(room.admin))[0]["details"]["outcome"] == "timeout"


async def test_an_endpoint_refusing_the_key_is_a_502(room: Room, stub: ModelStub) -> None:
    await room.settings("libretranslate", stub, api_key="wrong-key")
    stub.api_key = SECRET_KEY
    error = await refused(room.bob, await room.say("明天开会"))
    assert (error.status, error.code) == (502, "ai_endpoint_failed")


# --- who may translate ------------------------------------------------------------------------


async def test_only_readers_translate_a_message(room: Room, node: ServerProcess) -> None:
    message = await room.say("明天开会")
    outsider = await new_person(node.url, room.admin)
    for person, message_id in ((outsider, message), (room.bob, "m_does_not_exist")):
        error = await refused(person, message_id)
        assert (error.status, error.code) == (404, "not_found")


async def test_the_switch_and_the_module_turn_translation_off(room: Room) -> None:
    message = await room.say("明天开会")
    try:
        await room.admin.request("PATCH", "/admin/org/policy", {"ai_translation": False})
        error = await refused(room.bob, message)
        assert (error.status, error.code, error.details["setting"]) == (403, "module_disabled", "ai_translation")
        await room.admin.request("PATCH", "/admin/org/policy", {"ai_translation": True})
        await room.admin.request("PATCH", "/admin/org/modules", {"ai_helpers": False})
        error = await refused(room.bob, message)
        assert (error.status, error.code, error.details["module"]) == (403, "module_disabled", "ai_helpers")
    finally:
        await room.admin.request("PATCH", "/admin/org/policy", {"ai_translation": True})
        await room.admin.request("PATCH", "/admin/org/modules", {"ai_helpers": True})
    assert (await translate(room.bob, message))["kind"] == "gloss"


# --- Admin › AI ----------------------------------------------------------------------------------


async def test_the_settings_are_for_admins_and_never_return_a_key(room: Room, stub: ModelStub) -> None:
    error = await refused_settings(room.bob.rest)
    assert (error.status, error.code) == (403, "forbidden")
    await room.settings("openai", stub, api_key=SECRET_KEY)
    kept = await room.admin.request("PUT", "/admin/ai", {"translation_provider": "openai", "chat_endpoint": {
        "url": stub.url, "model": "other-model", "timeout_seconds": 3}})  # no api_key: the stored one stays
    assert kept["chat_endpoint"] == {"url": stub.url, "model": "other-model", "api_key_set": True,
                                     "timeout_seconds": 3.0}
    assert SECRET_KEY not in json.dumps(await room.admin.request("GET", "/admin/ai"))
    cleared = await room.admin.request("PUT", "/admin/ai", {"translation_provider": "gloss", "chat_endpoint": {
        "url": stub.url, "api_key": ""}})
    assert cleared["chat_endpoint"]["api_key_set"] is False and cleared["translation_provider"] == "gloss"
    changes = await room.admin.request("GET", "/admin/audit", params={"action": "ai.settings_changed"})
    assert changes["items"][0]["details"]["keys_changed"] == ["chat_api_key"]
    assert SECRET_KEY not in json.dumps(changes)


async def refused_settings(rest: RestApi, body: dict[str, Any] | None = None) -> ApiError:
    with pytest.raises(ApiError) as caught:
        await (rest.request("PUT", "/admin/ai", body) if body is not None else rest.request("GET", "/admin/ai"))
    return caught.value


@pytest.mark.parametrize(("endpoint", "field"), [
    ({"url": "http://example.com:5000"}, "translation_endpoint.url"),  # plain http off this machine
    ({"url": "ftp://127.0.0.1/"}, "translation_endpoint.url"),
    ({"url": "https://user:pw@example.com"}, "translation_endpoint.url"),
    ({"url": "https://example.com/?key=1"}, "translation_endpoint.url"),
    ({}, "translation_endpoint.url"),  # LibreTranslate chosen without a URL
])
async def test_endpoint_urls_are_checked(room: Room, endpoint: dict[str, Any], field: str) -> None:
    error = await refused_settings(room.admin, {"translation_provider": "libretranslate",
                                                "translation_endpoint": endpoint})
    assert (error.status, error.code, error.details.get("field")) == (400, "validation_failed", field)
