"""Search over REST on a real node: the history window a result opens, recent searches, suggestions,
the channel section, who finds what, and the errors of bad input."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from axon.client import ApiError, RestApi
from tests.support.people import PASSWORD, Person, admin_rest, eventually, new_person
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


# --- results -------------------------------------------------------------------------------


async def found(person: Person, q: str, **options: Any) -> list[str]:
    return [hit["message"]["text"] for hit in (await person.rest.search(q, **options))["items"]]


async def indexed(person: Person, q: str, expected: int) -> None:
    """Wait until the indexer (a durable consumer, off the send path) has caught up with ``q``'s matches."""
    await eventually(lambda: _count(person, q, expected))


async def _count(person: Person, q: str, expected: int) -> bool:
    return len((await person.rest.search(q, limit=100))["items"]) >= expected


async def test_search_finds_words_stems_and_chinese_inside_phrases_with_snippets(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    tag = uuid.uuid4().hex[:6]
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", f"sa-find{tag}", [bob.id])
    root = (await ann.rest.send(conv["id"], cmid(), f"{tag} the release is PLANNED for March 3"))["message"]
    await ann.rest.send(conv["id"], cmid(), f"{tag} 明天下午开需求评审会")
    reply = (await bob.rest.send(conv["id"], cmid(), f"{tag} plans look good", reply_to=root["id"]))["message"]
    await indexed(bob, tag, 3)

    answer = await bob.rest.search(f"{tag} plans")
    hits = {h["message"]["id"]: h for h in answer["items"]}
    assert set(hits) == {root["id"], reply["id"]}
    assert [f["text"] for f in hits[root["id"]]["fragments"] if f["match"]] == [tag, "PLANNED"]
    assert hits[reply["id"]]["thread_root_id"] == root["id"] and hits[root["id"]]["thread_root_id"] is None
    assert all(h["match"] == "keyword" and h["conversation_id"] == conv["id"] for h in answer["items"])
    assert await found(bob, f"{tag} 需求") == [f"{tag} 明天下午开需求评审会"]
    assert await found(bob, f"{tag} 评审") == [f"{tag} 明天下午开需求评审会"]


async def test_filters_phrases_and_exclusions(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    tag = uuid.uuid4().hex[:6]
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", f"sa-filters{tag}", [bob.id])
    other = await ann.rest.create_conversation("group", f"sa-other{tag}", [bob.id])
    await ann.rest.send(conv["id"], cmid(), f"{tag} release date moved, see https://example.com/plan")
    await bob.rest.send(conv["id"], cmid(), f"{tag} the date of release is fixed @{ann.user['username']}")
    await ann.rest.send(other["id"], cmid(), f"{tag} release draft")
    await indexed(bob, tag, 3)

    assert await found(bob, f'{tag} "release date"') == [f"{tag} release date moved, see https://example.com/plan"]
    assert await found(bob, f"{tag} release -draft", sort="date") == [
        f"{tag} the date of release is fixed @{ann.user['username']}",
        f"{tag} release date moved, see https://example.com/plan"]
    assert await found(bob, f"{tag} in:#sa-other{tag}") == [f"{tag} release draft"]
    assert await found(bob, f"{tag} from:me") == [f"{tag} the date of release is fixed @{ann.user['username']}"]
    assert await found(bob, f"{tag} from:@{ann.user['username']} has:link") == [
        f"{tag} release date moved, see https://example.com/plan"]
    assert await found(ann, f"{tag} mentions:me") == [f"{tag} the date of release is fixed @{ann.user['username']}"]
    assert await found(bob, f"{tag} is:thread") == []
    assert await found(bob, f"{tag} before:2000-01-01") == []
    assert len(await found(bob, f"{tag} after:2000-01-01")) == 3


async def test_paging_by_cursor_and_sort_by_date(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    tag = uuid.uuid4().hex[:6]
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", f"sa-paging{tag}")
    for i in range(7):
        await ann.rest.send(conv["id"], cmid(), f"{tag} item {i}")
    await indexed(ann, tag, 7)
    seen: list[str] = []
    cursor = None
    while True:
        page = await ann.rest.search(tag, sort="date", limit=3, cursor=cursor)
        seen += [h["message"]["text"] for h in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"{tag} item {i}" for i in reversed(range(7))]


async def test_members_only_removed_members_see_nothing_late_joiners_see_public_history(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    tag = uuid.uuid4().hex[:6]
    ann, bob, cat = [await new_person(server.url, admin) for _ in range(3)]
    group = await ann.rest.create_conversation("group", f"sa-perm{tag}", [bob.id])
    channel = await ann.rest.create_conversation("channel", f"sa-open{tag}")
    await ann.rest.send(group["id"], cmid(), f"{tag} group secret")
    await ann.rest.send(channel["id"], cmid(), f"{tag} channel history")
    await indexed(ann, tag, 2)

    assert await found(bob, tag) == [f"{tag} group secret"]
    assert await found(cat, tag) == []  # not a member of either: the public channel only when named
    assert await found(cat, f"{tag} in:#sa-open{tag}") == [f"{tag} channel history"]
    await cat.rest.join(channel["id"])  # a late joiner finds the channel's earlier history, as history shows it
    assert await found(cat, tag) == [f"{tag} channel history"]

    await ann.rest.remove_member(group["id"], bob.id)  # removed: nothing old...
    assert await found(bob, tag) == []
    await ann.rest.send(group["id"], cmid(), f"{tag} after removal")
    await indexed(ann, f"{tag} removal", 1)
    assert await found(bob, tag) == []  # ...nor new
    await refused(bob.rest.search(f"{tag} in:#sa-perm{tag}"), 400, "validation_failed")

    guest = await guest_of(server, admin, (await admin.create_conversation("group", f"sa-g{tag}"))["id"])
    assert await found(guest, tag) == []
    await refused(guest.rest.search(f"{tag} in:#sa-open{tag}"), 400, "validation_failed")


async def test_edited_and_deleted_messages_are_found_as_they_are_now(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    tag = uuid.uuid4().hex[:6]
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", f"sa-edit{tag}")
    first = (await ann.rest.send(conv["id"], cmid(), f"{tag} banana"))["message"]
    second = (await ann.rest.send(conv["id"], cmid(), f"{tag} cherry"))["message"]
    await indexed(ann, tag, 2)
    await ann.rest.delete(conv["id"], first["id"])
    await ann.rest.edit(conv["id"], second["id"], f"{tag} mango")
    assert await found(ann, f"{tag} banana") == []  # gone at once, even before the index hears of it
    assert await found(ann, f"{tag} cherry") == []
    await indexed(ann, f"{tag} mango", 1)
    hit = (await ann.rest.search(f"{tag} mango"))["items"][0]
    assert hit["message"]["edited_at"] is not None
