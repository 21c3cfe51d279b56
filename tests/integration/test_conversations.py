"""Conversations and membership: every change is a traceable event; the right people see the right things."""

from __future__ import annotations

import pytest

from axon.client import ApiError
from tests.support.people import admin_rest, new_person
from tests.support.server import ServerProcess


async def event_types(person, conv_id: str) -> list[tuple[str, dict]]:
    page = await person.rest.events(conv_id)
    return [(e["type"], e["data"]) for e in page["items"]]


async def test_group_lifecycle_is_recorded_as_events(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob, cat = [await new_person(server.url, admin) for _ in range(3)]
    conv = await ann.rest.create_conversation("group", "Design", [bob.id], topic="Mockups")
    assert conv["my_role"] == "owner" and conv["member_count"] == 2 and conv["topic"] == "Mockups"
    assert await ann.rest.add_members(conv["id"], [cat.id, bob.id]) == [cat.id]
    await bob.rest.request("PATCH", f"/conversations/{conv['id']}", {"topic": "Mockups v2"})
    with pytest.raises(ApiError) as refused:
        await bob.rest.request("PATCH", f"/conversations/{conv['id']}", {"name": "Mine"})
    assert refused.value.status == 403
    await ann.rest.request("PATCH", f"/conversations/{conv['id']}", {"name": "Design team"})
    await ann.rest.remove_member(conv["id"], cat.id)
    await bob.rest.leave(conv["id"])
    await ann.rest.request("POST", f"/conversations/{conv['id']}/archive")
    types = await event_types(ann, conv["id"])
    assert [t for t, _ in types] == [
        "conversation.created", "member.joined", "member.joined", "member.joined", "conversation.topic_changed",
        "conversation.renamed", "member.left", "member.left", "conversation.archived"]
    assert types[3][1] == {"user_id": cat.id, "role": "member", "invited_by": ann.id}
    assert types[6][1] == {"user_id": cat.id, "removed_by": ann.id}
    assert types[7][1] == {"user_id": bob.id, "removed_by": None}
    with pytest.raises(ApiError) as archived:
        await ann.rest.send(conv["id"], "x1", "hello?")
    assert archived.value.code == "archived"
    with pytest.raises(ApiError) as gone:  # bob left a private group: it is invisible to him now
        await bob.rest.history(conv["id"])
    assert gone.value.status == 404


async def test_direct_conversation_is_unique_per_pair(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    first = await ann.rest.direct(bob.id)
    second = await bob.rest.direct(ann.id)
    assert first["id"] == second["id"] and first["kind"] == "direct"
    assert first["peer_id"] == bob.id and second["peer_id"] == ann.id
    with pytest.raises(ApiError) as refused:
        await ann.rest.leave(first["id"])
    assert refused.value.status == 403


async def test_public_channels_can_be_browsed_previewed_and_joined(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    channel = await ann.rest.create_conversation("channel", "Announcements 公告")
    await ann.rest.send(channel["id"], "a1", "Welcome")
    listed = await bob.rest.request("GET", "/channels", params={"q": "gonggao"})
    assert [c["id"] for c in listed] == [channel["id"]] and listed[0]["joined"] is False
    preview = await bob.rest.history(channel["id"])
    assert [m["text"] for m in preview["items"]] == ["Welcome"]
    with pytest.raises(ApiError) as must_join:
        await bob.rest.send(channel["id"], "b1", "hi")
    assert must_join.value.status == 403
    joined = await bob.rest.join(channel["id"])
    assert joined["joined"] and joined["member_count"] == 2
    assert (await bob.rest.send(channel["id"], "b1", "hi"))["message"]["seq"] == joined["last_seq"] + 1


async def test_private_groups_cannot_be_joined_or_seen_by_outsiders(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, eve = [await new_person(server.url, admin) for _ in range(2)]
    group = await ann.rest.create_conversation("group", "Secret")
    await ann.rest.send(group["id"], "s1", "classified")
    for call in (eve.rest.join(group["id"]), eve.rest.history(group["id"]), eve.rest.conversation(group["id"]),
                 eve.rest.events(group["id"]), eve.rest.members(group["id"])):
        with pytest.raises(ApiError) as refused:
            await call
        assert refused.value.status == 404
    assert group["id"] not in [c["id"] for c in await eve.rest.request("GET", "/channels")]


async def test_member_directory_finds_chinese_names_by_pinyin(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    zhang = await new_person(server.url, admin, display_name="张伟")
    for query in ("张伟", "zhangwei", "zw", "zhang"):
        found = await zhang.rest.users(query)
        assert zhang.id in [u["id"] for u in found["items"]], query
    page = await zhang.rest.users("", limit=2)
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = await zhang.rest.users("", cursor=page["next_cursor"], limit=200)
    ids = [u["id"] for u in page["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) and zhang.id in ids
    assert "email" not in page["items"][0] or page["items"][0]["email"] is None


async def test_roles_decide_who_manages_a_group_and_unarchiving_reopens_it(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob, cat, dan = [await new_person(server.url, admin) for _ in range(4)]
    conv = await ann.rest.create_conversation("group", "Ops", [bob.id, cat.id])
    path = f"/conversations/{conv['id']}"
    with pytest.raises(ApiError) as member_renames:
        await bob.rest.request("PATCH", path, {"name": "Bob's"})
    assert member_renames.value.status == 403
    with pytest.raises(ApiError) as member_promotes:
        await bob.rest.request("PATCH", f"{path}/members/{bob.id}", {"role": "admin"})
    assert member_promotes.value.status == 403
    with pytest.raises(ApiError) as outsider:
        await dan.rest.request("PATCH", f"{path}/members/{bob.id}", {"role": "admin"})
    assert outsider.value.status == 404  # not a member: the group does not exist for dan

    await ann.rest.request("PATCH", f"{path}/members/{bob.id}", {"role": "admin"})
    renamed = await bob.rest.request("PATCH", path, {"name": "Ops (on call)"})
    assert renamed["name"] == "Ops (on call)"
    await bob.rest.request("POST", f"{path}/archive")
    with pytest.raises(ApiError) as closed:
        await cat.rest.send(conv["id"], "c1", "still here?")
    assert closed.value.code == "archived"
    reopened = await bob.rest.request("POST", f"{path}/unarchive")
    assert reopened["archived"] is False
    sent = await cat.rest.send(conv["id"], "c2", "back again")
    types = await event_types(ann, conv["id"])
    assert [t for t, _ in types][-5:] == ["member.role_changed", "conversation.renamed", "conversation.archived",
                                         "conversation.unarchived", "message.new"]
    assert types[-5][1] == {"user_id": bob.id, "role": "admin"}
    assert types[-1][1]["message"]["id"] == sent["message"]["id"]
