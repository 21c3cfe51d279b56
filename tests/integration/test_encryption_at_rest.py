"""Encryption at rest, seen from outside a running node: a raw read of its database finds no
plaintext; a ciphertext moved to another row or altered is refused, never served; the rows
open with the node's master key (so the scan looked where the text is)."""

from __future__ import annotations

import pytest

from axon.client.rest import ApiError, RestApi
from tests.support.at_rest import SEALED_BYTES, opened_values, raw_stored, run_sql
from tests.support.people import PASSWORD, admin_rest, new_person
from tests.support.server import ServerProcess
from tests.support.stored_secrets import keep_secrets, secrets_still_work, totp_code

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
    kept = await keep_secrets(server.url, admin)

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
        for secret in kept.values:
            assert secret.encode() not in stored, secret
    opened = "\n".join(await opened_values(server))
    for name in ("message", "edited", "topic", "draft", "status", "title", "reply"):
        assert MARKERS[name] in opened, name
    for secret in kept.values:
        assert secret in opened, secret
    server.start()
    await secrets_still_work(server.url, await admin_rest(server.url), kept)
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


async def test_a_secret_moved_to_another_user_or_provider_is_refused(fresh_server: ServerProcess) -> None:
    server = fresh_server
    admin = await admin_rest(server.url)
    kept = await keep_secrets(server.url, admin)
    other = await new_person(server.url, admin)
    other_secret = (await other.rest.begin_totp())["secret"]
    await other.rest.confirm_totp(totp_code(other_secret))
    seeds = dict(await run_sql(server, "SELECT user_id, totp_secret FROM two_factor WHERE totp_secret IS NOT NULL"))
    one, two = kept.enrolled, other

    # Two people's TOTP seeds swapped: neither can sign in with either seed, nor see their 2FA status.
    await _set_seed(server, one.id, seeds[two.id])
    await _set_seed(server, two.id, seeds[one.id])
    for person, secret in ((one, other_secret), (one, kept.totp_secret), (two, kept.totp_secret)):
        await _refused(RestApi(server.url).login(person.user["username"], PASSWORD, code=totp_code(secret, 1)))
    await _refused(two.rest.two_factor())
    # A pending seed moved into the enabled column of the same person.
    pending = (await run_sql(server, "SELECT pending_secret FROM two_factor WHERE user_id = :u",
                             u=kept.enrolling.id))[0][0]
    await _set_seed(server, one.id, pending)
    await _refused(RestApi(server.url).login(one.user["username"], PASSWORD, code=totp_code(kept.pending_secret, 1)))
    await _set_seed(server, one.id, seeds[one.id])
    await _set_seed(server, two.id, seeds[two.id])
    await RestApi(server.url).login(two.user["username"], PASSWORD, code=totp_code(other_secret, 1))

    # The LDAP bind password and the OIDC client secret swapped.
    secrets = dict(await run_sql(server, "SELECT kind, secret FROM sso_providers"))
    for kind, secret in (("ldap", secrets["oidc"]), ("oidc", secrets["ldap"])):
        await run_sql(server, "UPDATE sso_providers SET secret = :s WHERE kind = :k", s=secret, k=kind)
    await _refused(admin.request("GET", "/admin/sso"))
    for kind, secret in secrets.items():
        await run_sql(server, "UPDATE sso_providers SET secret = :s WHERE kind = :k", s=secret, k=kind)
    assert (await admin.request("GET", "/admin/sso"))["ldap"]["has_bind_password"] is True


async def _set_seed(server: ServerProcess, user_id: str, sealed: str) -> None:
    await run_sql(server, "UPDATE two_factor SET totp_secret = :s WHERE user_id = :u", s=sealed, u=user_id)


async def _swap_texts(server: ServerProcess, a: str, text_a: str, b: str, text_b: str) -> None:
    await run_sql(server, "UPDATE messages SET text = :t WHERE id = :i", t=text_a, i=a)
    await run_sql(server, "UPDATE messages SET text = :t WHERE id = :i", t=text_b, i=b)


async def test_channels_are_found_by_name_and_no_longer_by_their_sealed_topic(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    channel = await ann.rest.create_conversation("channel", "zqw-lighthouse", topic="zqwharbour plans")
    assert [c["id"] for c in await ann.rest.request("GET", "/channels", params={"q": "lighthouse"})] == [channel["id"]]
    assert await ann.rest.request("GET", "/channels", params={"q": "zqwharbour"}) == []
