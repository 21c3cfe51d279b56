"""Roles, the organisation's policy and its modules, through the real REST API and WebSocket frames:
a sample of the permission matrix's cells (docs/security.md), each allowed and refused.

The tests of this module share one node and its one organisation; a test that changes the policy
or the modules puts them back before it ends.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from axon.client import ApiError, AxonClient, RestApi
from axon.client.realtime import SendFailed
from tests.support import audit_rows
from tests.support.people import PASSWORD, Person, admin_rest, new_person
from tests.support.server import ServerProcess

DEFAULT_POLICY = {"create_public_channels": "everyone", "create_private_groups": "everyone",
                  "invite_guests": "admins", "edit_window_minutes": None, "delete_window_minutes": None,
                  "members_delete_own": True, "manage_integrations": "admins", "export": "admins"}
ALL_BUILT_ON = {"public_channels": True, "guests": True, "message_editing": True}


async def refused(call: Any, status: int, code: str) -> ApiError:
    with pytest.raises(ApiError) as caught:
        await call
    assert (caught.value.status, caught.value.code) == (status, code), caught.value
    return caught.value


async def ws_refused(client: AxonClient, conv: str, text: str, code: str, **kwargs: Any) -> None:
    with pytest.raises(SendFailed) as caught:
        await client.send(conv, text, **kwargs)
    assert caught.value.code == code


async def next_event(client: AxonClient, type_: str, timeout: float = 10.0) -> dict[str, Any]:
    while True:
        event = await client.next_event(timeout)
        if event.type == type_:
            return event.data


@asynccontextmanager
async def connected(server: ServerProcess, person: Person) -> AsyncIterator[AxonClient]:
    client = await person.client(server.url).connect()
    try:
        yield client
    finally:
        await client.close()


@asynccontextmanager
async def org_settings(admin: RestApi, policy: dict[str, Any] | None = None,
                       modules: dict[str, Any] | None = None) -> AsyncIterator[None]:
    """The organisation with these settings for the block's duration, then the defaults again."""
    try:
        if policy:
            await admin.request("PATCH", "/admin/org/policy", policy)
        if modules:
            await admin.request("PATCH", "/admin/org/modules", modules)
        yield
    finally:
        await admin.request("PATCH", "/admin/org/policy", DEFAULT_POLICY)
        await admin.request("PATCH", "/admin/org/modules", ALL_BUILT_ON)


def cmid() -> str:
    return uuid.uuid4().hex


# --- conversation roles --------------------------------------------------------------------


async def test_a_read_only_member_reads_and_reacts_but_never_posts(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = await new_person(server.url, admin), await new_person(server.url, admin)
    team = await ann.rest.create_conversation("group", "rp-readonly", [bob.id])
    first = (await ann.rest.send(team["id"], cmid(), "Quarterly numbers"))["message"]
    await refused(bob.rest.request("PATCH", f"/conversations/{team['id']}/members/{bob.id}", {"role": "read_only"}),
                  403, "forbidden")  # a plain member changes no roles
    await ann.rest.request("PATCH", f"/conversations/{team['id']}/members/{bob.id}", {"role": "read_only"})
    assert {m["user_id"]: m["role"] for m in await ann.rest.members(team["id"])}[bob.id] == "read_only"
    assert [c for c in await bob.rest.conversations() if c["id"] == team["id"]][0]["my_role"] == "read_only"

    await refused(bob.rest.send(team["id"], cmid(), "may I?"), 403, "read_only")
    await refused(bob.rest.send(team["id"], cmid(), "in a thread?", reply_to=first["id"]), 403, "read_only")
    await refused(bob.rest.pin(team["id"], first["id"]), 403, "read_only")
    await refused(bob.rest.request("PATCH", f"/conversations/{team['id']}", {"topic": "mine"}), 403, "read_only")
    await refused(bob.rest.add_members(team["id"], [admin_id := (await admin.me())["id"]]), 403, "read_only")
    async with connected(server, bob) as bob_ws:
        await ws_refused(bob_ws, team["id"], "over the socket", "read_only")
    await bob.rest.react(team["id"], first["id"], "👍")  # reading and reacting stay
    assert (await bob.rest.history(team["id"]))["items"][0]["reactions"][0]["user_ids"] == [bob.id]

    await ann.rest.request("PATCH", f"/conversations/{team['id']}/members/{bob.id}", {"role": "member"})
    async with connected(server, bob) as bob_ws:
        assert (await bob_ws.send(team["id"], "thanks")).seq > first["seq"]
    assert admin_id not in {m["user_id"] for m in await ann.rest.members(team["id"])}


async def test_an_announcement_channel_takes_posts_from_its_admins_and_replies_from_everyone(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = await new_person(server.url, admin), await new_person(server.url, admin)
    news = await ann.rest.create_conversation("channel", "rp-news", [bob.id])
    await refused(bob.rest.request("PATCH", f"/conversations/{news['id']}", {"announcement": True}), 403, "forbidden")
    async with connected(server, bob) as bob_ws:
        switched = await ann.rest.request("PATCH", f"/conversations/{news['id']}", {"announcement": True})
        assert switched["announcement"] is True
        assert await next_event(bob_ws, "conversation.announcement") == {"announcement": True}
        post = await ann.rest.send(news["id"], cmid(), "We ship on Friday")
        await ws_refused(bob_ws, news["id"], "me too", "announcement_only")
        reply = await bob_ws.send(news["id"], "Great!", reply_to=post["message"]["id"])
        assert reply.seq > post["message"]["seq"]
    await refused(bob.rest.send(news["id"], cmid(), "top level"), 403, "announcement_only")
    await refused(bob.rest.request("PATCH", f"/conversations/{news['id']}", {"topic": "x"}), 403, "announcement_only")
    await bob.rest.react(news["id"], post["message"]["id"], "🎉")
    await ann.rest.request("PATCH", f"/conversations/{news['id']}/members/{bob.id}", {"role": "admin"})
    await bob.rest.send(news["id"], cmid(), "Now I may")  # a conversation admin posts


# --- the organisation's policy --------------------------------------------------------------


async def test_only_admins_create_channels_when_the_policy_says_so_and_members_learn_it_live(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    async with connected(server, ann) as ann_ws:
        async with org_settings(admin, policy={"create_public_channels": "admins", "create_private_groups": "admins"}):
            event = await next_event(ann_ws, "org.updated")
            assert event["org"]["policy"]["create_public_channels"] == "admins"
            assert (await ann.rest.request("GET", "/org"))["policy"]["create_private_groups"] == "admins"
            await refused(ann.rest.create_conversation("channel", "rp-nope"), 403, "forbidden")
            await refused(ann.rest.create_conversation("group", "rp-nope-group"), 403, "forbidden")
            await admin.create_conversation("channel", "rp-admins-may")
        await ann.rest.create_conversation("group", "rp-may-again")  # the default is back
    await refused(ann.rest.request("PATCH", "/admin/org/policy", {"create_public_channels": "everyone"}),
                  403, "forbidden")
    await refused(admin.request("PATCH", "/admin/org/policy", {"edit_window_minutes": 0}), 422, "validation_failed")


async def test_members_may_not_delete_their_messages_when_the_policy_says_so_but_admins_may(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = await new_person(server.url, admin), await new_person(server.url, admin)
    team = await ann.rest.create_conversation("group", "rp-delete", [bob.id])
    mine = (await bob.rest.send(team["id"], cmid(), "oops"))["message"]
    owners = (await ann.rest.send(team["id"], cmid(), "owner's"))["message"]
    async with org_settings(admin, policy={"members_delete_own": False, "edit_window_minutes": 30}):
        await refused(bob.rest.delete(team["id"], mine["id"]), 403, "forbidden")
        assert (await bob.rest.edit(team["id"], mine["id"], "fixed"))["text"] == "fixed"  # within 30 minutes
        await ann.rest.delete(team["id"], owners["id"])  # the conversation's owner may always delete
        await ann.rest.delete(team["id"], mine["id"])  # and moderate
    assert [m["deleted"] for m in (await bob.rest.history(team["id"]))["items"]] == [True, True]


# --- modules ----------------------------------------------------------------------------------


async def test_a_disabled_module_answers_module_disabled_and_hides_what_it_holds(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = await new_person(server.url, admin), await new_person(server.url, admin)
    lounge = await ann.rest.create_conversation("channel", "rp-lounge")
    team = await ann.rest.create_conversation("group", "rp-module-team", [bob.id])
    said = (await ann.rest.send(lounge["id"], cmid(), "hello"))["message"]
    bobs = (await bob.rest.send(team["id"], cmid(), "typo"))["message"]
    async with org_settings(admin, modules={"public_channels": False, "message_editing": False}):
        org = await bob.rest.request("GET", "/org")
        assert org["modules"]["public_channels"] is False and org["modules"]["files"] is True
        assert set(org["modules_available"]) == {"public_channels", "guests", "message_editing", "files",
                                                   "ai_helpers"}
        error = await refused(bob.rest.request("GET", "/channels"), 403, "module_disabled")
        assert error.details == {"module": "public_channels"}
        await refused(bob.rest.create_conversation("channel", "rp-new"), 403, "module_disabled")
        await refused(bob.rest.conversation(lounge["id"]), 404, "not_found")  # non-members no longer see it
        await refused(bob.rest.join(lounge["id"]), 404, "not_found")
        await ann.rest.send(lounge["id"], cmid(), "members keep their channel")
        await refused(ann.rest.edit(lounge["id"], said["id"], "changed"), 403, "module_disabled")
        await refused(bob.rest.delete(team["id"], bobs["id"]), 403, "module_disabled")
        await ann.rest.delete(lounge["id"], said["id"])  # moderation by the conversation's owner stays
    assert (await bob.rest.join(lounge["id"]))["joined"] is True
    await refused(admin.request("PATCH", "/admin/org/modules", {"calls": True}), 400, "validation_failed")


# --- guests -------------------------------------------------------------------------------------


async def test_a_guest_takes_part_only_in_the_conversations_they_were_invited_into(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, carol = await new_person(server.url, admin), await new_person(server.url, admin)
    project = await ann.rest.create_conversation("group", "rp-project", [(await admin.me())["id"]])
    elsewhere = await carol.rest.create_conversation("group", "rp-elsewhere")
    channel = await carol.rest.create_conversation("channel", "rp-open-channel")
    await refused(ann.rest.request("POST", "/guest-invites", {"conversation_ids": [project["id"]]}), 403, "forbidden")
    invite = await admin.request("POST", "/guest-invites", {"conversation_ids": [project["id"]], "max_uses": 1})
    assert (invite["role"], invite["conversation_ids"]) == ("guest", [project["id"]])

    rest = RestApi(server.url)
    session = await rest.signup(invite_token=invite["token"], username=f"guest{uuid.uuid4().hex[:6]}",
                                display_name="Gus Guest", password=PASSWORD)
    guest = Person(session["user"], rest, session["token"])
    assert guest.user["role"] == "guest"
    assert [c["id"] for c in await rest.conversations()] == [project["id"]]  # not #general
    await refused(rest.request("GET", "/channels"), 403, "forbidden")
    await refused(rest.conversation(channel["id"]), 404, "not_found")
    await refused(rest.join(channel["id"]), 404, "not_found")
    await refused(rest.request("GET", f"/users/{carol.id}"), 404, "not_found")
    seen = {u["id"] for u in (await rest.users())["items"]}
    assert ann.id in seen and carol.id not in seen
    await refused(rest.create_conversation("group", "rp-guest-group"), 403, "forbidden")
    await refused(rest.add_members(project["id"], [ann.id]), 403, "forbidden")  # guests add nobody
    await refused(rest.direct(carol.id), 404, "not_found")
    await refused(carol.rest.direct(guest.id), 403, "forbidden")  # nor may others pull a guest aside
    dm = await rest.direct(ann.id)  # people of a shared conversation: yes
    await rest.send(dm["id"], cmid(), "hi Ann")
    async with connected(server, guest) as guest_ws:
        assert (await guest_ws.send(project["id"], "hello team")).seq > 0
    await refused(carol.rest.add_members(elsewhere["id"], [guest.id]), 403, "forbidden")  # members may not by default
    async with org_settings(admin, policy={"invite_guests": "everyone"}):
        assert await carol.rest.add_members(elsewhere["id"], [guest.id]) == [guest.id]
    assert (await rest.conversation(elsewhere["id"]))["id"] == elsewhere["id"]


async def test_with_the_guests_module_off_nobody_becomes_a_guest(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    room = await admin.create_conversation("group", "rp-guest-off")
    invite = await admin.request("POST", "/guest-invites", {"conversation_ids": [room["id"]]})
    async with org_settings(admin, modules={"guests": False}):
        await refused(admin.request("POST", "/guest-invites", {"conversation_ids": [room["id"]]}),
                      403, "module_disabled")
        await refused(RestApi(server.url).signup(invite_token=invite["token"], username="rpoffguest",
                                                 display_name="Off", password=PASSWORD), 403, "module_disabled")
        await refused(admin.request("PATCH", f"/admin/users/{ann.id}", {"role": "guest"}), 403, "module_disabled")


# --- organisation roles ---------------------------------------------------------------------------


async def test_only_owners_make_owners_and_an_organisation_keeps_one(server: ServerProcess) -> None:
    owner = await admin_rest(server.url)
    owner_id = (await owner.me())["id"]
    assert (await owner.me())["role"] == "owner"
    ann, bob = await new_person(server.url, owner), await new_person(server.url, owner)
    await owner.request("PATCH", f"/admin/users/{ann.id}", {"role": "admin"})
    async with connected(server, bob) as bob_ws:
        await refused(ann.rest.request("PATCH", f"/admin/users/{bob.id}", {"role": "owner"}), 403, "forbidden")
        await refused(ann.rest.request("PATCH", f"/admin/users/{owner_id}", {"disabled": True}), 403, "forbidden")
        await owner.request("PATCH", f"/admin/users/{bob.id}", {"role": "guest"})
        assert (await next_event(bob_ws, "profile.updated"))["user"]["role"] == "guest"
    await refused(bob.rest.request("GET", "/channels"), 403, "forbidden")  # at once
    await owner.request("PATCH", f"/admin/users/{bob.id}", {"role": "member"})
    await refused(owner.request("PATCH", f"/admin/users/{owner_id}", {"role": "admin"}), 403, "last_owner")
    await owner.request("PATCH", f"/admin/users/{ann.id}", {"role": "owner"})
    assert (await ann.rest.request("PATCH", f"/admin/users/{owner_id}", {"role": "admin"}))["role"] == "admin"
    await ann.rest.request("PATCH", f"/admin/users/{owner_id}", {"role": "owner"})  # put back for the others


# --- the audit log ----------------------------------------------------------------------------------


async def test_policy_module_role_and_announcement_changes_are_audited(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    org_id = (await admin.request("GET", "/org"))["id"]
    ann = await new_person(server.url, admin)
    news = await admin.create_conversation("channel", "rp-audited", [ann.id])
    before = len(await audit_rows.entries(server, org_id))
    async with org_settings(admin, policy={"invite_guests": "everyone", "export": "owners"},
                            modules={"message_editing": False}):
        await admin.request("PATCH", f"/admin/users/{ann.id}", {"role": "guest"})
        await admin.request("PATCH", f"/conversations/{news['id']}/members/{ann.id}", {"role": "read_only"})
        await admin.request("PATCH", f"/conversations/{news['id']}", {"announcement": True})
        invite = await admin.request("POST", "/guest-invites", {"conversation_ids": [news["id"]]})
    rows = (await audit_rows.entries(server, org_id))[before:]
    seen = [(r["action"], r["target_id"], json.loads(r["details"])) for r in rows]
    me = (await admin.me())["id"]
    assert all(r["actor_user_id"] == me for r in rows)
    assert seen[:4] == [
        ("org.policy_changed", org_id, {"setting": "export", "from": "admins", "to": "owners"}),
        ("org.policy_changed", org_id, {"setting": "invite_guests", "from": "admins", "to": "everyone"}),
        ("org.module_changed", org_id, {"module": "message_editing", "from": True, "to": False}),
        ("user.role_changed", ann.id, {"from": "member", "to": "guest"}),
    ]
    assert seen[4] == ("conversation.role_changed", news["id"],
                       {"user_id": ann.id, "from": "member", "to": "read_only"})
    assert seen[5] == ("conversation.policy_changed", news["id"],
                       {"setting": "announcement", "from": False, "to": True})
    assert seen[6][:2] == ("invite.created", invite["id"])
    assert (seen[6][2]["role"], seen[6][2]["conversation_ids"]) == ("guest", [news["id"]])
    # Putting the settings back (the context's exit) is audited too: policy twice, the module once.
    assert [a for a, _, _ in seen[7:]] == ["org.policy_changed", "org.policy_changed", "org.module_changed"]
