"""Files end to end over real sockets: upload (chunked, resumable), dedupe, attachments on send,
downloads with Range and signed URLs, authorisation, the Files tab, voice played, deletion, and
each bad input of the issue. Runs on SQLite and, with AXON_TEST_DATABASE_URL, PostgreSQL."""

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

from axon.client import ApiError, RestApi
from axon.domain.files import CHUNK_BYTES
from tests.integration.test_security import run_cli
from tests.support.people import Person, admin_rest, new_person
from tests.support.server import ServerProcess
from tests.unit.media_samples import png_bomb


def http(server: ServerProcess, person: Person | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {person.token}"} if person is not None else {}
    return httpx.AsyncClient(base_url=server.url + "/api/v1", headers=headers, timeout=30)


async def group(server: ServerProcess, n: int = 2) -> tuple[list[Person], dict[str, Any]]:
    admin = await admin_rest(server.url)
    people = [await new_person(server.url, admin) for _ in range(n)]
    conv = await people[0].rest.create_conversation("group", "Files", [p.id for p in people[1:]])
    return people, conv


async def start(client: httpx.AsyncClient, conv_id: str, name: str, size: int, **extra: Any) -> httpx.Response:
    return await client.post(f"/conversations/{conv_id}/uploads", json={"name": name, "size": size, **extra})


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def test_upload_send_download_with_range_and_signed_urls(server: ServerProcess, tmp_path: Path) -> None:
    (ann, bob), conv = await group(server)
    data = os.urandom(CHUNK_BYTES + 300_000)  # two chunks
    seen: list[int] = []
    info = await ann.rest.upload(conv["id"], write(tmp_path, "report.bin", data),
                                 on_progress=lambda done, total: seen.append(done))
    assert seen[0] == 0 and seen[-1] == len(data) and info["size"] == len(data) and info["message_id"] is None
    sent = await ann.rest.send(conv["id"], "m1", "the report", attachments=[info["id"]])
    assert [a["id"] for a in sent["message"]["attachments"]] == [info["id"]]
    assert sent["message"]["preview"] is None
    page = await bob.rest.history(conv["id"])
    assert page["items"][-1]["attachments"][0]["name"] == "report.bin"
    assert await bob.rest.download(info["id"], tmp_path / "copy.bin") == hashlib.sha256(data).hexdigest()
    async with http(server, bob) as client:
        part = await client.get(f"/files/{info['id']}/content", headers={"Range": "bytes=70000-200000"})
        assert part.status_code == 206 and part.content == data[70000:200001]
        assert part.headers["content-range"] == f"bytes 70000-200000/{len(data)}"
        assert part.headers["x-content-type-options"] == "nosniff"
        assert part.headers["content-disposition"].startswith("attachment;")
        tail = await client.get(f"/files/{info['id']}/content", headers={"Range": "bytes=-10"})
        assert tail.content == data[-10:]
        outside = await client.get(f"/files/{info['id']}/content", headers={"Range": f"bytes={len(data)}-"})
        assert outside.status_code == 416
        urls = (await client.post("/files/urls", json={"ids": [info["id"], "f_unknown"]})).json()
        assert list(urls["urls"]) == [info["id"]]
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as anonymous:  # no token: the URL is the key
        signed = urls["urls"][info["id"]]["content"]
        got = await anonymous.get(signed, headers={"Range": "bytes=0-9"})
        assert got.status_code == 206 and got.content == data[:10]
        forged = await anonymous.get(signed.replace("sig=", "sig=0"))
        assert forged.status_code == 404
        other_file = await anonymous.get(signed.replace(info["id"], "f_00000000000000000000000"))
        assert other_file.status_code == 404


async def test_same_content_is_stored_once_and_survives_one_deletion(server: ServerProcess, tmp_path: Path) -> None:
    (ann, bob), conv = await group(server)
    data = os.urandom(50_000)
    first = await ann.rest.upload(conv["id"], write(tmp_path, "a.bin", data))
    second = await bob.rest.upload(conv["id"], write(tmp_path, "b.bin", data))
    assert first["id"] != second["id"]
    m1 = await ann.rest.send(conv["id"], "d1", "", attachments=[first["id"]])
    await bob.rest.send(conv["id"], "d2", "", attachments=[second["id"]])
    admin = await admin_rest(server.url)
    usage = await admin.request("GET", "/admin/files/usage")
    assert usage["stored_bytes"] <= usage["files_bytes"]
    await ann.rest.delete(conv["id"], m1["message"]["id"])
    with pytest.raises(ApiError) as gone:
        await bob.rest.file(first["id"])
    assert gone.value.status == 404
    assert await bob.rest.download(second["id"], tmp_path / "b2.bin") == hashlib.sha256(data).hexdigest()
    page = await bob.rest.history(conv["id"])
    deleted = next(m for m in page["items"] if m["id"] == m1["message"]["id"])
    assert deleted["deleted"] and deleted["attachments"] == []
    events = await bob.rest.events(conv["id"])
    new = next(e for e in events["items"] if e["type"] == "message.new" and
               e["data"]["message"]["id"] == m1["message"]["id"])
    assert new["data"]["message"]["attachments"] == []  # the stored event forgets the file too


async def test_an_interrupted_upload_resumes_where_the_server_stands(server: ServerProcess) -> None:
    (ann, _), conv = await group(server)
    data = os.urandom(CHUNK_BYTES + 10)
    async with http(server, ann) as client:
        upload = (await start(client, conv["id"], "big.bin", len(data))).json()
        await client.put(f"/uploads/{upload['id']}", params={"offset": 0}, content=data[:CHUNK_BYTES])
        # The client lost the answer and sends the same chunk again: refused, told where to go on.
        again = await client.put(f"/uploads/{upload['id']}", params={"offset": 0}, content=data[:CHUNK_BYTES])
        assert again.status_code == 409 and again.json()["error"]["code"] == "upload_offset_mismatch"
        assert again.json()["error"]["details"]["offset"] == CHUNK_BYTES
        overlap = await client.put(f"/uploads/{upload['id']}", params={"offset": CHUNK_BYTES - 5}, content=b"x" * 5)
        assert overlap.status_code == 409
        state = (await client.get(f"/uploads/{upload['id']}")).json()
        assert state["offset"] == CHUNK_BYTES and state["file"] is None
        past = await client.put(f"/uploads/{upload['id']}", params={"offset": CHUNK_BYTES}, content=b"y" * 11)
        assert past.status_code == 400 and past.json()["error"]["code"] == "validation_failed"
        done = (await client.put(f"/uploads/{upload['id']}", params={"offset": CHUNK_BYTES},
                                 content=data[CHUNK_BYTES:])).json()
        assert done["file"]["size"] == len(data)
        body = (await client.get(f"/files/{done['file']['id']}/content")).content
        assert hashlib.sha256(body).hexdigest() == hashlib.sha256(data).hexdigest()


async def test_who_may_touch_files(server: ServerProcess, tmp_path: Path) -> None:
    (ann, bob, cat), conv = await group(server, 3)
    admin = await admin_rest(server.url)
    outsider = await new_person(server.url, admin)
    info = await ann.rest.upload(conv["id"], write(tmp_path, "secret.txt", b"only for the group"))
    async with http(server, bob) as client:
        assert (await client.get(f"/files/{info['id']}")).status_code == 404  # not sent yet: the uploader's only
    await ann.rest.send(conv["id"], "w1", "", attachments=[info["id"]])
    async with http(server, outsider) as client:
        assert (await client.get(f"/files/{info['id']}")).status_code == 404
        assert (await client.get(f"/files/{info['id']}/content")).status_code == 404
        assert (await client.post("/files/urls", json={"ids": [info["id"]]})).json()["urls"] == {}
        refused = await start(client, conv["id"], "x.txt", 3)
        assert refused.status_code == 404
    async with http(server, bob) as client:
        urls = (await client.post("/files/urls", json={"ids": [info["id"]]})).json()["urls"]
    await ann.rest.remove_member(conv["id"], cat.id)
    async with http(server, cat) as client:
        assert (await client.get(f"/files/{info['id']}/content")).status_code == 404
    await bob.rest.leave(conv["id"])
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as anonymous:  # a signed URL dies with membership
        assert (await anonymous.get(urls[info["id"]]["content"])).status_code == 404
    async with http(server, ann) as client:  # someone else's upload is not found
        upload = (await start(client, conv["id"], "mine.bin", 10)).json()
    async with http(server, outsider) as client:
        stolen = await client.put(f"/uploads/{upload['id']}", params={"offset": 0}, content=b"0123456789")
        assert stolen.status_code == 404
    await ann.rest.leave(conv["id"])
    async with http(server, ann) as client:  # an upload into a conversation the user left cannot go on
        left = await client.put(f"/uploads/{upload['id']}", params={"offset": 0}, content=b"0123456789")
        assert left.status_code in (403, 404)


async def test_another_organisation_cannot_see_a_file(server: ServerProcess, tmp_path: Path) -> None:
    (ann, _), conv = await group(server)
    info = await ann.rest.upload(conv["id"], write(tmp_path, "a.txt", b"hello"))
    await ann.rest.send(conv["id"], "o1", "", attachments=[info["id"]])
    env = {**server.env, "AXON_DATA_DIR": str(server.data_dir), "AXON_NEW_USER_PASSWORD": "other-password"}
    slug = f"files{uuid.uuid4().hex[:6]}"
    await run_cli(env, "create-org", "Files Co", "--slug", slug)
    await run_cli(env, "create-user", "olaf", "--display-name", "Olaf", "--org", slug)
    olaf = RestApi(server.url)
    await olaf.login("olaf", "other-password", org=slug)
    for call in (olaf.file(info["id"]), olaf.request("GET", f"/files/{info['id']}/content"),
                 olaf.conversation_files(conv["id"])):
        with pytest.raises(ApiError) as refused:
            await call
        assert refused.value.status == 404
    assert (await olaf.file_urls([info["id"]]))["urls"] == {}


async def test_sending_attachments_is_checked_and_idempotent(server: ServerProcess, tmp_path: Path) -> None:
    (ann, bob), conv = await group(server)
    other = await ann.rest.create_conversation("group", "Other", [bob.id])
    mine = await ann.rest.upload(conv["id"], write(tmp_path, "m.txt", b"mine"))
    theirs = await bob.rest.upload(conv["id"], write(tmp_path, "t.txt", b"theirs"))
    elsewhere = await ann.rest.upload(other["id"], write(tmp_path, "e.txt", b"elsewhere"))
    for bad in ([theirs["id"]], [elsewhere["id"]], ["f_nothing"], [mine["id"], mine["id"]]):
        with pytest.raises(ApiError) as refused:
            await ann.rest.send(conv["id"], f"bad{uuid.uuid4().hex}", "", attachments=bad)
        assert refused.value.code == "validation_failed" and refused.value.details.get("field") == "attachments"
    first = await ann.rest.send(conv["id"], "same", "caption", attachments=[mine["id"]])
    retry = await ann.rest.send(conv["id"], "same", "caption", attachments=[mine["id"]])
    assert retry["duplicate"] and retry["message"]["id"] == first["message"]["id"]
    assert retry["message"]["attachments"] == first["message"]["attachments"]
    with pytest.raises(ApiError) as reused:
        await ann.rest.send(conv["id"], "same", "caption", attachments=[])
    assert reused.value.code == "idempotency_key_reused"
    with pytest.raises(ApiError) as twice:
        await ann.rest.send(conv["id"], "again", "", attachments=[mine["id"]])
    assert twice.value.code == "validation_failed"
    files = await bob.rest.conversation_files(conv["id"])
    assert [f["id"] for f in files["items"]] == [mine["id"]]


async def test_bad_input_gets_a_clear_answer(server: ServerProcess, tmp_path: Path) -> None:
    (ann, _), conv = await group(server)
    async with http(server, ann) as client:
        names = {"../../etc/passwd": "etc_passwd", "a/b\\c.txt": "a_b_c.txt", "bad\u202egnp.exe": "badgnp.exe",
                 "ctl\x07\x1b.txt": "ctl.txt", "....": "file", "x" * 500 + ".pdf": None}
        for given, expected in names.items():
            answer = await start(client, conv["id"], given, 5)
            assert answer.status_code == 201, answer.text
            name = answer.json()["name"]
            assert "/" not in name and "\\" not in name and not name.startswith(".") and len(name) <= 200
            if expected is not None:
                assert name == expected
            else:
                assert name.endswith(".pdf")
        empty = (await start(client, conv["id"], "empty.txt", 0)).json()
        assert empty["file"]["size"] == 0  # an empty file is a file
        too_big = await start(client, conv["id"], "huge.iso", 2 * 1024 ** 3)
        assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "file_too_large"
        assert too_big.json()["error"]["details"]["limit"] == 1024 ** 3
        negative = await start(client, conv["id"], "n.txt", -1)
        assert negative.status_code == 422
        # content that does not match its extension: the real type is sniffed
        fake = io.BytesIO()
        Image.new("RGB", (40, 30), (200, 10, 10)).save(fake, "PNG")
        upload = (await start(client, conv["id"], "notes.txt", len(fake.getvalue()), mime="text/plain")).json()
        done = (await client.put(f"/uploads/{upload['id']}", params={"offset": 0}, content=fake.getvalue())).json()
        assert done["file"]["mime"] == "image/png" and done["file"]["kind"] == "image"
        assert (done["file"]["width"], done["file"]["height"]) == (40, 30)
        html = b"<html><script>alert(1)</script></html>"
        upload = (await start(client, conv["id"], "page.png", len(html))).json()
        page = (await client.put(f"/uploads/{upload['id']}", params={"offset": 0}, content=html)).json()["file"]
        assert page["kind"] == "file"
        served = await client.get(f"/files/{page['id']}/content")
        assert served.headers["content-disposition"].startswith("attachment;")
        assert served.headers["x-content-type-options"] == "nosniff"
        # opened on its own it is sandboxed too: no script runs with the app's origin
        assert "sandbox" in served.headers.get_list("content-security-policy")
        # a decompression bomb is refused, and nothing of it is kept
        bomb = png_bomb(tmp_path / "bomb.png").read_bytes()
        upload = (await start(client, conv["id"], "bomb.png", len(bomb))).json()
        refused = await client.put(f"/uploads/{upload['id']}", params={"offset": 0}, content=bomb)
        assert refused.status_code in (413, 422) and refused.json()["error"]["code"] in ("media_refused",
                                                                                         "image_too_large")
        assert (await client.get(f"/uploads/{upload['id']}")).status_code == 404
        # a truncated upload is never a file
        upload = (await start(client, conv["id"], "cut.bin", 100)).json()
        await client.put(f"/uploads/{upload['id']}", params={"offset": 0}, content=b"z" * 60)
        incomplete = await client.put(f"/uploads/{upload['id']}", params={"offset": 100}, content=b"")
        assert incomplete.status_code == 409
        state = (await client.get(f"/uploads/{upload['id']}")).json()
        assert state["offset"] == 60 and state["file"] is None
        with pytest.raises(ApiError) as unfinished:
            await ann.rest.send(conv["id"], "cut", "", attachments=["f_" + upload["id"][3:]])
        assert unfinished.value.code == "validation_failed"
        # a voice message must be audio
        upload = (await start(client, conv["id"], "voice.webm", 5, voice=True)).json()
        not_audio = await client.put(f"/uploads/{upload['id']}", params={"offset": 0}, content=b"hello")
        assert not_audio.status_code == 422 and not_audio.json()["error"]["code"] == "media_refused"
        assert (await client.delete(f"/uploads/{upload['id']}")).status_code == 404


async def test_files_module_off_refuses_uploads(server: ServerProcess) -> None:
    (ann, _), conv = await group(server)
    admin = await admin_rest(server.url)
    await admin.request("PATCH", "/admin/org/modules", {"files": False})
    try:
        async with http(server, ann) as client:
            refused = await start(client, conv["id"], "a.txt", 3)
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "module_disabled"
    finally:
        await admin.request("PATCH", "/admin/org/modules", {"files": True})


async def test_contents_are_sealed_on_disk_and_tampering_is_refused(server: ServerProcess, tmp_path: Path) -> None:
    (ann, _), conv = await group(server)
    secret = b"the launch is on the 14th " * 4000
    info = await ann.rest.upload(conv["id"], write(tmp_path, "plan.txt", secret))
    await ann.rest.send(conv["id"], "sealed", "", attachments=[info["id"]])
    stored = [p for p in (server.data_dir / "blobs").rglob("*") if p.is_file()]
    assert stored and not [p for p in stored if b"the launch is on" in p.read_bytes()]
    digest = hashlib.sha256(secret).hexdigest()
    mine = next(p for p in stored if p.name.startswith(digest))
    raw = bytearray(mine.read_bytes())
    raw[100] ^= 1
    mine.write_bytes(bytes(raw))
    async with http(server, ann) as client:
        refused = await client.get(f"/files/{info['id']}/content", headers={"Range": "bytes=0-99"})
        assert refused.status_code == 500 and refused.json()["error"]["code"] == "stored_data_tampered"
        later = await client.get(f"/files/{info['id']}/content", headers={"Range": "bytes=70000-70099"})
        assert later.status_code == 206 and later.content == secret[70000:70100]  # other segments still open
