"""Sidebar preferences, drafts and "mark all as read" over the real server: what one device changes,
every other device of the user gets as a user event (live, or from the user stream on resume)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from axon.client import ApiError, AxonClient, RestApi
from tests.support.people import Person, admin_rest, new_person
from tests.support.server import ServerProcess


async def next_user_event(client: AxonClient, type_: str, timeout: float = 10.0) -> dict[str, Any]:
    while True:
        event = await client.next_event(timeout)
        if event.kind == "user_event" and event.type == type_:
            return dict(event.data)


async def user_stream(person: Person, type_: str) -> list[dict[str, Any]]:
    page = await person.rest.request("GET", "/sync/user-events", params={"after_seq": 0, "limit": 1000})
    return [item["data"] for item in page["items"] if item["type"] == type_]


async def test_preferences_change_on_one_device_reaches_the_others(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    general = await ann.rest.create_conversation("channel", "hb-prefs-general", [bob.id])
    team = await ann.rest.create_conversation("group", "hb-prefs-team", [bob.id])
    assert await ann.rest.preferences() == {"version": 0, "favourites": [], "collapsed": [], "unread_only": False,
                                           "muted": [], "smart_replies": True}
    other_device = await ann.client(server.url).connect()
    try:
        first = await ann.rest.update_preferences(0, favourites=[team["id"], general["id"]], collapsed=["groups"])
        assert first == {"version": 1, "favourites": [team["id"], general["id"]], "collapsed": ["groups"],
                         "unread_only": False, "muted": [], "smart_replies": True}
        assert await next_user_event(other_device, "preferences.updated") == first
        second = await ann.rest.update_preferences(1, favourites=[general["id"], team["id"]], unread_only=True,
                                                   muted=[team["id"]])
        assert second["version"] == 2 and second["collapsed"] == ["groups"]  # untouched fields stay
        assert await next_user_event(other_device, "preferences.updated") == second
    finally:
        await other_device.close()
    # A device that was offline finds every change in the user stream (resume replays it).
    assert [e["version"] for e in await user_stream(ann, "preferences.updated")] == [1, 2]
    assert await bob.rest.preferences() == {"version": 0, "favourites": [], "collapsed": [], "unread_only": False,
                                           "muted": [], "smart_replies": True}


async def test_a_stale_base_version_is_refused_with_the_current_preferences(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "hb-prefs-stale")
    current = await ann.rest.update_preferences(0, favourites=[conv["id"]])
    with pytest.raises(ApiError) as refused:
        await ann.rest.update_preferences(0, unread_only=True)  # another device changed them meanwhile
    assert (refused.value.status, refused.value.code) == (409, "version_conflict")
    assert refused.value.details == {"preferences": current}
    assert await ann.rest.preferences() == current  # nothing applied


async def test_of_two_changes_based_on_the_same_version_one_wins_and_the_other_conflicts(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    phone = RestApi(server.url, ann.token)
    try:
        results = await asyncio.gather(ann.rest.update_preferences(0, unread_only=True),
                                       phone.update_preferences(0, collapsed=["direct"]), return_exceptions=True)
    finally:
        await phone.close()
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, ApiError)]
    assert len(won) == 1 and len(lost) == 1 and lost[0].code == "version_conflict"
    assert lost[0].details == {"preferences": won[0]} and won[0]["version"] == 1


async def test_preferences_only_name_conversations_of_the_user_and_stay_bounded(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    bobs = await bob.rest.create_conversation("group", "hb-prefs-private")
    channel = await bob.rest.create_conversation("channel", "hb-prefs-open")
    for changes in ({"favourites": [bobs["id"]]}, {"muted": ["c_unknown"]}):
        with pytest.raises(ApiError) as refused:
            await ann.rest.update_preferences(0, **changes)
        assert (refused.value.status, refused.value.code) == (404, "not_found")
    with pytest.raises(ApiError) as refused:
        await ann.rest.update_preferences(0, favourites=[channel["id"]])  # visible, but not joined
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    for changes in ({"collapsed": ["starred"]}, {"favourites": [f"c_{i}" for i in range(201)]},
                    {"unread_only": "yes"}):
        with pytest.raises(ApiError) as refused:
            await ann.rest.update_preferences(0, **changes)
        assert refused.value.code == "validation_failed", changes
    assert (await ann.rest.preferences())["version"] == 0


async def test_a_conversation_left_drops_out_of_the_preferences_on_the_next_change(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    keep = await ann.rest.create_conversation("group", "hb-prefs-keep")
    leave = await bob.rest.create_conversation("group", "hb-prefs-leave", [ann.id])
    await ann.rest.update_preferences(0, favourites=[leave["id"], keep["id"]], muted=[leave["id"]])
    await ann.rest.leave(leave["id"])
    after = await ann.rest.update_preferences(1, unread_only=True)  # the stale id is not refused, it is dropped
    assert (after["favourites"], after["muted"]) == ([keep["id"]], [])


async def test_drafts_follow_the_user_and_sending_clears_them_in_the_same_write(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "hb-drafts", [bob.id])
    root = (await bob.rest.send(conv["id"], "hb-root", "Plan?"))["message"]
    other_device = await ann.client(server.url).connect()
    try:
        saved = await ann.rest.put_draft(conv["id"], "Half a thought")
        assert saved is not None and saved["text"] == "Half a thought" and saved["thread_root"] is None
        event = await next_user_event(other_device, "draft.updated")
        assert (event["conversation_id"], event["thread_root"], event["text"]) == (conv["id"], None, "Half a thought")
        await ann.rest.put_draft(conv["id"], "A reply in progress", thread_root=root["id"])
        await next_user_event(other_device, "draft.updated")
        assert {(d["thread_root"], d["text"]) for d in await ann.rest.drafts()} == {
            (None, "Half a thought"), (root["id"], "A reply in progress")}
        assert await bob.rest.drafts() == []  # drafts are private

        # A thread reply clears only the thread's draft; a message clears the conversation's.
        await ann.rest.send(conv["id"], "hb-reply", "Yes", reply_to=root["id"])
        cleared = await next_user_event(other_device, "draft.updated")
        assert (cleared["thread_root"], cleared["text"]) == (root["id"], None)
        assert [d["thread_root"] for d in await ann.rest.drafts()] == [None]
        await ann.rest.send(conv["id"], "hb-msg", "Whole thought")
        cleared = await next_user_event(other_device, "draft.updated")
        assert (cleared["conversation_id"], cleared["thread_root"], cleared["text"]) == (conv["id"], None, None)
        assert await ann.rest.drafts() == []
        # With no draft left, a send changes nothing in the user stream.
        before = len(await user_stream(ann, "draft.updated"))
        await ann.rest.send(conv["id"], "hb-msg-2", "And another")
        assert len(await user_stream(ann, "draft.updated")) == before == 4
    finally:
        await other_device.close()


async def test_clearing_a_draft_and_the_limits_of_one(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "hb-drafts-limits", [bob.id])
    await ann.rest.put_draft(conv["id"], "x")
    assert await ann.rest.put_draft(conv["id"], "") is None  # empty text clears
    assert await ann.rest.drafts() == []
    await ann.rest.put_draft(conv["id"], "again")
    await ann.rest.delete_draft(conv["id"])
    await ann.rest.delete_draft(conv["id"])  # deleting nothing is fine, and no event
    assert [e["text"] for e in await user_stream(ann, "draft.updated")] == ["x", None, "again", None]
    with pytest.raises(ApiError) as refused:
        await ann.rest.put_draft(conv["id"], "x" * (16 * 1024 + 1))
    assert (refused.value.status, refused.value.code) == (413, "message_too_large")
    # Leaving takes the drafts along: coming back starts without them.
    channel = await bob.rest.create_conversation("channel", "hb-drafts-leave", [ann.id])
    await ann.rest.put_draft(channel["id"], "before leaving")
    await ann.rest.leave(channel["id"])
    await ann.rest.join(channel["id"])
    assert await ann.rest.drafts() == []
    private = await bob.rest.create_conversation("group", "hb-drafts-bob")
    with pytest.raises(ApiError) as refused:
        await ann.rest.put_draft(private["id"], "snoop")
    assert (refused.value.status, refused.value.code) == (404, "not_found")


async def test_mark_all_as_read_moves_every_marker_and_tells_every_device(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    first = await bob.rest.create_conversation("group", "hb-readall-1", [ann.id])
    second = await bob.rest.create_conversation("channel", "hb-readall-2", [ann.id])
    quiet = await bob.rest.create_conversation("group", "hb-readall-3", [ann.id])
    await bob.rest.send(first["id"], "hb-ra-1", "one")
    await bob.rest.send(first["id"], "hb-ra-2", f"two @{ann.user['username']}")
    last = (await bob.rest.send(second["id"], "hb-ra-3", "three"))["message"]
    await ann.rest.mark_read(quiet["id"], 10**6)
    other_device = await ann.client(server.url).connect()
    try:
        moved = await ann.rest.read_all()
        moved_ids = {m["conversation_id"] for m in moved}  # (with the org's default channels, if any)
        assert {first["id"], second["id"]} <= moved_ids and quiet["id"] not in moved_ids
        assert {"conversation_id": second["id"], "read_seq": last["seq"]} in moved
        markers = {(await next_user_event(other_device, "read_marker"))["conversation_id"] for _ in moved}
        assert markers == moved_ids
        summaries = {c["id"]: c for c in await ann.rest.conversations()}
        assert all(c["unread_count"] == 0 and c["mention_count"] == 0 for c in summaries.values())
        assert await ann.rest.read_all() == []  # nothing left: no event either
    finally:
        await other_device.close()
