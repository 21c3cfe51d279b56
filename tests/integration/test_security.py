"""Authorisation and bad input: every attempt gets a clear error, nothing leaks, nothing half-written."""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
import pytest
import websockets

from axon.client import ApiError, RestApi
from tests.support.people import admin_rest, new_person
from tests.support.server import ServerProcess


async def test_outsiders_cannot_read_send_react_edit_or_see(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob, eve = [await new_person(server.url, admin) for _ in range(3)]
    group = await ann.rest.create_conversation("group", "Board", [bob.id])
    secret = (await ann.rest.send(group["id"], "k1", "merger talks"))["message"]
    attempts = {
        "history": eve.rest.history(group["id"]),
        "events": eve.rest.events(group["id"]),
        "send": eve.rest.send(group["id"], "e1", "let me in"),
        "react": eve.rest.react(group["id"], secret["id"], "👀"),
        "edit": eve.rest.edit(group["id"], secret["id"], "pwned"),
        "delete": eve.rest.delete(group["id"], secret["id"]),
        "thread": eve.rest.thread(group["id"], secret["id"]),
        "receipts": eve.rest.receipts(group["id"], secret["id"]),
        "join": eve.rest.join(group["id"]),
        "invite self": eve.rest.add_members(group["id"], [eve.id]),
        "read": eve.rest.mark_read(group["id"], 1),
    }
    for name, call in attempts.items():
        with pytest.raises(ApiError) as refused:
            await call
        assert refused.value.status == 404, name
        assert "merger" not in refused.value.message, name
    with pytest.raises(ApiError) as not_author:  # a member, but not the author
        await bob.rest.edit(group["id"], secret["id"], "rewritten")
    assert not_author.value.status == 403
    with pytest.raises(ApiError) as not_manager:
        await bob.rest.delete(group["id"], secret["id"])
    assert not_manager.value.status == 403
    assert (await ann.rest.history(group["id"]))["items"][0]["text"] == "merger talks"


async def test_nothing_of_another_organisation_is_visible(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    channel = await ann.rest.create_conversation("channel", "all-hands")
    # A second organisation on the same node, created with the CLI against the same database.
    env = {**server.env, "AXON_DATA_DIR": str(server.data_dir), "AXON_NEW_USER_PASSWORD": "other-password"}
    await run_cli(env, "create-org", "Other Co", "--slug", "other")
    await run_cli(env, "create-user", "olga", "--display-name", "Olga", "--org", "other")
    olga = RestApi(server.url)
    await olga.login("olga", "other-password", org="other")
    assert channel["id"] not in [c["id"] for c in await olga.request("GET", "/channels")]
    for call in (olga.history(channel["id"]), olga.join(channel["id"]), olga.direct(ann.id),
                 olga.request("GET", f"/users/{ann.id}")):
        with pytest.raises(ApiError) as refused:
            await call
        assert refused.value.status == 404
    assert ann.id not in [u["id"] for u in (await olga.users(""))["items"]]


async def run_cli(env: dict[str, str], *args: str) -> None:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "axon", "admin", *args, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await proc.communicate()
    assert proc.returncode == 0, output.decode()


async def test_rest_bad_input_gets_stable_error_bodies(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Inputs")
    headers = {"Authorization": f"Bearer {ann.token}", "Content-Type": "application/json"}
    url = f"{server.url}/api/v1/conversations/{conv['id']}/messages"
    async with httpx.AsyncClient() as http:
        cases = [
            (b"{not json", 400, "bad_request"),
            (json.dumps({"text": "no id"}).encode(), 422, "validation_failed"),
            (json.dumps({"client_msg_id": "a", "text": 5}).encode(), 422, "validation_failed"),
            (json.dumps({"client_msg_id": "a", "text": "   "}).encode(), 400, "validation_failed"),
            (json.dumps({"client_msg_id": "a", "text": "x" * 16385}).encode(), 413, "message_too_large"),
            (json.dumps({"client_msg_id": "a", "text": "bell\x07"}).encode(), 400, "validation_failed"),
            (b'{"client_msg_id": "a", "text": "\\ud800"}', 400, "validation_failed"),
            (json.dumps({"client_msg_id": "a", "text": "hi", "extra": 1}).encode(), 422, "validation_failed"),
        ]
        for body, status, code in cases:
            response = await http.post(url, content=body, headers=headers)
            assert response.status_code == status, (body[:40], response.text)
            error = response.json()["error"]
            assert error["code"] == code and error["message"]
        no_token = await http.get(f"{server.url}/api/v1/conversations")
        assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "unauthenticated"
        bad_token = await http.get(f"{server.url}/api/v1/me", headers={"Authorization": "Bearer nope"})
        assert bad_token.status_code == 401
        missing = await http.get(f"{server.url}/api/v1/nothing-here", headers=headers)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        assert (await http.get(f"{server.url}/healthz")).json() == {"status": "ok"}
    assert (await ann.rest.history(conv["id"]))["items"] == []  # nothing half-written


async def test_positions_beyond_the_seq_range_and_empty_updates_are_client_errors(server: ServerProcess) -> None:
    # Found by fuzzing: these answered 500 (a BIGINT overflow; an assertion on an unknown conversation).
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Ranges")
    base = f"{server.url}/api/v1"
    headers = {"Authorization": f"Bearer {ann.token}"}
    async with httpx.AsyncClient() as http:
        for path in (f"/conversations/{conv['id']}/events?after_seq={2**63}",
                     f"/conversations/{conv['id']}/messages?before_seq={2**63}",
                     f"/sync/user-events?after_seq={2**64}"):
            response = await http.get(base + path, headers=headers)
            assert response.status_code == 422 and response.json()["error"]["code"] == "validation_failed", path
        edge = await http.get(f"{base}/conversations/{conv['id']}/events?after_seq={2**63 - 1}", headers=headers)
        assert edge.status_code == 200 and edge.json()["items"] == []
        unknown = await http.patch(f"{base}/conversations/c_unknown", json={}, headers=headers)
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
        unchanged = await http.patch(f"{base}/conversations/{conv['id']}", json={}, headers=headers)
        assert unchanged.status_code == 200 and unchanged.json()["name"] == "Ranges"


async def ws_connect(server: ServerProcess):
    return await websockets.connect(server.url.replace("http", "ws") + "/api/v1/ws", max_size=None)


async def recv_until(ws, kind: str) -> dict:
    while True:
        frame = json.loads(await ws.recv())
        if frame["t"] == kind:
            return frame


async def test_websocket_bad_frames_get_error_frames_and_the_connection_survives(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Frames")
    async with await ws_connect(server) as ws:
        await ws.send(json.dumps({"t": "hello", "token": ann.token}))
        await recv_until(ws, "synced")
        bad = [
            ("{oops", "invalid_frame"),
            ("[1,2]", "invalid_frame"),
            (json.dumps({"t": "teleport"}), "unknown_frame"),
            (json.dumps({"t": "send", "id": "s1", "conv": conv["id"]}), "invalid_frame"),
            (json.dumps({"t": "send", "id": "s2", "conv": conv["id"], "text": 42}), "invalid_frame"),
            (json.dumps({"t": "send", "id": "s3", "conv": conv["id"], "text": "é" * 9000}), "message_too_large"),
            (json.dumps({"t": "send", "id": "s4", "conv": "c_nope", "text": "hi"}), "not_found"),
            (json.dumps({"t": "read", "conv": conv["id"], "seq": "x", "ref": "r9"}), "invalid_frame"),
            (json.dumps({"t": "hello", "token": ann.token}), "invalid_frame"),
            ("x" * 70_000, "frame_too_large"),
        ]
        for frame, code in bad:
            await ws.send(frame)
            error = await recv_until(ws, "error")
            assert error["error"]["code"] == code, frame[:60]
        await ws.send(b'{"t":"ping","ref":"\xff"}')  # invalid UTF-8 inside a binary frame
        assert (await recv_until(ws, "error"))["error"]["code"] == "invalid_frame"
        await ws.send(json.dumps({"t": "send", "id": "ok1", "conv": conv["id"], "text": "still here"}))
        ack = await recv_until(ws, "ack")
        assert ack["id"] == "ok1" and ack["seq"] == conv["last_seq"] + 1
        await ws.send(json.dumps({"t": "ping", "ref": "k"}))
        assert (await recv_until(ws, "pong"))["ref"] == "k"
        await ws.send("x" * 300_000)  # far over the limit: the socket is closed, the server lives on
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await recv_until(ws, "never")
        assert closed.value.rcvd.code == 1009
    assert (await ann.rest.history(conv["id"]))["items"][0]["text"] == "still here"


async def test_websocket_requires_a_valid_hello_first(server: ServerProcess) -> None:
    async with await ws_connect(server) as ws:
        await ws.send(json.dumps({"t": "send", "id": "x", "conv": "c", "text": "hi"}))
        assert (await recv_until(ws, "error"))["error"]["code"] == "not_ready"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd.code == 4001
    async with await ws_connect(server) as ws:
        await ws.send(json.dumps({"t": "hello", "token": "forged"}))
        assert (await recv_until(ws, "error"))["error"]["code"] == "unauthenticated"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd.code == 4001


async def test_a_flood_from_one_client_is_throttled_without_harming_others(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Flood", [bob.id])
    bob_client = await bob.client(server.url).connect()
    try:
        async with await ws_connect(server) as ws:
            await ws.send(json.dumps({"t": "hello", "token": ann.token}))
            await recv_until(ws, "synced")
            for i in range(400):
                await ws.send(json.dumps({"t": "ping", "ref": str(i)}))
            limited = await recv_until(ws, "error")
            assert limited["error"]["code"] == "rate_limited"
        ack = await bob_client.send(conv["id"], "I am unaffected")
        assert ack.seq > 0
    finally:
        await bob_client.close()


async def test_hidden_e_mail_addresses_find_no_one_except_for_admins(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    wei = await admin.admin_create_user("hidden_wei", "张伟", "user-password-1", email="wei.private@corp.example")
    assert "email" not in (await ann.rest.users("zhangwei"))["items"][0]  # found by name, e-mail not shown
    assert (await ann.rest.users("wei.private"))["items"] == []
    assert (await ann.rest.users("corp.example"))["items"] == []
    found = await admin.request("GET", "/admin/users", params={"q": "wei.private"})
    assert [u["id"] for u in found["items"]] == [wei["id"]] and found["items"][0]["email"] == "wei.private@corp.example"


async def test_admin_routes_refuse_members_before_anything_else(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    for body in ({}, {"role": "admin"}, {"disabled": True}):
        with pytest.raises(ApiError) as refused:
            await ann.rest.request("PATCH", f"/admin/users/{bob.id}", body)
        assert refused.value.status == 403, body  # not bob's profile: a member learns nothing here


async def test_nul_characters_are_refused_everywhere_and_a_typed_backslash_u0000_is_just_text(
        server: ServerProcess) -> None:
    # Found by fuzzing on PostgreSQL, which cannot store U+0000: these were 500s there.
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Nul")
    headers = {"Authorization": f"Bearer {ann.token}"}
    base = f"{server.url}/api/v1"
    async with httpx.AsyncClient() as http:
        login = await http.post(f"{base}/auth/login", json={"login": "ann\x00", "password": "whatever-pw"})
        assert login.status_code == 422 and login.json()["error"]["code"] == "validation_failed"
        direct = await http.post(f"{base}/conversations/direct", json={"user_id": "u_\x00"}, headers=headers)
        assert direct.status_code == 422
        path = await http.get(f"{base}/conversations/c_%00/messages", headers=headers)
        assert path.status_code == 400 and path.json()["error"]["code"] == "bad_request"
        query = await http.get(f"{base}/users", params={"q": "a\x00"}, headers=headers)
        assert query.status_code == 400
        # Any operation with a path or query parameter can answer this 400, so each documents it
        # (the fuzzer found `types=` of the event log answering an undocumented 400).
        spec = (await http.get(f"{server.url}/openapi.json")).json()
        undocumented = [f"{method.upper()} {route}" for route, operations in spec["paths"].items()
                        for method, operation in operations.items()
                        if operation.get("parameters") and "400" not in operation["responses"]]
        assert undocumented == []
    typed = await ann.rest.send(conv["id"], "typed-nul", "in C a string ends at \\u0000, see?")
    assert typed["message"]["text"] == "in C a string ends at \\u0000, see?"
    ws = await ws_connect(server)
    await ws.send(json.dumps({"t": "hello", "token": ann.token}))
    await recv_until(ws, "synced")
    await ws.send(json.dumps({"t": "send", "id": "n1", "conv": conv["id"] + "\x00", "text": "hi"}))
    error = await recv_until(ws, "error")
    assert error["error"]["code"] == "invalid_frame"
    await ws.send(json.dumps({"t": "ping", "ref": "still-open"}))
    assert (await recv_until(ws, "pong"))["ref"] == "still-open"
    await ws.close()
