"""Search over REST on a real node: the history window a result opens, recent searches, suggestions,
the channel section, who finds what, and the errors of bad input."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from axon.client import ApiError, RestApi
from tests.support.people import PASSWORD, Person, admin_rest, new_person
from tests.support.server import ServerProcess


def cmid() -> str:
    return uuid.uuid4().hex


async def refused(call: Any, status: int, code: str) -> ApiError:
    with pytest.raises(ApiError) as err:
        await call
    assert (err.value.status, err.value.code) == (status, code), err.value
    return err.value


async def guest_of(server: ServerProcess, admin: RestApi, conversation_id: str) -> Person:
    invite = await admin.request("POST", "/guest-invites", {"conversation_ids": [conversation_id], "max_uses": 1})
    rest = RestApi(server.url)
    session = await rest.signup(invite_token=invite["token"], username=f"guest{uuid.uuid4().hex[:6]}",
                                display_name="Gus Guest", password=PASSWORD)
    return Person(session["user"], rest, session["token"])


# --- the history window ---------------------------------------------------------------------


async def test_around_seq_opens_history_at_the_message_and_pages_both_ways(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "sa-window", [bob.id])
    sent = [(await ann.rest.send(conv["id"], cmid(), f"m{i}"))["message"] for i in range(30)]
    seqs = [m["seq"] for m in sent]

    window = await bob.rest.messages_around(conv["id"], seqs[15], limit=10)
    assert [m["text"] for m in window["items"]] == [f"m{i}" for i in range(10, 20)]
    assert (window["next_before_seq"], window["next_after_seq"]) == (seqs[10], seqs[19])
    older = await bob.rest.history(conv["id"], before_seq=window["next_before_seq"], limit=10)
    assert [m["text"] for m in older["items"]] == [f"m{i}" for i in range(0, 10)]
    assert older["next_before_seq"] is None and older["next_after_seq"] == seqs[9]
    newer = await bob.rest.messages_after(conv["id"], window["next_after_seq"], limit=6)
    assert [m["text"] for m in newer["items"]] == [f"m{i}" for i in range(20, 26)]
    last = await bob.rest.messages_after(conv["id"], newer["next_after_seq"], limit=6)
    assert [m["text"] for m in last["items"]] == [f"m{i}" for i in range(26, 30)]
    assert last["next_after_seq"] is None  # reached the newest message

    at_start = await bob.rest.messages_around(conv["id"], seqs[1], limit=10)
    assert [m["text"] for m in at_start["items"]] == [f"m{i}" for i in range(0, 10)]
    assert at_start["next_before_seq"] is None and at_start["next_after_seq"] == seqs[9]
    at_end = await bob.rest.messages_around(conv["id"], seqs[-1], limit=10)
    assert [m["text"] for m in at_end["items"]][-1] == "m29" and at_end["next_after_seq"] is None
    newest = await bob.rest.history(conv["id"], limit=5)
    assert newest["next_after_seq"] is None


async def test_around_a_thread_reply_centres_on_its_root(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "sa-thread")
    sent = [(await ann.rest.send(conv["id"], cmid(), f"t{i}"))["message"] for i in range(9)]
    reply = (await ann.rest.send(conv["id"], cmid(), "a reply", reply_to=sent[4]["id"]))["message"]
    for i in range(9, 12):
        await ann.rest.send(conv["id"], cmid(), f"t{i}")
    window = await ann.rest.messages_around(conv["id"], reply["seq"], limit=4)
    assert [m["text"] for m in window["items"]] == ["t2", "t3", "t4", "t5"]  # top-level only, root in the middle


async def test_the_window_is_authorised_and_takes_one_position(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, eve = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "sa-private")
    await ann.rest.send(conv["id"], cmid(), "secret")
    await refused(eve.rest.messages_around(conv["id"], 1), 404, "not_found")
    await refused(eve.rest.messages_after(conv["id"], 0), 404, "not_found")
    both = ann.rest.request("GET", f"/conversations/{conv['id']}/messages", params={"around_seq": 2, "after_seq": 1})
    await refused(both, 422, "validation_failed")
    await refused(ann.rest.messages_around(conv["id"], 0), 422, "validation_failed")


# --- recent searches, suggestions, channel names --------------------------------------------


async def test_recent_searches_are_recorded_newest_first_deduplicated_capped_and_cleared(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    await ann.rest.search("budget", record=True)
    await ann.rest.search("设计评审 from:me", record=True)
    await ann.rest.search("not recorded")
    await ann.rest.search("budget", record=True)
    recent = await ann.rest.recent_searches()
    assert [r["query"] for r in recent] == ["budget", "设计评审 from:me"]
    assert all(r["searched_at"].endswith("Z") for r in recent)
    assert await bob.rest.recent_searches() == []  # each person's own
    for i in range(25):
        await ann.rest.search(f"query{i}", record=True)
    recent = await ann.rest.recent_searches()
    assert len(recent) == 20 and recent[0]["query"] == "query24" and recent[-1]["query"] == "query5"
    suggested = await ann.rest.search_suggest("query2")
    assert suggested["recent"][:2] == ["query24", "query23"]
    await ann.rest.clear_recent_searches()
    assert await ann.rest.recent_searches() == []


async def test_suggestions_offer_people_and_channels_the_searcher_can_see(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    tag = uuid.uuid4().hex[:6]
    ann = await new_person(server.url, admin, f"sa{tag}ann", "安娜")
    bob = await new_person(server.url, admin)
    await ann.rest.create_conversation("channel", f"设计评审{tag}")
    await ann.rest.create_conversation("group", f"secret{tag}")
    seen = await bob.rest.search_suggest(tag)
    assert [p["id"] for p in seen["people"]] == [ann.id]
    assert [c["name"] for c in seen["channels"]] == [f"设计评审{tag}"]  # the private group is not shown
    assert seen["channels"][0]["joined"] is False
    by_pinyin = await bob.rest.search_suggest(f"shejipingshen{tag}")
    assert [c["name"] for c in by_pinyin["channels"]] == [f"设计评审{tag}"]
    mine = await ann.rest.search_suggest(tag)
    assert {c["name"] for c in mine["channels"]} == {f"设计评审{tag}", f"secret{tag}"}
    assert (await bob.rest.search_suggest(""))["people"] == []


async def test_search_lists_matching_channel_names_on_the_first_page(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    tag = uuid.uuid4().hex[:6]
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    channel = await ann.rest.create_conversation("channel", f"roadmap{tag}")
    found = await bob.rest.search(f"roadmap{tag}")
    assert [c["id"] for c in found["channels"]] == [channel["id"]]
    assert found["semantic"] is False  # no semantic index on this node


# --- who finds what: names the searcher may not use -----------------------------------------


async def test_in_names_only_conversations_the_searcher_can_read(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    tag = uuid.uuid4().hex[:6]
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    group = await ann.rest.create_conversation("group", f"private{tag}", [(await admin.me())["id"]])
    channel = await ann.rest.create_conversation("channel", f"open{tag}")
    await ann.rest.search(f"x in:#private{tag}")
    await refused(bob.rest.search(f"x in:#private{tag}"), 400, "validation_failed")  # same answer as no such name
    await refused(bob.rest.search(f"x in:#nothing{tag}"), 400, "validation_failed")
    await bob.rest.search(f"x in:#open{tag}")  # a public channel he is not in: readable, so searchable by name
    guest = await guest_of(server, admin, group["id"])
    await guest.rest.search(f"x in:#private{tag}")
    await refused(guest.rest.search(f"x in:#open{tag}"), 400, "validation_failed")  # guests: their own only
    await ann.rest.direct(bob.id)
    await ann.rest.search(f"x in:@{bob.user['username']}")
    await refused(ann.rest.search(f"x in:@nobody{tag}"), 400, "validation_failed")  # no such direct conversation
    assert channel["kind"] == "channel"


async def test_bad_input_is_refused_with_stable_codes(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    for q, says in (("has:video", "has:file|image|link|voice"), ("before:2026-13-01", "before:2026-11-01"),
                    ("", "Type something"), ("from:@nobody-like-this", "nobody"), ("x" * 501, "500 characters")):
        error = await refused(ann.rest.search(q), 400, "validation_failed")
        assert says in error.message and error.details["field"] == "q"
    await refused(ann.rest.search("x", mode="fuzzy"), 422, "validation_failed")
    await refused(ann.rest.search("x", sort="oldest"), 422, "validation_failed")
    await refused(ann.rest.search("x", limit=0), 422, "validation_failed")
    await refused(ann.rest.search("x", cursor="not-a-cursor"), 400, "validation_failed")
    await refused(RestApi(server.url).search("x"), 401, "unauthenticated")
