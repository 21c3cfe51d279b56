"""Accounts: first start, login, invites, open sign-up, devices, profiles, admin actions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from axon.client import ApiError, AxonClient, ClientClosed, RestApi
from tests.support.people import PASSWORD, admin_rest, new_person
from tests.support.server import ADMIN_PASSWORD, ServerProcess


async def test_first_start_created_an_org_and_an_admin(server: ServerProcess) -> None:
    rest = RestApi(server.url)
    session = await rest.login("admin", ADMIN_PASSWORD)
    assert session["user"]["role"] == "owner" and session["org"]["name"] == "Test Org"
    assert session["device"]["current"]
    with pytest.raises(ApiError) as wrong:
        await RestApi(server.url).login("admin", "not-the-password")
    assert wrong.value.status == 401 and wrong.value.code == "invalid_credentials"
    with pytest.raises(ApiError) as unknown:
        await RestApi(server.url).login("nobody", "whatever-pw")
    assert unknown.value.code == "invalid_credentials"  # same answer: no account probing


async def test_invite_link_signup_and_its_limits(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    invite = await admin.create_invite(max_uses=1, expires_in_hours=1)
    info = await RestApi(server.url).request("GET", f"/invites/{invite['token']}")
    assert info["valid"] and info["org_name"] == "Test Org"
    newcomer = RestApi(server.url)
    session = await newcomer.signup(invite_token=invite["token"], username="newbie", display_name="李娜",
                                    password="newbie-password", locale="zh-CN")
    assert session["user"]["locale"] == "zh-CN" and (await newcomer.me())["username"] == "newbie"
    with pytest.raises(ApiError) as used_up:
        await RestApi(server.url).signup(invite_token=invite["token"], username="second",
                                         display_name="Second", password="second-password")
    assert used_up.value.status == 410
    with pytest.raises(ApiError) as no_invite:
        await RestApi(server.url).signup(org=session["org"]["slug"], email="x@example.com", username="x1",
                                         display_name="X", password="sign-up-pass-1")
    assert no_invite.value.code == "signup_not_allowed"
    with pytest.raises(ApiError) as no_mail:  # open sign-up confirms addresses by mail: this node has no SMTP
        await admin.request("PATCH", "/admin/org", {"signup_domains": ["example.com"]})
    assert (no_mail.value.status, no_mail.value.code) == (409, "email_not_configured")


async def test_revoking_a_device_closes_its_connection_at_once(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    other = RestApi(server.url)
    second = await other.login(ann.user["username"], PASSWORD)
    client = AxonClient(server.url, second["token"])
    await client.connect()
    devices = await ann.rest.devices()
    assert {d["id"] for d in devices} >= {second["device"]["id"]}
    await ann.rest.revoke_device(second["device"]["id"])
    await asyncio.wait_for(client._run_task, 10)  # noqa: SLF001 - the SDK stops for good on 4003
    assert client.fatal == "device revoked"
    with pytest.raises(ClientClosed):
        client.send_nowait("c_x", "after revoke")
    with pytest.raises(ApiError) as dead:
        await other.me()
    assert dead.value.status == 401
    await client.close()


async def test_disabling_a_user_ends_their_sessions_and_logins(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"disabled": True})
    with pytest.raises(ApiError) as dead:
        await ann.rest.me()
    assert dead.value.status == 401
    with pytest.raises(ApiError) as refused:
        await RestApi(server.url).login(ann.user["username"], PASSWORD)
    assert refused.value.code == "invalid_credentials"  # as for a wrong password: the right one is not confirmed
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"disabled": False})
    await admin.request("POST", f"/admin/users/{ann.id}/password", {"password": "a-new-password"})
    assert (await RestApi(server.url).login(ann.user["username"], "a-new-password"))["user"]["id"] == ann.id


async def test_profile_is_visible_to_colleagues_and_validated(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    updated = await ann.rest.update_me(display_name="Ann Lee", title="CTO", timezone="Asia/Shanghai",
                                       locale="zh-CN", status_text="在开会")
    assert (updated["title"], updated["timezone"], updated["status_text"]) == ("CTO", "Asia/Shanghai", "在开会")
    seen = await bob.rest.request("GET", f"/users/{ann.id}")
    assert seen["display_name"] == "Ann Lee" and seen.get("email") is None
    with pytest.raises(ApiError) as bad_zone:
        await ann.rest.update_me(timezone="Mars/Olympus")
    assert bad_zone.value.code == "validation_failed"
    with pytest.raises(ApiError) as not_admin:
        await ann.rest.admin_create_user("mallory", "M", "password123")
    assert not_admin.value.status == 403


async def test_login_attempts_are_rate_limited_per_account(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    rest = RestApi(server.url)
    codes = []
    for _ in range(12):
        try:
            await rest.login(ann.user["username"], "wrong-password")
        except ApiError as exc:
            codes.append(exc.code)
    # A burst of 10 failures (the person's own successful login does not count), then refusals with a retry time.
    assert codes == ["invalid_credentials"] * 10 + ["rate_limited"] * 2


async def test_role_changes_take_effect_on_the_next_request(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    await ann.rest.me()  # the token is now known (and cached) by the node
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"role": "admin"})
    assert isinstance(await ann.rest.request("GET", "/admin/invites"), list)
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"role": "member"})
    with pytest.raises(ApiError) as demoted:
        await ann.rest.request("GET", "/admin/invites")
    assert demoted.value.status == 403


@pytest.fixture
def roomy_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A node of the test's own whose sign-up limit per address fits a race of many sign-ups."""
    proc = ServerProcess(tmp_path / "node", env={"AXON_LOGIN_BURST_PER_ACCOUNT": "1000"}).start()
    yield proc
    proc.stop()


async def test_a_single_use_invite_admits_one_of_many_concurrent_signups(roomy_server: ServerProcess) -> None:
    admin = await admin_rest(roomy_server.url)
    invite = await admin.create_invite(max_uses=1, expires_in_hours=1)

    async def sign_up(i: int) -> dict | ApiError:
        try:
            return await RestApi(roomy_server.url).signup(invite_token=invite["token"], username=f"racer{i}",
                                                          display_name=f"Racer {i}", password="racer-password")
        except ApiError as exc:
            return exc

    outcomes = await asyncio.gather(*(sign_up(i) for i in range(10)))
    admitted = [o for o in outcomes if not isinstance(o, ApiError)]
    refused = [o for o in outcomes if isinstance(o, ApiError)]
    assert len(admitted) == 1
    assert {(e.status, e.code) for e in refused} == {(410, "gone")}
    racers = (await admin.users(q="racer", limit=50))["items"]
    assert [u["id"] for u in racers] == [admitted[0]["user"]["id"]]
    listed = await admin.request("GET", "/admin/invites")
    assert [i["uses"] for i in listed if i["id"] == invite["id"]] == [1]


async def test_an_email_address_is_shown_only_to_its_owner_and_admins(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    bob = await new_person(server.url, admin)
    me = await ann.rest.me()
    assert "email" in me  # the owner sees the field (null when none was given)
    seen_by_bob = await bob.rest.request("GET", f"/users/{ann.id}")
    assert "email" not in seen_by_bob  # left out, not merely empty
    assert all("email" not in u for u in (await bob.rest.users(""))["items"])
    assert all("email" in u for u in (await admin.request("GET", "/admin/users"))["items"])


async def test_common_and_personal_passwords_are_refused_wherever_a_password_is_set(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    with pytest.raises(ApiError) as created:
        await admin.admin_create_user("weakling", "Weakling", "password")
    assert (created.value.status, created.value.code) == (400, "weak_password")
    ann = await new_person(server.url, admin)
    with pytest.raises(ApiError) as changed:
        await ann.rest.request("POST", "/me/password", {"old_password": PASSWORD, "new_password": "12345678"})
    assert changed.value.code == "weak_password" and "too easy to guess" in changed.value.message
    with pytest.raises(ApiError) as reset:  # an admin's reset to the user's own name
        await admin.request("POST", f"/admin/users/{ann.id}/password", {"password": ann.user["username"] + "1"})
    assert reset.value.code == "weak_password"
    await ann.rest.request("POST", "/me/password", {"old_password": PASSWORD, "new_password": "plum-tree-47"})


async def test_the_strength_meter_estimate_matches_what_setting_the_password_accepts(server: ServerProcess) -> None:
    public = RestApi(server.url)
    weak = await public.request("POST", "/auth/password-strength", {"password": "iloveyou1"})
    assert weak["acceptable"] is False and weak["score"] < 2 and weak["warning"]
    personal = await public.request("POST", "/auth/password-strength",
                                    {"password": "zhangwei2026", "username": "zhangwei"})
    assert personal["acceptable"] is False
    strong = await public.request("POST", "/auth/password-strength", {"password": "plum-tree-47"})
    assert strong["acceptable"] is True and strong["score"] >= 2
