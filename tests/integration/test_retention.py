"""Retention on a real node: expired messages are erased like deletes (text gone from history and the
event log, a tombstone keeps the place), legal holds on a conversation or a user win over every
policy, a conversation may keep for ever, and each round is in the audit log (counts, not content)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, update

from axon.client import ApiError
from axon.domain.retention import DAY_MS
from axon.store.schema import messages
from tests.support import audit_rows
from tests.support.people import admin_rest, eventually, new_person
from tests.support.server import ServerProcess, nodes_sharing_a_database

OLD = 40  # days


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "node", env={"AXON_RETENTION_INTERVAL": "0.3", "AXON_RETENTION_BATCH": "2"}).start()
    yield proc
    proc.stop()


async def _backdate(node: ServerProcess, message_ids: list[str], days: int) -> None:
    """Make messages ``days`` old (what waiting that long would do)."""
    def apply(conn: Connection) -> None:
        conn.execute(update(messages).where(messages.c.id.in_(message_ids))
                     .values(created_at=messages.c.created_at - days * DAY_MS))
    await audit_rows.on_database(node, apply, write=True)


async def test_expired_messages_are_erased_unless_held_or_kept_for_ever(node: ServerProcess) -> None:
    admin = await admin_rest(node.url)
    ann, bob = [await new_person(node.url, admin) for _ in range(2)]
    plain, held, forever, shared = [await ann.rest.create_conversation("group", name, [bob.id])
                                    for name in ("Plain", "Held", "Forever", "Shared")]
    sent: dict[str, str] = {}
    for conv, who, marker in ((plain, ann, "ZQR-plain-1"), (plain, ann, "ZQR-plain-2"), (plain, bob, "ZQR-plain-3"),
                              (held, ann, "ZQR-held"), (forever, ann, "ZQR-forever"), (shared, ann, "ZQR-ann"),
                              (shared, bob, "ZQR-bob")):
        sent[marker] = (await who.rest.send(conv["id"], f"cmid-{len(sent)}", marker))["message"]["id"]
    recent = (await ann.rest.send(plain["id"], "fresh", "ZQR-recent"))["message"]["id"]
    await _backdate(node, list(sent.values()), OLD)

    hold = await admin.request("POST", "/admin/legal-holds", {"target_type": "conversation", "target_id": held["id"],
                                                              "reason": "Case 42"})
    await admin.request("POST", "/admin/legal-holds", {"target_type": "user", "target_id": bob.id})
    retention = await admin.request("PUT", f"/admin/conversations/{forever['id']}/retention", {"retention_days": 0})
    assert retention == {"conversation_id": forever["id"], "retention_days": 0, "effective_days": None,
                         "held": False}
    org = await admin.request("PATCH", "/admin/org", {"retention_days": 30})
    assert org["retention_days"] == 30

    async def erased(conv_id: str, count: int) -> bool:
        items = (await ann.rest.history(conv_id))["items"]
        return sum(1 for m in items if m["deleted"]) == count

    await eventually(lambda: erased(plain["id"], 2))
    await eventually(lambda: erased(shared["id"], 1))
    plain_log = json.dumps(await bob.rest.events(plain["id"], after_seq=0))
    assert "ZQR-plain-1" not in plain_log and "ZQR-plain-2" not in plain_log
    assert "ZQR-plain-3" in plain_log and "ZQR-recent" in plain_log  # bob is held; the new one is not expired
    assert json.dumps(await ann.rest.events(shared["id"], after_seq=0)).count("ZQR-") == 1  # bob's stays
    for conv in (held, forever):
        assert not any(m["deleted"] for m in (await ann.rest.history(conv["id"]))["items"])
    assert recent

    org_id = org["id"]
    rounds = [r for r in await audit_rows.entries(node, org_id) if r["action"] == "retention.applied"]
    plain_rounds = [json.loads(r["details"]) for r in rounds if r["target_id"] == plain["id"]]
    assert sum(d["erased"] for d in plain_rounds) == 2 and all(d["retention_days"] == 30 for d in plain_rounds)
    assert all(r["actor_user_id"] is None and r["actor_address"] == "system" for r in rounds)
    assert "ZQR" not in json.dumps(rounds)

    # Released, the held conversation's expired message goes at the next round.
    released = await admin.request("DELETE", f"/admin/legal-holds/{hold['id']}")
    assert released["released_at"] is not None
    await eventually(lambda: erased(held["id"], 1))
    holds = await admin.request("GET", "/admin/legal-holds")
    assert [h["target_type"] for h in holds] == ["user", "conversation"]  # active first
    assert holds[1]["released_at"] is not None and holds[1]["target_name"] == "Held"
    actions = [r["action"] for r in await audit_rows.entries(node, org_id)]
    assert {"legal_hold.placed", "legal_hold.released", "conversation.retention_changed",
            "org.policy_changed"} <= set(actions)
    assert audit_rows.verify(node).returncode == 0


async def test_only_admins_set_retention_and_holds_and_values_are_checked(node: ServerProcess) -> None:
    admin = await admin_rest(node.url)
    ann = await new_person(node.url, admin)
    conv = await ann.rest.create_conversation("group", "Mine")
    for method, path, body in (("PUT", f"/admin/conversations/{conv['id']}/retention", {"retention_days": 1}),
                               ("POST", "/admin/legal-holds", {"target_type": "user", "target_id": ann.id}),
                               ("GET", "/admin/legal-holds", None)):
        with pytest.raises(ApiError) as refused:
            await ann.rest.request(method, path, body)
        assert refused.value.status == 403
    with pytest.raises(ApiError) as unknown:
        await admin.request("POST", "/admin/legal-holds", {"target_type": "conversation", "target_id": "c_nope"})
    assert unknown.value.status == 404
    with pytest.raises(ApiError) as bad:
        await admin.request("PATCH", "/admin/org", {"retention_days": 40000})
    assert bad.value.status in (400, 422)


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    env = {"AXON_RETENTION_INTERVAL": "0.1", "AXON_RETENTION_BATCH": "3", "AXON_AUDIT_KEY": "r" * 40}
    with nodes_sharing_a_database(tmp_path, env) as nodes:
        yield nodes


async def test_with_two_nodes_each_expired_message_is_erased_once(
        two_nodes: tuple[ServerProcess, ServerProcess]) -> None:
    """Both nodes run the job every 0.1 s; the lease lets one apply it, so no message is erased twice."""
    first, _ = two_nodes
    admin = await admin_rest(first.url)
    ann = await new_person(first.url, admin)
    conv = await ann.rest.create_conversation("group", "Busy")
    ids = [(await ann.rest.send(conv["id"], f"c{i}", f"old {i}"))["message"]["id"] for i in range(20)]
    await _backdate(first, ids, OLD)
    await admin.request("PATCH", "/admin/org", {"retention_days": 7})

    async def all_erased() -> bool:
        return all(m["deleted"] for m in (await ann.rest.history(conv["id"]))["items"])

    await eventually(all_erased)
    deleted = [e for e in (await ann.rest.events(conv["id"], after_seq=0))["items"] if e["type"] == "message.deleted"]
    assert sorted(e["data"]["message_id"] for e in deleted) == sorted(ids)
    assert all(e["by"] is None for e in deleted)
