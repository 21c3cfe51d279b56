"""LDAP sign-in and directory sync against a real OpenLDAP server (Debian's slapd, on loopback)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest

from axon.client import ApiError, RestApi, SecondFactorRequired
from tests.support.audit_rows import database_url, entries, verify
from tests.support.people import admin_rest
from tests.support.server import ServerProcess
from tests.support.slapd import (
    ADMINS_GROUP,
    PEOPLE,
    READER_DN,
    READER_PASSWORD,
    USERS_GROUP,
    Slapd,
    group,
    person,
    seed,
)

PEOPLE_LDIF = [
    person("alice", "Alice Liddell", "alice@corp.example", "alice-directory-1"),
    person("bob", "Bob Builder", "bob@corp.example", "bob-directory-1"),
    person("carol", "Carol Outsider", "carol@corp.example", "carol-directory-1"),
    person("dave", "Dave Boss", "dave@corp.example", "dave-directory-1"),
    person("wang.fang", "王芳", "wang.fang@corp.example", "wang-directory-1"),
    person("erin", "Erin Local", "erin@corp.example", "erin-directory-1"),
    person("frank", "Frank Leaver", "frank@corp.example", "frank-directory-1"),
]
GROUPS_LDIF = [group(USERS_GROUP, ["alice", "bob", "dave", "wang.fang", "erin", "frank"]),
               group(ADMINS_GROUP, ["dave"])]


@pytest.fixture(scope="module")
def directory() -> Iterator[Slapd]:
    server = Slapd(seed(PEOPLE_LDIF, GROUPS_LDIF)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("ldap")).start()
    yield proc
    proc.stop()


def ldap_settings(directory: Slapd, **overrides: Any) -> dict[str, Any]:
    return {"enabled": True, "url": directory.url, "security": "none", "bind_dn": READER_DN,
            "bind_password": READER_PASSWORD, "user_base_dn": PEOPLE, "user_filter": "(objectClass=inetOrgPerson)",
            "login_attribute": "uid", "email_attribute": "mail", "name_attribute": "cn",
            "access_group_dn": USERS_GROUP, "admin_group_dn": ADMINS_GROUP, **overrides}


@pytest.fixture
async def admin(node: ServerProcess, directory: Slapd) -> RestApi:
    rest = await admin_rest(node.url)
    await rest.request("PUT", "/admin/sso/ldap", ldap_settings(directory))
    return rest


async def login(node: ServerProcess, name: str, password: str) -> dict[str, Any]:
    return await RestApi(node.url).login(name, password)


async def test_test_connection_reports_what_the_settings_find(node: ServerProcess, directory: Slapd,
                                                              admin: RestApi) -> None:
    found = await admin.request("POST", "/admin/sso/ldap/test", ldap_settings(directory, bind_password=None))
    assert found == {"ok": True, "users": 7, "sample": ["alice", "bob", "carol", "dave", "erin"], "message": ""}
    wrong = await admin.request("POST", "/admin/sso/ldap/test", ldap_settings(directory, bind_password="nope"))
    assert wrong["ok"] is False and "bind DN and password" in wrong["message"]
    settings = await admin.request("GET", "/admin/sso")
    assert settings["ldap"]["has_bind_password"] is True and READER_PASSWORD not in str(settings)


async def test_a_directory_password_signs_in_and_creates_the_account_once(node: ServerProcess,
                                                                          admin: RestApi) -> None:
    session = await login(node, "alice", "alice-directory-1")
    user = session["user"]
    assert (user["username"], user["display_name"], user["email"]) == ("alice", "Alice Liddell", "alice@corp.example")
    assert user["role"] == "member"
    channels = await RestApi(node.url, session["token"]).request("GET", "/conversations")
    assert any(c.get("name") == "general" for c in channels)  # joined the default channels
    again = await login(node, "ALICE", "alice-directory-1")
    assert again["user"]["id"] == user["id"]
    chinese = await login(node, "wang.fang", "wang-directory-1")
    assert chinese["user"]["display_name"] == "王芳"


async def test_wrong_passwords_and_outsiders_are_refused(node: ServerProcess, admin: RestApi) -> None:
    for name, password in (("alice", "wrong-password-1"), ("nobody", "alice-directory-1"), ("alice", "")):
        with pytest.raises(ApiError) as refused:
            await login(node, name, password or "x")
        assert refused.value.code == "invalid_credentials"
    with pytest.raises(ApiError) as outsider:  # right password, not in the access group
        await login(node, "carol", "carol-directory-1")
    assert outsider.value.code == "sso_no_access"


@pytest.mark.parametrize("typed", ["ali*", "*", "alice)(uid=*", "*)(objectClass=*", "al\\2a", "alice\x00"])
async def test_filter_syntax_typed_as_a_login_matches_nobody(node: ServerProcess, admin: RestApi, typed: str) -> None:
    """Unescaped, ``ali*`` would find alice's entry and her password would bind: the login must be
    literal text in the filter (RFC 4515 escapes)."""
    with pytest.raises(ApiError) as refused:
        await login(node, typed, "alice-directory-1")
    assert refused.value.code in ("invalid_credentials", "validation_failed")


async def test_the_admin_group_makes_admins(node: ServerProcess, admin: RestApi) -> None:
    assert (await login(node, "dave", "dave-directory-1"))["user"]["role"] == "admin"


async def test_an_existing_account_is_linked_by_e_mail(node: ServerProcess, admin: RestApi) -> None:
    local = await admin.request("POST", "/admin/users", {"username": "erin-local", "display_name": "Erin",
                                                        "password": "a-long-password-9", "email": "erin@corp.example"})
    session = await login(node, "erin", "erin-directory-1")
    assert session["user"]["id"] == local["id"] and session["user"]["display_name"] == "Erin Local"


async def test_sync_follows_the_directory_and_disables_leavers_at_once(node: ServerProcess, directory: Slapd,
                                                                       admin: RestApi) -> None:
    bob = await login(node, "bob", "bob-directory-1")
    frank = await login(node, "frank", "frank-directory-1")
    bob_rest, frank_rest = RestApi(node.url, bob["token"]), RestApi(node.url, frank["token"])
    await bob_rest.request("GET", "/me")

    directory.modify(USERS_GROUP, {"member": [("MODIFY_DELETE", [f"uid=bob,{PEOPLE}"])]})
    directory.delete(f"uid=frank,{PEOPLE}")
    directory.modify(f"uid=alice,{PEOPLE}", {"cn": [("MODIFY_REPLACE", ["Alice Kingsleigh"])]})
    summary = await admin.request("POST", "/admin/sso/ldap/sync")
    assert summary["disabled"] == 2 and summary["updated"] >= 1 and summary["directory_entries"] == 6

    for rest in (bob_rest, frank_rest):  # their devices were revoked by the sync
        with pytest.raises(ApiError) as gone:
            await rest.request("GET", "/me")
        assert gone.value.status == 401
    users = (await admin.request("GET", "/admin/users", params={"q": "alice"}))["items"]
    assert [u["display_name"] for u in users] == ["Alice Kingsleigh"]
    with pytest.raises(ApiError):
        await login(node, "bob", "bob-directory-1")

    directory.modify(USERS_GROUP, {"member": [("MODIFY_ADD", [f"uid=bob,{PEOPLE}"])]})
    back = await admin.request("POST", "/admin/sso/ldap/sync")
    assert back["enabled"] == 1
    assert (await login(node, "bob", "bob-directory-1"))["user"]["id"] == bob["user"]["id"]
    settings = await admin.request("GET", "/admin/sso")
    assert settings["ldap"]["last_sync"]["enabled"] == 1 and settings["ldap"]["last_sync_at"]

    # The audit log holds who did what: the leavers disabled by the sync, the syncs, the re-enabling.
    org_id = (await admin.request("GET", "/org"))["id"]
    log = [(e["action"], e["target_id"], json.loads(e["details"])) for e in await entries(node, org_id)]
    disabled = {t: d for a, t, d in log if a == "user.disabled" and d.get("by") == "directory_sync"}
    assert disabled[bob["user"]["id"]]["reason"] == "left_access_group"
    assert disabled[frank["user"]["id"]]["reason"] == "left_directory"
    assert disabled[bob["user"]["id"]]["devices_revoked"] == 1
    assert ("user.enabled", bob["user"]["id"], {"by": "directory_sync"}) in log
    assert [d["disabled"] for a, _, d in log if a == "sso.directory_synced"][-2:] == [2, 0]
    assert any(a == "auth.login" and t == bob["user"]["id"] and d["method"] == "ldap" for a, t, d in log)
    assert any(a == "user.created" and t == frank["user"]["id"] and d["via"] == "ldap" for a, t, d in log)
    assert READER_PASSWORD not in str(log)  # settings changes are recorded without the secret
    assert verify(node).returncode == 0


async def test_an_account_an_admin_disabled_stays_disabled(node: ServerProcess, admin: RestApi) -> None:
    wang = await login(node, "wang.fang", "wang-directory-1")
    await admin.request("PATCH", f"/admin/users/{wang['user']['id']}", {"disabled": True})
    await admin.request("POST", "/admin/sso/ldap/sync")
    with pytest.raises(ApiError) as refused:
        await login(node, "wang.fang", "wang-directory-1")
    assert refused.value.code == "account_disabled"
    await admin.request("PATCH", f"/admin/users/{wang['user']['id']}", {"disabled": False})


async def test_an_unreachable_directory_leaves_the_admins_password(node: ServerProcess, directory: Slapd,
                                                                  admin: RestApi) -> None:
    await admin.request("PUT", "/admin/sso/ldap", ldap_settings(directory, url="ldap://127.0.0.1:9"))
    try:
        assert (await admin_rest(node.url)).token  # break-glass: the local password
        with pytest.raises(ApiError) as down:
            await admin.request("POST", "/admin/sso/ldap/sync")
        assert down.value.code == "sso_unavailable"
    finally:
        await admin.request("PUT", "/admin/sso/ldap", ldap_settings(directory))


async def test_settings_are_validated(admin: RestApi, directory: Slapd) -> None:
    for bad, field in (({"url": "http://x"}, "url"), ({"user_filter": "(objectClass=*"}, "user_filter"),
                       ({"login_attribute": "uid)(x"}, "login_attribute"),
                       ({"security": "ldaps"}, "url")):
        with pytest.raises(ApiError) as refused:
            await admin.request("PUT", "/admin/sso/ldap", ldap_settings(directory, **bad))
        assert refused.value.status == 400 and refused.value.details.get("field") == field, bad


def test_the_shell_syncs_the_directory_too(node: ServerProcess, admin: RestApi) -> None:
    """``axon admin sync-directory`` on the node's database, as an operator would from a cron job."""
    env = {**node.env, "AXON_DATA_DIR": str(node.data_dir), "AXON_DATABASE_URL": database_url(node)}
    done = subprocess.run([sys.executable, "-m", "axon", "admin", "sync-directory"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert re.search(r"Directory sync: [67] directory entries, \d+ linked accounts checked", done.stdout), done.stdout


async def test_a_directory_password_is_a_first_factor_only(node: ServerProcess, admin: RestApi) -> None:
    """An LDAP account with TOTP on still gives its code: the directory checks the password, Axon the code."""
    first = await login(node, "erin", "erin-directory-1")
    erin = RestApi(node.url, first["token"])
    enrolment = await erin.begin_totp()
    await erin.confirm_totp(pyotp.TOTP(enrolment["secret"]).now())
    with pytest.raises(SecondFactorRequired) as asked:
        await login(node, "erin", "erin-directory-1")
    assert asked.value.step == "second_factor_required"
    code = pyotp.TOTP(enrolment["secret"]).at(time.time() + 30)  # the next step: the last one is spent
    session = await RestApi(node.url).complete_login(asked.value.challenge, code, "laptop")
    assert session["user"]["id"] == first["user"]["id"]
