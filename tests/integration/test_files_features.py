"""Files features end to end: images with thumbnails, voice messages played, the Files tab, forwards,
sending over the WebSocket, guests, quotas and usage, compliance exports."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from axon.client import ApiError, AxonClient
from tests.integration.test_files import group, http, write
from tests.support.people import admin_rest, new_person
from tests.support.server import ServerProcess
from tests.unit.media_samples import audio


async def next_event(client: AxonClient, type_: str, timeout: float = 10.0) -> dict[str, Any]:
    while True:
        event = await client.next_event(timeout)
        if event.type == type_:
            return event.data


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def test_an_image_has_its_size_and_a_thumbnail(server: ServerProcess, tmp_path: Path) -> None:
    (ann, bob), conv = await group(server)
    info = await ann.rest.upload(conv["id"], write(tmp_path, "shot.png", png(800, 600)))
    assert (info["kind"], info["mime"], info["width"], info["height"]) == ("image", "image/png", 800, 600)
    assert info["thumbnail"]["width"] <= 800 and info["thumbnail"] is not None
    await ann.rest.send(conv["id"], "img", "look", attachments=[info["id"]])
    async with http(server, bob) as client:
        thumb = await client.get(f"/files/{info['id']}/thumbnail")
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
        assert Image.open(io.BytesIO(thumb.content)).size == (info["thumbnail"]["width"], info["thumbnail"]["height"])
        whole = await client.get(f"/files/{info['id']}/content")
        assert whole.headers["content-disposition"].startswith("inline;")
        cached = await client.get(f"/files/{info['id']}/content", headers={"If-None-Match": whole.headers["etag"]})
        assert cached.status_code == 304 and cached.content == b""
        forced = await client.get(f"/files/{info['id']}/content", params={"download": 1})
        assert forced.headers["content-disposition"].startswith("attachment;")
        urls = (await client.post("/files/urls", json={"ids": [info["id"]]})).json()["urls"][info["id"]]
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as anonymous:
        assert (await anonymous.get(urls["thumbnail"])).content == thumb.content
        assert (await anonymous.get(urls["thumbnail"].replace("/thumbnail?", "/content?"))).status_code == 404


async def test_voice_messages_are_marked_played_on_every_device(server: ServerProcess, tmp_path: Path) -> None:
    (ann, bob), conv = await group(server)
    voice = audio(tmp_path / "note.ogg", "ogg", "libopus", seconds=1.5)
    info = await ann.rest.upload(conv["id"], voice, voice=True)
    assert info["kind"] == "voice" and 1400 <= info["duration_ms"] <= 1600 and len(info["waveform"]) == 64
    await ann.rest.send(conv["id"], "v1", "", attachments=[info["id"]])
    assert (await ann.rest.request("GET", f"/conversations/{conv['id']}/played"))["file_ids"] == [info["id"]]
    assert (await bob.rest.request("GET", f"/conversations/{conv['id']}/played"))["file_ids"] == []
    bobs_other_device = await bob.client(server.url).connect()
    try:
        await bob.rest.request("POST", f"/files/{info['id']}/played")
        played = await next_event(bobs_other_device, "voice.played")
        assert played == {"file_id": info["id"], "conversation_id": conv["id"]}
    finally:
        await bobs_other_device.close()
    assert (await bob.rest.request("GET", f"/conversations/{conv['id']}/played"))["file_ids"] == [info["id"]]
    with pytest.raises(ApiError) as not_voice:
        other = await ann.rest.upload(conv["id"], write(tmp_path, "x.txt", b"text"))
        await ann.rest.send(conv["id"], "v2", "", attachments=[other["id"]])
        await bob.rest.request("POST", f"/files/{other['id']}/played")
    assert not_voice.value.code == "validation_failed"


async def test_the_files_tab_filters_searches_and_pages(server: ServerProcess, tmp_path: Path) -> None:
    (ann, bob), conv = await group(server)
    names = ["季度报告.pdf", "notes-a.txt", "Notes-B.txt", "photo.png"]
    contents = [b"%PDF-1.4 not really", b"a", b"b", png(20, 10)]
    for i, (name, data) in enumerate(zip(names, contents, strict=True)):
        who = ann if i % 2 == 0 else bob
        info = await who.rest.upload(conv["id"], write(tmp_path, f"f{i}", data), name=name)
        await who.rest.send(conv["id"], f"tab{i}", "", attachments=[info["id"]])
    await ann.rest.upload(conv["id"], write(tmp_path, "unsent", b"not sent"), name="unsent.txt")
    listed = await bob.rest.conversation_files(conv["id"])
    assert [f["name"] for f in listed["items"]] == list(reversed(names)) and listed["next"] is None
    assert [f["name"] for f in (await bob.rest.conversation_files(conv["id"], q="NOTES"))["items"]] == [
        "Notes-B.txt", "notes-a.txt"]
    assert [f["name"] for f in (await bob.rest.conversation_files(conv["id"], q="报告"))["items"]] == ["季度报告.pdf"]
    assert [f["name"] for f in (await bob.rest.conversation_files(conv["id"], kind="image"))["items"]] == [
        "photo.png"]
    assert [f["name"] for f in (await bob.rest.conversation_files(conv["id"], sender=bob.id))["items"]] == [
        "photo.png", "notes-a.txt"]
    first = await bob.rest.conversation_files(conv["id"], limit=3)
    rest = await bob.rest.conversation_files(conv["id"], limit=3, before=first["next"])
    assert [f["name"] for f in first["items"] + rest["items"]] == list(reversed(names)) and rest["next"] is None
    with pytest.raises(ApiError) as bad_kind:
        await bob.rest.conversation_files(conv["id"], kind="exe")
    assert bad_kind.value.code == "validation_failed"


async def test_forwards_and_websocket_sends_carry_files(server: ServerProcess, tmp_path: Path) -> None:
    (ann, bob), conv = await group(server)
    other = await bob.rest.create_conversation("group", "Elsewhere", [])
    data = os.urandom(3000)
    info = await ann.rest.upload(conv["id"], write(tmp_path, "fwd.bin", data))
    client = await ann.client(server.url).connect()
    try:
        ack = await client.send(conv["id"], "", client_msg_id="ws-files", attachments=[info["id"]])
        again = await client.send(conv["id"], "", client_msg_id="ws-files", attachments=[info["id"]])
        assert again.duplicate and again.message_id == ack.message_id
    finally:
        await client.close()
    message = await bob.rest.request("GET", f"/conversations/{conv['id']}/messages/{ack.message_id}")
    assert [a["id"] for a in message["attachments"]] == [info["id"]]
    forward = await bob.rest.forward(other["id"], "fwd1", conv["id"], message["seq"])
    copy = forward["message"]["attachments"][0]
    assert copy["id"] != info["id"] and copy["name"] == "fwd.bin"
    await ann.rest.delete(conv["id"], ack.message_id)  # the original goes; the forward keeps its file
    assert await bob.rest.download(copy["id"], tmp_path / "copy.bin") == hashlib.sha256(data).hexdigest()
    with pytest.raises(ApiError):
        await bob.rest.file(info["id"])


async def test_guests_share_files_only_where_they_were_invited(server: ServerProcess, tmp_path: Path) -> None:
    admin = await admin_rest(server.url)
    ann, gus = await new_person(server.url, admin), await new_person(server.url, admin)
    await admin.request("PATCH", f"/admin/users/{gus.id}", {"role": "guest"})
    project = await admin.create_conversation("group", "Project", [ann.id, gus.id])
    private = await ann.rest.create_conversation("group", "Private", [])
    mine = await gus.rest.upload(project["id"], write(tmp_path, "g.txt", b"from the guest"))
    await gus.rest.send(project["id"], "g1", "", attachments=[mine["id"]])
    assert (await ann.rest.file(mine["id"]))["uploader_id"] == gus.id
    secret = await ann.rest.upload(private["id"], write(tmp_path, "s.txt", b"secret"))
    await ann.rest.send(private["id"], "s1", "", attachments=[secret["id"]])
    with pytest.raises(ApiError) as hidden:
        await gus.rest.file(secret["id"])
    assert hidden.value.status == 404
    with pytest.raises(ApiError) as refused:
        await gus.rest.upload(private["id"], write(tmp_path, "x.txt", b"x"))
    assert refused.value.status == 404


async def test_quotas_limits_and_usage(server: ServerProcess, tmp_path: Path) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Quota", [])
    sent = await ann.rest.upload(conv["id"], write(tmp_path, "q.bin", os.urandom(1000)))
    await ann.rest.send(conv["id"], "q1", "", attachments=[sent["id"]])
    usage = await admin.request("GET", "/admin/files/usage")
    mine = next(u for u in usage["users"] if u["user_id"] == ann.id)
    assert mine["bytes"] == 1000 and mine["files"] == 1 and usage["max_file_bytes"] == 1024 ** 3
    with pytest.raises(ApiError) as not_admin:
        await ann.rest.request("GET", "/admin/files/usage")
    assert not_admin.value.status == 403
    await admin.request("PATCH", "/admin/org/policy", {"user_quota_bytes": 1500, "max_file_bytes": 4000})
    try:
        async with http(server, ann) as client:
            over = await client.post(f"/conversations/{conv['id']}/uploads", json={"name": "b", "size": 600})
            assert over.status_code == 413 and over.json()["error"]["code"] == "quota_exceeded"
            assert over.json()["error"]["details"]["scope"] == "user"
            big = await client.post(f"/conversations/{conv['id']}/uploads", json={"name": "b", "size": 4001})
            assert big.json()["error"] == {"code": "file_too_large", "message": big.json()["error"]["message"],
                                           "details": {"limit": 4000}}
            fits = await client.post(f"/conversations/{conv['id']}/uploads", json={"name": "b", "size": 400})
            assert fits.status_code == 201
        entries = await admin.request("GET", "/admin/audit", params={"action": "org.policy_changed"})
        assert {"user_quota_bytes", "max_file_bytes"} <= {e["details"]["setting"] for e in entries["items"]}
    finally:
        await admin.request("PATCH", "/admin/org/policy", {"user_quota_bytes": None, "max_file_bytes": 1024 ** 3})


async def test_a_compliance_export_lists_each_file(server: ServerProcess, tmp_path: Path) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", f"Export {uuid.uuid4().hex[:4]}", [(await admin.me())["id"]])
    data = b"exported file"
    info = await ann.rest.upload(conv["id"], write(tmp_path, "e.txt", data))
    await ann.rest.send(conv["id"], "e1", "with a file", attachments=[info["id"]])
    export = await admin.request("GET", f"/admin/compliance/conversations/{conv['id']}/export")
    listed = next(m for m in export["messages"] if m["text"] == "with a file")["attachments"]
    assert listed == [{**{k: v for k, v in info.items() if k not in ("conversation_id", "message_id",
                                                                         "uploader_id")},
                       "sha256": hashlib.sha256(data).hexdigest()}]


async def test_in_an_announcement_channel_members_attach_files_to_replies_only(server: ServerProcess,
                                                                              tmp_path: Path) -> None:
    (ann, bob), conv = await group(server)
    await ann.rest.request("PATCH", f"/conversations/{conv['id']}", {"announcement": True})
    root = await ann.rest.send(conv["id"], "news", "the news")
    info = await bob.rest.upload(conv["id"], write(tmp_path, "reply.txt", b"my answer"))
    with pytest.raises(ApiError) as top_level:
        await bob.rest.send(conv["id"], "top", "", attachments=[info["id"]])
    assert top_level.value.code == "announcement_only"
    reply = await bob.rest.send(conv["id"], "reply", "", reply_to=root["message"]["id"], attachments=[info["id"]])
    assert reply["message"]["attachments"][0]["id"] == info["id"]
