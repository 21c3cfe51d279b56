"""Compliance exports on a real node: a conversation or a user's data as one streamed JSON document,
for admins only, each export recorded in the audit log."""

from __future__ import annotations

import httpx
import pytest

from axon.client import ApiError
from tests.support import audit_rows
from tests.support.people import admin_rest, new_person
from tests.support.server import ServerProcess


async def _download(server: ServerProcess, token: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url + "/api/v1", headers={"authorization": f"Bearer {token}"}) as h:
        return await h.get(path)


async def test_admins_export_a_conversation_and_a_user_and_each_export_is_recorded(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    room = await ann.rest.create_conversation("group", "Export me", [bob.id])
    other = await bob.rest.create_conversation("group", "Bob's other")
    texts = [f"line {i} 你好" for i in range(1203)]  # more than two pages
    for i, text in enumerate(texts):
        await (ann if i % 2 else bob).rest.send(room["id"], f"x{i}", text)
    gone = (await bob.rest.send(room["id"], "gone", "to be deleted"))["message"]
    await bob.rest.delete(room["id"], gone["id"])
    await bob.rest.send(other["id"], "o1", "bob elsewhere")
    await bob.rest.leave(other["id"])  # left: his messages there are his data still

    answer = await _download(server, admin.token, f"/admin/compliance/conversations/{room['id']}/export")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    document = answer.json()
    assert document["conversation"]["name"] == "Export me"
    assert {m["user_id"] for m in document["members"]} == {ann.id, bob.id}
    assert [m["text"] for m in document["messages"]] == [*texts, ""]
    assert document["messages"][-1]["deleted"] is True
    assert [m["seq"] for m in document["messages"]] == sorted(m["seq"] for m in document["messages"])

    user = (await _download(server, admin.token, f"/admin/compliance/users/{bob.id}/export")).json()
    assert user["user"]["id"] == bob.id and user["devices"]
    bob_texts = [m["text"] for m in user["messages"]]
    assert bob_texts.count("bob elsewhere") == 1 and len(bob_texts) == 602 + 2  # with his tombstone
    assert {m["sender_id"] for m in user["messages"]} == {bob.id}

    org_id = (await admin.request("GET", "/org"))["id"]
    recorded = [(r["action"], r["target_id"]) for r in await audit_rows.entries(server, org_id)
                if r["action"].startswith("export.")]
    assert recorded[-2:] == [("export.conversation", room["id"]), ("export.user", bob.id)]

    refused = await _download(server, ann.token, f"/admin/compliance/users/{bob.id}/export")
    assert refused.status_code == 403
    missing = await _download(server, admin.token, "/admin/compliance/conversations/c_nope/export")
    assert missing.status_code == 404
    with pytest.raises(ApiError):
        await ann.rest.request("GET", f"/admin/compliance/conversations/{room['id']}/export")
