"""The @axon assistant over real sockets: every organisation has it, nobody signs in as it, and it
answers in the asker's DM — with the asker's permissions — whether asked there or by a mention."""

from __future__ import annotations

import itertools

import pytest

from axon.client import ApiError, RestApi
from tests.support.assistant import answer_to, assistant_of, people, say, searchable
from tests.support.server import ServerProcess

_ids = itertools.count()


async def test_every_organisation_has_an_assistant_that_never_signs_in(server: ServerProcess) -> None:
    _, (ann,) = await people(server.url, 1)
    bot = await assistant_of(ann)
    assert bot["display_name"] == "Axon" and bot["username"].startswith("axon") and bot["role"] == "member"
    assert (await ann.rest.me())["kind"] == "person"
    with pytest.raises(ApiError) as refused:
        await RestApi(server.url).login(bot["username"], "")
    assert refused.value.code in ("invalid_credentials", "validation_failed")
    with pytest.raises(ApiError) as refused:
        await RestApi(server.url).login(bot["username"], "any-password-at-all")
    assert refused.value.code == "invalid_credentials"


async def test_asked_in_its_dm_it_answers_help_in_the_askers_language(server: ServerProcess) -> None:
    _, (ann,) = await people(server.url, 1)
    bot = await assistant_of(ann)
    dm = (await ann.rest.direct(bot["id"]))["id"]
    english = await answer_to(ann, dm, await say(ann, dm, "help"), bot["id"])
    assert "find the message about the release date" in english["text"]
    chinese = await answer_to(ann, dm, await say(ann, dm, "你能做什么？"), bot["id"])
    assert "我是 Axon" in chinese["text"]


async def test_it_searches_with_the_askers_permissions(server: ServerProcess) -> None:
    _, (ann, bob, cy) = await people(server.url, 3)
    group = (await ann.rest.create_conversation("group", f"as-plan-{next(_ids)}", [bob.id]))["id"]
    said = await say(bob, group, f"The quarterly roadmap review moves to Thursday, @{cy.user['username']} FYI")
    bot = await assistant_of(ann)
    await searchable(ann, "roadmap review", said["id"])

    dm = (await ann.rest.direct(bot["id"]))["id"]
    found = await answer_to(ann, dm, await say(ann, dm, "find the message about the roadmap review"), bot["id"])
    card = found["card"]
    assert card["type"] == "assistant.results" and card["kind"] == "search"
    assert [i["message_id"] for i in card["items"]] == [said["id"]]
    assert card["items"][0]["conversation_id"] == group and card["items"][0]["sender_id"] == bob.id
    assert "roadmap" in found["text"] and bob.user["display_name"] in found["text"]
    assert found["mentions"] == [], "a quoted @-name notifies nobody: the assistant mentions no one"

    outsider_dm = (await cy.rest.direct(bot["id"]))["id"]
    nothing = await answer_to(cy, outsider_dm, await say(cy, outsider_dm, "find the roadmap review"), bot["id"])
    assert nothing["card"] is None and "found nothing" in nothing["text"]


async def test_a_mention_elsewhere_is_answered_in_the_askers_dm_only(server: ServerProcess) -> None:
    _, (ann, bob) = await people(server.url, 2)
    bot = await assistant_of(ann)
    group = (await ann.rest.create_conversation("group", f"as-mention-{next(_ids)}", [bob.id]))["id"]
    said = await say(bob, group, "Budget sign-off is due on Friday")
    await searchable(ann, "budget sign-off", said["id"])
    question = await say(ann, group, f"@{bot['username']} 找一下 budget sign-off")

    dm = (await ann.rest.direct(bot["id"]))["id"]
    found = await answer_to(ann, dm, question, bot["id"])
    assert found["text"].startswith("你在 ") and "Budget sign-off" in found["text"]
    assert found["card"]["question"] == {"conversation_id": group, "message_id": question["id"],
                                         "seq": question["seq"]}
    in_group = (await ann.rest.history(group))["items"]
    assert all(m["sender_id"] != bot["id"] for m in in_group), "nothing is posted where others can read it"


async def test_switched_off_it_says_so_in_its_dm_and_stays_silent_elsewhere(server: ServerProcess) -> None:
    admin, (ann, bob) = await people(server.url, 2)
    bot = await assistant_of(ann)
    dm = (await ann.rest.direct(bot["id"]))["id"]
    group = (await ann.rest.create_conversation("group", f"as-off-{next(_ids)}", [bob.id]))["id"]
    await admin.request("PATCH", "/admin/org/policy", {"ai_assistant": False})
    try:
        off = await answer_to(ann, dm, await say(ann, dm, "help"), bot["id"])
        assert "switched off" in off["text"]
        mention = await say(ann, group, f"@{bot['username']} help")
        # Questions are taken in order: once this one is answered, the mention was seen while off.
        still_off = await answer_to(ann, dm, await say(ann, dm, "help"), bot["id"])
        assert "switched off" in still_off["text"]
    finally:
        await admin.request("PATCH", "/admin/org/policy", {"ai_assistant": True})
    later = await answer_to(ann, dm, await say(ann, dm, "help"), bot["id"])
    answers = [m for m in (await ann.rest.history(dm))["items"] if m["sender_id"] == bot["id"]]
    assert {m["client_msg_id"] for m in answers} == {off["client_msg_id"], still_off["client_msg_id"],
                                                    later["client_msg_id"]}
    assert mention["id"] not in {m["client_msg_id"] for m in answers}


async def test_admins_cannot_take_over_its_account(server: ServerProcess) -> None:
    admin, (ann,) = await people(server.url, 1)
    bot = await assistant_of(ann)
    for change in ({"role": "admin"}, {"disabled": True}):
        with pytest.raises(ApiError) as refused:
            await admin.request("PATCH", f"/admin/users/{bot['id']}", change)
        assert (refused.value.status, refused.value.code) == (403, "assistant_account")
    with pytest.raises(ApiError) as refused:
        await admin.request("POST", f"/admin/users/{bot['id']}/password", {"password": "a-long-new-password-1"})
    assert (refused.value.status, refused.value.code) == (403, "assistant_account")
