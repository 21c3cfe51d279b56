"""Profiles, avatars and forwarding end to end over real sockets: status fields, the avatar upload
(validated, re-encoded, authorised, cached by ETag), profile changes reaching others live, and
forwards that copy a message only the sender may read."""

from __future__ import annotations

import asyncio
import io
import uuid

import httpx
import pytest
from PIL import Image

from axon.app import Services, build_services
from axon.client import ApiError, AxonClient, SendFailed
from axon.config import Settings
from axon.domain.errors import NotFound
from axon.domain.model import Actor, OrgRole
from axon.services.people import NewUser
from tests.support.people import Person, admin_rest, new_person
from tests.support.server import ServerProcess


async def next_of(client: AxonClient, type_: str, timeout: float = 10.0):
    while True:
        event = await client.next_event(timeout)
        if event.type == type_:
            return event


def png(width: int, height: int, colour: tuple[int, int, int] = (200, 30, 30), exif: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        image.save(out, "JPEG", exif=data.tobytes())
    else:
        image.save(out, "PNG")
    return out.getvalue()


def http(server: ServerProcess, person: Person) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url + "/api/v1", headers={"Authorization": f"Bearer {person.token}"})


# --- profile fields -----------------------------------------------------------------


async def test_title_status_and_time_zone_are_validated_and_shown_to_others(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    me = await ann.rest.update_me(title="Designer", status_text="On a train", status_emoji="🚆",
                                  timezone="Asia/Shanghai")
    assert (me["title"], me["status_text"], me["status_emoji"], me["timezone"]) == (
        "Designer", "On a train", "🚆", "Asia/Shanghai")
    seen = await bob.rest.request("GET", f"/users/{ann.id}")
    assert (seen["title"], seen["status_emoji"], seen["avatar"]) == ("Designer", "🚆", None)
    for bad in ({"timezone": "Mars/Olympus"}, {"status_emoji": "two words"}, {"title": "x" * 201}):
        with pytest.raises(ApiError) as refused:
            await ann.rest.update_me(**bad)
        assert refused.value.status == 400 and refused.value.code == "validation_failed"
        assert refused.value.details == {"field": next(iter(bad))}
    cleared = await ann.rest.update_me(status_emoji="", status_text="")
    assert (cleared["status_emoji"], cleared["status_text"]) == ("", "")


async def test_a_profile_change_reaches_those_who_follow_the_persons_presence(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    watcher = await bob.client(server.url).connect()
    try:
        await watcher.watch_presence([ann.id])
        await ann.rest.update_me(status_text="Lunch", status_emoji="🍜")
        frame = await _next_frame(watcher, "profile")
        assert frame["user"]["id"] == ann.id and frame["user"]["status_emoji"] == "🍜"
        assert "email" not in frame["user"]  # the public profile only
    finally:
        await watcher.close()


async def _next_frame(client: AxonClient, kind: str, timeout: float = 10.0) -> dict:
    while True:
        event = await client.next_event(timeout)
        if event.kind == kind:
            return event.frame


# --- avatars ------------------------------------------------------------------------


async def test_an_avatar_round_trip_is_a_small_square_webp_without_metadata(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    async with http(server, ann) as ann_http, http(server, bob) as bob_http:
        put = await ann_http.put("/me/avatar", content=png(1200, 800, exif=True),
                                 headers={"Content-Type": "image/jpeg"})
        assert put.status_code == 200, put.text
        version = put.json()["avatar"]
        assert version
        got = await bob_http.get(f"/users/{ann.id}/avatar")
        assert got.status_code == 200 and got.headers["content-type"] == "image/webp"
        assert got.headers["etag"] == f'"{version}"' and "private" in got.headers["cache-control"]
        image = Image.open(io.BytesIO(got.content))
        assert image.format == "WEBP" and image.size == (256, 256)
        assert b"SecretCam" not in got.content and not image.getexif()
        again = await bob_http.get(f"/users/{ann.id}/avatar", headers={"If-None-Match": f'"{version}"'})
        assert again.status_code == 304
        assert (await bob.rest.request("GET", f"/users/{ann.id}"))["avatar"] == version

        removed = await ann_http.delete("/me/avatar")
        assert removed.status_code == 200 and removed.json()["avatar"] is None
        gone = await bob_http.get(f"/users/{ann.id}/avatar")
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


async def test_bad_and_oversized_uploads_are_refused_with_codes(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    async with http(server, ann) as ann_http:
        bad = await ann_http.put("/me/avatar", content=b"not an image at all")
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_image"
        svg = await ann_http.put("/me/avatar", content=b"<svg xmlns='http://www.w3.org/2000/svg'/>")
        assert svg.status_code == 400 and svg.json()["error"]["code"] == "invalid_image"
        # Refused from Content-Length before a byte is read (the node then closes the connection).
        big = await asyncio.to_thread(httpx.put, f"{server.url}/api/v1/me/avatar", timeout=30,
                                      content=b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 1),
                                      headers={"Authorization": f"Bearer {ann.token}"})
        assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"
        assert big.json()["error"]["details"] == {"limit": 5 * 1024 * 1024}
        just_under = await ann_http.put("/me/avatar", content=b"\x89PNG" + b"0" * (5 * 1024 * 1024 - 4))
        assert just_under.status_code == 400 and just_under.json()["error"]["code"] == "invalid_image"
        bomb = await ann_http.put("/me/avatar", content=_pixel_bomb())
        assert bomb.status_code == 413 and bomb.json()["error"]["code"] == "image_too_large"
        assert (await ann.rest.me())["avatar"] is None  # nothing was stored


def _pixel_bomb() -> bytes:
    """A few KiB of PNG declaring 10,000 x 10,000 pixels."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


async def test_avatars_are_not_visible_across_organisations(database_url: str) -> None:
    services = build_services(Settings(database_url=database_url, argon2_memory_kib=1024, argon2_time_cost=1,
                                       argon2_parallelism=1))
    writer = asyncio.create_task(services.core.writer.run())
    try:
        home, other = await services.people.create_org("Home"), await services.people.create_org("Other")
        ann = await _member(services, home["id"], "ann")
        bob = await _member(services, home["id"], "bob")
        eve = await _member(services, other["id"], "eve")
        await services.avatars.set(ann, png(64, 64))
        assert (await services.avatars.get(bob, ann.user_id)).content_type == "image/webp"
        with pytest.raises(NotFound):
            await services.avatars.get(eve, ann.user_id)
    finally:
        services.core.writer.stop()
        await writer
        await services.core.db.close()


async def _member(services: Services, org_id: str, name: str) -> Actor:
    user = await services.people.create_user(org_id, NewUser(name, name.title(), "tangerine-orbit-mosaic-41"))
    return Actor(user["id"], org_id, f"d_{name}", OrgRole.MEMBER)


async def test_an_avatar_change_reaches_watchers_live(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    watcher = await bob.client(server.url).connect()
    try:
        await watcher.watch_presence([ann.id])
        async with http(server, ann) as ann_http:
            version = (await ann_http.put("/me/avatar", content=png(32, 32))).json()["avatar"]
        frame = await _next_frame(watcher, "profile")
        assert frame["user"]["avatar"] == version
    finally:
        await watcher.close()


# --- forwarding ---------------------------------------------------------------------


async def test_a_forward_copies_the_text_and_names_its_source(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob, cat = [await new_person(server.url, admin) for _ in range(3)]
    source = await ann.rest.create_conversation("group", "Source", [bob.id])
    target = await bob.rest.create_conversation("group", "Target", [cat.id])
    original = (await ann.rest.send(source["id"], str(uuid.uuid4()), "Ship it @" + bob.user["username"]))["message"]
    client = await cat.client(server.url).connect()
    try:
        sent = await bob.rest.forward(target["id"], str(uuid.uuid4()), source["id"], original["seq"])
        message = sent["message"]
        assert message["text"] == original["text"] and message["sender_id"] == bob.id
        assert message["forwarded"] == {"conversation_id": source["id"], "seq": original["seq"],
                                        "sender_id": ann.id}
        assert message["mentions"] == []  # a forward notifies nobody again
        event = await next_of(client, "message.new")
        assert event.data["message"]["forwarded"]["conversation_id"] == source["id"]
        history = await cat.rest.history(target["id"])
        assert history["items"][-1]["forwarded"]["sender_id"] == ann.id
        plain = (await ann.rest.send(source["id"], str(uuid.uuid4()), "plain"))["message"]
        assert plain["forwarded"] is None
        with pytest.raises(ApiError) as refused:  # a forward is a copy: not editable
            await bob.rest.edit(target["id"], message["id"], "changed")
        assert refused.value.code == "forbidden"
    finally:
        await client.close()


async def test_only_what_the_sender_may_read_can_be_forwarded(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob, cat = [await new_person(server.url, admin) for _ in range(3)]
    private = await ann.rest.create_conversation("group", "Private", [bob.id])
    shared = await cat.rest.create_conversation("group", "Shared", [bob.id])
    secret = (await ann.rest.send(private["id"], str(uuid.uuid4()), "secret"))["message"]
    with pytest.raises(ApiError) as refused:
        await cat.rest.forward(shared["id"], str(uuid.uuid4()), private["id"], secret["seq"])
    assert refused.value.status == 404 and refused.value.code == "not_found"
    with pytest.raises(ApiError) as missing:
        await bob.rest.forward(shared["id"], str(uuid.uuid4()), private["id"], secret["seq"] + 50)
    assert missing.value.code == "not_found" and missing.value.details == {"field": "forward_of"}
    with pytest.raises(ApiError) as both:
        await bob.rest.request("POST", f"/conversations/{shared['id']}/messages", {
            "client_msg_id": str(uuid.uuid4()), "text": "mine",
            "forward_of": {"conversation_id": private["id"], "seq": secret["seq"]}})
    assert both.value.code == "validation_failed"
    assert [m["text"] for m in (await cat.rest.history(shared["id"]))["items"]] == []


async def test_a_forward_over_the_websocket_is_idempotent(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    source = await ann.rest.create_conversation("group", "From", [bob.id])
    target = await ann.rest.create_conversation("group", "To", [bob.id])
    original = (await ann.rest.send(source["id"], str(uuid.uuid4()), "hello"))["message"]
    client = await ann.client(server.url).connect()
    try:
        key = str(uuid.uuid4())
        ack = await client.send(target["id"], "", forward_of=(source["id"], original["seq"]), client_msg_id=key)
        again = await client.send(target["id"], "", forward_of=(source["id"], original["seq"]), client_msg_id=key)
        assert again.duplicate and again.message_id == ack.message_id
        with pytest.raises(SendFailed) as reused:  # the same key for another source
            await client.send(target["id"], "", forward_of=(source["id"], original["seq"] - 1), client_msg_id=key)
        assert reused.value.code == "idempotency_key_reused"
    finally:
        await client.close()
