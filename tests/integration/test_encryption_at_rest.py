"""Encryption at rest, seen from outside a running node: a raw read of its database finds no
plaintext; a ciphertext moved to another row or altered is refused, never served; the rows
open with the node's master key (so the scan looked where the text is)."""

from __future__ import annotations

import pytest

from axon.client.rest import ApiError
from tests.support.at_rest import SEALED_BYTES, opened_values, raw_stored, run_sql
from tests.support.people import admin_rest, new_person
from tests.support.server import ServerProcess

MARKERS = {name: f"ZQW-{name}-marker" for name in ("message", "first", "edited", "topic", "draft", "status",
                                                    "title", "reply", "created-topic")}


async def test_a_raw_read_of_the_database_finds_none_of_the_text(fresh_server: ServerProcess) -> None:
    server = fresh_server
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Secrets", [bob.id], topic=MARKERS["created-topic"])
    await ann.rest.request("PATCH", f"/conversations/{conv['id']}", {"topic": MARKERS["topic"]})
    sent = (await ann.rest.send(conv["id"], "m1", f"{MARKERS['message']} 机密 @{bob.user['username']}"))["message"]
    edited = (await ann.rest.send(conv["id"], "m2", MARKERS["first"]))["message"]
    await ann.rest.edit(conv["id"], edited["id"], MARKERS["edited"])
    await bob.rest.send(conv["id"], "r1", MARKERS["reply"], reply_to=sent["id"])
    await bob.rest.put_draft(conv["id"], MARKERS["draft"])
    await bob.rest.update_me(status_text=MARKERS["status"], title=MARKERS["title"])

    # Readers still get the text in clear.
    history = str(await bob.rest.history(conv["id"])) + str(await bob.rest.events(conv["id"]))
    assert MARKERS["message"] in history and MARKERS["edited"] in history and MARKERS["first"] not in history
    assert (await bob.rest.conversation(conv["id"]))["topic"] == MARKERS["topic"]
    assert [d["text"] for d in await bob.rest.drafts()] == [MARKERS["draft"]]
    me = await bob.rest.me()
    assert (me["status_text"], me["title"]) == (MARKERS["status"], MARKERS["title"])

    live = await raw_stored(server)  # while it runs: the WAL holds the latest pages
    server.stop()
    for stored in (live, await raw_stored(server)):
        assert SEALED_BYTES.search(stored)
        for marker in MARKERS.values():
            assert marker.encode() not in stored, marker
        assert "机密".encode() not in stored
    opened = "\n".join(await opened_values(server))
    for name in ("message", "edited", "topic", "draft", "status", "title", "reply"):
        assert MARKERS[name] in opened, name
    assert MARKERS["first"] not in opened  # the edit replaced it in the events too


async def _refused(call: object) -> ApiError:
    with pytest.raises(ApiError) as caught:
        await call  # type: ignore[misc]
    assert (caught.value.status, caught.value.code) == (500, "stored_data_tampered")
    return caught.value


async def test_a_ciphertext_moved_or_altered_is_refused_not_served(fresh_server: ServerProcess) -> None:
    server = fresh_server
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    one = await ann.rest.create_conversation("group", "One", topic="topic one")
    two = await ann.rest.create_conversation("group", "Two", topic="topic two")
    first = (await ann.rest.send(one["id"], "a", "first text"))["message"]
    second = (await ann.rest.send(one["id"], "b", "second text"))["message"]

    texts = dict(await run_sql(server, "SELECT id, text FROM messages WHERE id IN (:a, :b)",
                               a=first["id"], b=second["id"]))
    # Two messages of one conversation swap their ciphertexts: each is refused.
    await _swap_texts(server, first["id"], texts[second["id"]], second["id"], texts[first["id"]])
    await _refused(ann.rest.history(one["id"]))
    await _refused(ann.rest.request("GET", f"/conversations/{one['id']}/messages/{first['id']}"))
    await _swap_texts(server, first["id"], texts[first["id"]], second["id"], texts[second["id"]])
    assert [m["text"] for m in (await ann.rest.history(one["id"]))["items"]] == ["first text", "second text"]

    # One altered character of a ciphertext.
    bad = texts[first["id"]][:-3] + ("A" if texts[first["id"]][-3] != "A" else "B") + texts[first["id"]][-2:]
    await run_sql(server, "UPDATE messages SET text = :t WHERE id = :i", t=bad, i=first["id"])
    await _refused(ann.rest.history(one["id"]))
    # Plaintext slipped in where only sealed values can be (this organisation has no legacy rows).
    await run_sql(server, "UPDATE messages SET text = 'forged' WHERE id = :i", i=first["id"])
    await _refused(ann.rest.history(one["id"]))
    await run_sql(server, "UPDATE messages SET text = :t WHERE id = :i", t=texts[first["id"]], i=first["id"])

    # Two events of the log swap their data.
    seqs = dict(await run_sql(server, "SELECT seq, data FROM events WHERE conversation_id = :c AND seq IN (:a, :b)",
                              c=one["id"], a=first["seq"], b=second["seq"]))
    await run_sql(server, "UPDATE events SET data = :d WHERE conversation_id = :c AND seq = :s",
                  d=seqs[second["seq"]], c=one["id"], s=first["seq"])
    await _refused(ann.rest.events(one["id"]))
    await run_sql(server, "UPDATE events SET data = :d WHERE conversation_id = :c AND seq = :s",
                  d=seqs[first["seq"]], c=one["id"], s=first["seq"])
    assert len((await ann.rest.events(one["id"]))["items"]) >= 2

    # A topic copied to another conversation.
    topic_one = (await run_sql(server, "SELECT topic FROM conversations WHERE id = :c", c=one["id"]))[0][0]
    await run_sql(server, "UPDATE conversations SET topic = :t WHERE id = :c", t=topic_one, c=two["id"])
    await _refused(ann.rest.conversation(two["id"]))
    assert (await ann.rest.conversation(one["id"]))["topic"] == "topic one"


async def _swap_texts(server: ServerProcess, a: str, text_a: str, b: str, text_b: str) -> None:
    await run_sql(server, "UPDATE messages SET text = :t WHERE id = :i", t=text_a, i=a)
    await run_sql(server, "UPDATE messages SET text = :t WHERE id = :i", t=text_b, i=b)


async def test_channels_are_found_by_name_and_no_longer_by_their_sealed_topic(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    channel = await ann.rest.create_conversation("channel", "zqw-lighthouse", topic="zqwharbour plans")
    assert [c["id"] for c in await ann.rest.request("GET", "/channels", params={"q": "lighthouse"})] == [channel["id"]]
    assert await ann.rest.request("GET", "/channels", params={"q": "zqwharbour"}) == []
