"""The audit log on a real node: the security and administrative events are recorded with who did
them, from where, on what; ``axon audit verify`` accepts the untouched log and names the first bad
position of a log whose rows were altered, removed, reordered, cut off or rewritten in the database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, delete, update

from axon.client import ApiError, RestApi
from axon.domain.audit import GENESIS, entry_hash, seal
from axon.store.schema import audit_chains, audit_entries
from tests.support import audit_rows
from tests.support.people import PASSWORD, admin_rest, eventually, new_person
from tests.support.server import ServerProcess, nodes_sharing_a_database

Row = dict[str, Any]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    # Anchors written at start only: the tampering tests must not have their tampering anchored.
    proc = ServerProcess(tmp_path_factory.mktemp("audit"), env={"AXON_AUDIT_ANCHOR_INTERVAL": "3600"}).start()
    yield proc
    proc.stop()


def _one(rows: list[Row], action: str, **match: Any) -> Row:
    found = [r for r in rows if r["action"] == action and all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (action, match, [(r["action"], r["target_id"]) for r in rows])
    return found[0]


async def _org_id(admin: RestApi) -> str:
    return str((await admin.request("GET", "/org"))["id"])


async def test_security_and_admin_events_are_recorded_with_actor_address_and_target(node: ServerProcess) -> None:
    admin = await admin_rest(node.url)
    admin_me = await admin.me()
    org_id = await _org_id(admin)
    with pytest.raises(ApiError):
        await RestApi(node.url).login("admin", "not-the-password")
    with pytest.raises(ApiError):
        await RestApi(node.url).login("nobody-at-all", "whatever-1")
    await admin.request("PUT", "/admin/default-channels", {"channel_ids": []})
    ann = await new_person(node.url, admin, "audit_ann")
    await ann.rest.request("POST", "/me/password", {"old_password": PASSWORD, "new_password": "ann-second-pw-9"})
    await admin.request("POST", f"/admin/users/{ann.id}/password", {"password": "ann-third-pw-77"})
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"disabled": True})
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"disabled": False})
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"role": "admin"})
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"role": "member"})
    await admin.request("PATCH", "/admin/org", {"name": "Audited Org", "session_idle_days": 7})
    invite = await admin.create_invite(max_uses=1)
    newcomer = RestApi(node.url)
    await newcomer.signup(invite_token=invite["token"], username="audit_bob", display_name="Bob",
                          password="bob-pw-12345")
    spare = await admin.create_invite()
    await admin.request("DELETE", f"/admin/invites/{spare['id']}")
    ann_rest = RestApi(node.url)
    await ann_rest.login("audit_ann", "ann-third-pw-77")
    ann_devices = await admin.request("GET", f"/admin/users/{ann.id}/devices")
    await admin.request("DELETE", f"/admin/users/{ann.id}/devices/{ann_devices[-1]['id']}")
    bob_me = await newcomer.me()
    group = await admin.create_conversation("group", "Audited group", [bob_me["id"]])
    await admin.request("PATCH", f"/conversations/{group['id']}/members/{bob_me['id']}", {"role": "admin"})
    await newcomer.logout()

    rows = await audit_rows.entries(node, org_id)
    assert [r["position"] for r in rows] == list(range(1, len(rows) + 1))
    by_admin = {"actor_user_id": admin_me["id"], "actor_address": "127.0.0.1"}
    login = _one(rows, "auth.login", target_id=admin_me["id"])
    assert login["actor_user_id"] == admin_me["id"] and login["actor_device_id"]
    assert login["actor_address"] == "127.0.0.1"
    assert json.loads(login["details"])["method"] == "password"
    failed = _one(rows, "auth.login_failed", target_id=admin_me["id"])
    assert failed["actor_user_id"] is None and failed["actor_address"] == "127.0.0.1"
    assert json.loads(failed["details"]) == {"reason": "invalid_credentials"}
    system = await audit_rows.entries(node, "")
    unknown = _one(system, "auth.login_failed", target_id="nobody-at-all")
    assert unknown["target_type"] == "login" and json.loads(unknown["details"]) == {"reason": "unknown_login"}
    created = _one(rows, "user.created", target_id=ann.id, **by_admin)
    assert json.loads(created["details"])["via"] == "admin"
    changed = _one(rows, "auth.password_changed", target_id=ann.id, actor_user_id=ann.id)
    assert json.loads(changed["details"]) == {"devices_revoked": 0}
    assert json.loads(_one(rows, "auth.password_reset", target_id=ann.id, **by_admin)["details"]) == {
        "devices_revoked": 1}
    _one(rows, "user.disabled", target_id=ann.id, **by_admin)
    _one(rows, "user.enabled", target_id=ann.id, **by_admin)
    roles = [json.loads(r["details"]) for r in rows if r["action"] == "user.role_changed"]
    assert roles == [{"from": "member", "to": "admin"}, {"from": "admin", "to": "member"}]
    assert json.loads(_one(rows, "org.renamed", **by_admin)["details"]) == {
        "setting": "name", "from": "Test Org", "to": "Audited Org"}
    assert json.loads(_one(rows, "org.policy_changed", **by_admin)["details"]) == {
        "setting": "session_idle_days", "from": 30, "to": 7}
    assert json.loads(_one(rows, "org.default_channels_changed", **by_admin)["details"])["to"] == []
    _one(rows, "invite.created", target_id=invite["id"], **by_admin)
    _one(rows, "invite.revoked", target_id=spare["id"], **by_admin)
    bob_created = _one(rows, "user.created", target_id=bob_me["id"], actor_user_id=bob_me["id"])
    assert json.loads(bob_created["details"])["via"] == "invite"
    assert json.loads(_one(rows, "auth.login", target_id=bob_me["id"])["details"])["method"] == "signup"
    _one(rows, "device.revoked", target_id=ann_devices[-1]["id"], **by_admin)
    assert json.loads(_one(rows, "conversation.role_changed", target_id=group["id"], **by_admin)["details"]) == {
        "user_id": bob_me["id"], "from": "member", "to": "admin"}
    _one(rows, "auth.logout", actor_user_id=bob_me["id"])
    result = audit_rows.verify(node)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout and "FAILED" not in result.stdout


async def _audited_chain(node: ServerProcess) -> tuple[str, list[Row], tuple[int, str]]:
    """An organisation chain with at least six entries, and its stored head."""
    admin = await admin_rest(node.url)
    org_id = await _org_id(admin)
    for _ in range(2):
        invite = await admin.create_invite()
        await admin.request("DELETE", f"/admin/invites/{invite['id']}")
    rows = await audit_rows.entries(node, org_id)
    assert len(rows) >= 6
    return org_id, rows, await audit_rows.head(node, org_id)


def _alter(position: int) -> Any:
    def apply(conn: Connection, chain: str) -> None:
        conn.execute(update(audit_entries).where(audit_entries.c.chain == chain, audit_entries.c.position == position)
                     .values(actor_address="10.9.9.9"))
    return apply


def _remove(position: int) -> Any:
    def apply(conn: Connection, chain: str) -> None:
        conn.execute(delete(audit_entries).where(audit_entries.c.chain == chain, audit_entries.c.position == position))
    return apply


def _swap(first: int, second: int) -> Any:
    """Swap two entries' places (their contents move, positions stay dense)."""
    def apply(conn: Connection, chain: str) -> None:
        t = audit_entries.c
        for old, new in ((first, -1), (second, first), (-1, second)):
            conn.execute(update(audit_entries).where(t.chain == chain, t.position == old).values(position=new))
    return apply


def _drop_tail(keep: int) -> Any:
    """Remove every entry after ``keep`` (the recorded head still names the last one)."""
    def apply(conn: Connection, chain: str) -> None:
        conn.execute(delete(audit_entries).where(audit_entries.c.chain == chain, audit_entries.c.position > keep))
    return apply


def _cut_tail(keep: int) -> Any:
    """Remove every entry after ``keep`` and move the recorded head back to it: consistent in the database."""
    def apply(conn: Connection, chain: str) -> None:
        t = audit_entries.c
        last = conn.execute(audit_entries.select().where(t.chain == chain, t.position == keep)).mappings().one()
        conn.execute(delete(audit_entries).where(t.chain == chain, t.position > keep))
        conn.execute(update(audit_chains).where(audit_chains.c.chain == chain)
                     .values(position=keep, hash=last["hash"]))
    return apply


def _rewrite_without_key(position: int) -> Any:
    """Alter an entry and recompute every hash after it, as someone without the audit key would."""
    def apply(conn: Connection, chain: str) -> None:
        t = audit_entries.c
        rows = [dict(r) for r in conn.execute(audit_entries.select().where(t.chain == chain)
                                             .order_by(t.position)).mappings()]
        prev = GENESIS
        for row in rows:
            if row["position"] == position:
                row["actor_address"] = "10.9.9.9"
            row["prev_hash"] = prev
            row["hash"] = entry_hash(row, prev)
            row["mac"] = seal(b"a guessed key that is not the audit key", row["hash"])
            prev = row["hash"]
            conn.execute(update(audit_entries).where(t.chain == chain, t.position == row["position"])
                         .values(prev_hash=row["prev_hash"], hash=row["hash"], mac=row["mac"],
                                 actor_address=row["actor_address"]))
        conn.execute(update(audit_chains).where(audit_chains.c.chain == chain).values(hash=prev))
    return apply


@pytest.mark.parametrize(("tamper", "position", "says"), [
    (_alter(3), 3, "altered"),
    (_remove(3), 3, "missing"),
    (_swap(2, 4), 2, "does not follow"),
    (_drop_tail(4), 5, "cut off"),
    (_rewrite_without_key(3), 1, "seal does not match"),
], ids=["altered", "removed", "reordered", "cut-off", "rewritten-without-key"])
async def test_verify_names_the_first_bad_position(node: ServerProcess, tamper: Any, position: int, says: str) -> None:
    chain, rows, head = await _audited_chain(node)
    await audit_rows.on_database(node, lambda c: tamper(c, chain), write=True)
    try:
        result = audit_rows.verify(node, "--org", "test-org")
        assert result.returncode == 1, result.stdout + result.stderr
        assert "FAILED" in result.stdout and f"position {position}:" in result.stdout and says in result.stdout, \
            result.stdout
    finally:
        await audit_rows.restore(node, chain, rows, head)
    assert audit_rows.verify(node, "--org", "test-org").returncode == 0


@pytest.fixture
def anchoring_node(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "node", env={"AXON_AUDIT_ANCHOR_INTERVAL": "0.2"}).start()
    yield proc
    proc.stop()


async def test_a_cut_off_end_is_caught_by_the_anchors_outside_the_database(anchoring_node: ServerProcess) -> None:
    """Cut off the tail AND its recorded head: only the anchors file still knows the chain was longer."""
    node = anchoring_node
    chain, rows, head = await _audited_chain(node)
    anchors = Path(node.data_dir) / "audit-anchors.jsonl"

    def anchored() -> bool:
        return anchors.exists() and any(json.loads(line)["chain"] == chain and json.loads(line)["position"] == head[0]
                                        for line in anchors.read_text().splitlines())

    await eventually(anchored)
    assert anchors.stat().st_mode & 0o077 == 0
    await audit_rows.on_database(node, lambda c: _cut_tail(head[0] - 2)(c, chain), write=True)
    try:
        result = audit_rows.verify(node, "--org", "test-org")
        assert result.returncode == 1 and f"position {head[0] - 1}:" in result.stdout and "cut off" in result.stdout, \
            result.stdout
        moved = node.data_dir / "elsewhere.jsonl"
        anchors.rename(moved)  # without the anchors, the shortened chain looks whole: what a chain cannot prove
        try:
            assert audit_rows.verify(node, "--org", "test-org").returncode == 0
            assert audit_rows.verify(node, "--org", "test-org", "--anchors", str(moved)).returncode == 1
        finally:
            moved.rename(anchors)
    finally:
        await audit_rows.restore(node, chain, rows, head)
    assert "went back from position" in node.log()  # the node noticed the head moving back too


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    with nodes_sharing_a_database(tmp_path, {"AXON_AUDIT_KEY": "k" * 48}) as nodes:  # one audit key for all
        yield nodes


async def test_two_nodes_on_one_database_append_to_the_same_chains_without_gaps(
        two_nodes: tuple[ServerProcess, ServerProcess]) -> None:
    """Both nodes record at once (failed logins alone, invites inside their writes): one chain head,
    locked per append, keeps every chain gap-free and verifiable."""
    first, second = two_nodes
    admins = [await admin_rest(n.url) for n in (first, second)]
    org_id = await _org_id(admins[0])
    before_org = len(await audit_rows.entries(first, org_id))

    async def fail(node: ServerProcess, i: int) -> None:
        with pytest.raises(ApiError):
            await RestApi(node.url).login(f"ghost-{node.port}-{i}", "wrong-password-1")

    async def invite(admin: RestApi) -> None:
        await admin.create_invite()

    await asyncio.gather(*(fail(n, i) for n in (first, second) for i in range(25)),
                         *(invite(a) for a in admins for _ in range(25)))
    system = await audit_rows.entries(first, "")
    org = await audit_rows.entries(first, org_id)
    assert [r["position"] for r in system] == list(range(1, 51))
    assert [r["position"] for r in org] == list(range(1, before_org + 51))
    result = audit_rows.verify(first)
    assert result.returncode == 0, result.stdout + result.stderr


async def test_admins_browse_filter_page_and_export_and_the_export_is_recorded(node: ServerProcess) -> None:
    admin = await admin_rest(node.url)
    member = await new_person(node.url, admin, "audit_carl")
    with pytest.raises(ApiError) as refused:
        await member.rest.request("GET", "/admin/audit")
    assert refused.value.status == 403
    with pytest.raises(ApiError):  # a typed login is kept for an unknown account: it must not run in a spreadsheet
        await RestApi(node.url).login("=hyperlink(1+2)", "wrong-password-1", org="test-org")
    for _ in range(3):
        await admin.request("PATCH", f"/admin/users/{member.id}", {"disabled": True})
        await admin.request("PATCH", f"/admin/users/{member.id}", {"disabled": False})

    page = await admin.request("GET", "/admin/audit", params={"target": member.id, "action": "user.", "limit": 4})
    assert [e["action"] for e in page["items"]] == ["user.enabled", "user.disabled"] * 2
    assert page["items"][0]["position"] > page["items"][1]["position"]
    assert page["items"][0]["target_name"] == member.user["display_name"]
    assert page["items"][0]["actor_name"] == "Administrator" and page["next_before"] is not None
    rest = await admin.request("GET", "/admin/audit", params={"target": member.id, "action": "user.",
                                                               "before": page["next_before"]})
    assert [e["action"] for e in rest["items"]] == ["user.enabled", "user.disabled", "user.created"]
    assert rest["next_before"] is None
    assert (await admin.request("GET", "/admin/audit", params={"since": "2999-01-01T00:00:00Z"}))["items"] == []
    with pytest.raises(ApiError) as bad:
        await admin.request("GET", "/admin/audit", params={"action": "DROP TABLE"})
    assert bad.value.status == 400 and bad.value.code == "validation_failed"

    headers = {"authorization": f"Bearer {admin.token}"}
    async with httpx.AsyncClient(base_url=node.url + "/api/v1", headers=headers) as http:
        lines = (await http.get("/admin/audit/export", params={"target": member.id})).text.splitlines()
        csv_answer = await http.get("/admin/audit/export", params={"format": "csv", "action": "auth.login_failed"})
    exported = [json.loads(line) for line in lines]
    assert [e["action"] for e in exported][-2:] == ["auth.login", "user.created"] and len(exported) == 8
    assert all(e["prev_hash"] and e["hash"] for e in exported)
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_answer.headers["content-disposition"]
    table = csv_answer.text.lstrip("\ufeff").splitlines()
    assert table[0].startswith("position,created_at,action")
    assert ",'=hyperlink(1+2)," in csv_answer.text and ",=hyperlink" not in csv_answer.text
    recorded = (await admin.request("GET", "/admin/audit", params={"action": "audit.exported"}))["items"]
    assert [e["details"] for e in recorded[:2]] == [{"format": "csv", "filters": {"action": "auth.login_failed"}},
                                                    {"format": "jsonl", "filters": {"target_id": member.id}}]


@pytest.fixture
def node_with_another_key(tmp_path: Path) -> Iterator[ServerProcess]:
    """A node whose database was sealed under one key, restarted with another."""
    proc = ServerProcess(tmp_path / "node", env={"AXON_AUDIT_KEY": "a" * 40}).start()
    proc.stop()
    proc.env["AXON_AUDIT_KEY"] = "b" * 40
    yield proc.start()
    proc.stop()


async def test_a_node_with_another_audit_key_says_so_at_start(node_with_another_key: ServerProcess) -> None:
    await eventually(lambda: "sealed with a key this node does not have" in node_with_another_key.log())
    result = audit_rows.verify(node_with_another_key)
    assert result.returncode == 1 and "unknown key" in result.stdout


async def test_attempts_during_a_lockout_are_recorded_as_locked(node: ServerProcess) -> None:
    for _ in range(12):
        with pytest.raises(ApiError):
            await RestApi(node.url).login("ghost-locked", "wrong-password-1")
    reasons = [json.loads(r["details"])["reason"] for r in await audit_rows.entries(node, "")
               if r["target_id"] == "ghost-locked"]
    assert reasons[:10] == ["unknown_login"] * 10 and set(reasons[10:]) == {"locked"}
