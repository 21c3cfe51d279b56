"""Two-factor authentication over the real REST API: enrolment, the two-step sign-in, replay, recovery
codes, limits on wrong codes, turning it off, the organisation's requirement and an admin's reset."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pyotp
import pytest

from axon.client import ApiError, RestApi, SecondFactorRequired
from tests.integration.test_login_defences import run_cli
from tests.support import audit_rows
from tests.support.people import PASSWORD, Person, admin_rest, eventually, new_person
from tests.support.server import ADMIN_PASSWORD, ServerProcess


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


async def enrolled(server: ServerProcess, admin: RestApi) -> tuple[Person, str, list[str]]:
    """A new person with TOTP on: (person, secret, recovery codes)."""
    person = await new_person(server.url, admin)
    enrolment = await person.rest.begin_totp()
    codes = await person.rest.confirm_totp(code_at(enrolment["secret"]))
    return person, enrolment["secret"], codes


async def challenge_of(server: ServerProcess, person: Person) -> str:
    with pytest.raises(SecondFactorRequired) as asked:
        await RestApi(server.url).login(person.user["username"], PASSWORD)
    assert asked.value.step == "second_factor_required"
    return asked.value.challenge


async def refused(call: object) -> ApiError:
    with pytest.raises(ApiError) as error:
        await call  # type: ignore[misc]
    return error.value


async def test_enrolment_shows_a_qr_code_and_completes_only_with_a_valid_code(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    assert (await ann.rest.two_factor())["totp_enabled"] is False
    enrolment = await ann.rest.begin_totp()
    uri = enrolment["otpauth_uri"]
    assert uri.startswith("otpauth://totp/Axon:") and enrolment["secret"] in uri
    assert enrolment["qr_svg"].startswith("<svg") and "path" in enrolment["qr_svg"]
    wrong = await refused(ann.rest.confirm_totp("000000" if code_at(enrolment["secret"]) != "000000" else "111111"))
    assert (wrong.status, wrong.code) == (403, "invalid_code")  # signed in: the session is fine
    assert (await ann.rest.two_factor())["totp_enabled"] is False
    codes = await ann.rest.confirm_totp(code_at(enrolment["secret"]))
    assert len(codes) == 10 and len(set(codes)) == 10 and all(len(c) == 11 and c[5] == "-" for c in codes)
    status = await ann.rest.two_factor()
    assert status["totp_enabled"] and status["recovery_codes_left"] == 10 and status["enabled_at"]
    again = await refused(ann.rest.begin_totp())
    assert (again.status, again.code) == (409, "two_factor_enabled")


async def test_sign_in_asks_for_a_code_then_gives_the_session(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, secret, _ = await enrolled(server, admin)
    async with httpx.AsyncClient(base_url=server.url + "/api/v1") as http:
        first = await http.post("/auth/login", json={"login": ann.user["username"], "password": PASSWORD})
        assert first.status_code == 202
        body = first.json()
        assert body["status"] == "second_factor_required" and "token" not in body and len(body["challenge"]) > 30
        wrong_pw = await http.post("/auth/login", json={"login": ann.user["username"], "password": "not-it-at-all"})
        nobody = await http.post("/auth/login", json={"login": "nobody-here", "password": "not-it-at-all"})
        assert wrong_pw.status_code == nobody.status_code == 401  # a wrong password answers as it always did
        assert wrong_pw.json() == nobody.json()
    # The step the first code of enrolment used is spent: sign in with the next step's code (drift allowed).
    session = await RestApi(server.url).complete_login(body["challenge"], code_at(secret, 1), "laptop")
    assert session["user"]["id"] == ann.id and session["token"]
    assert (await RestApi(server.url, session["token"]).me())["id"] == ann.id
    used = await refused(RestApi(server.url).complete_login(body["challenge"], code_at(secret, 1)))
    assert (used.status, used.code) == (401, "challenge_invalid")  # a challenge works once


async def test_a_totp_code_works_once(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, secret, _ = await enrolled(server, admin)
    code = code_at(secret, 1)
    await RestApi(server.url).login(ann.user["username"], PASSWORD, code=code)
    replay = await refused(RestApi(server.url).login(ann.user["username"], PASSWORD, code=code))
    assert (replay.status, replay.code) == (401, "invalid_code")
    older = await refused(RestApi(server.url).login(ann.user["username"], PASSWORD, code=code_at(secret)))
    assert older.code == "invalid_code"  # an earlier step than one already used is spent too


async def test_racing_the_same_code_gives_one_session(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, secret, _ = await enrolled(server, admin)
    challenges = [await challenge_of(server, ann) for _ in range(4)]
    code = code_at(secret, 1)
    results = await asyncio.gather(*(RestApi(server.url).complete_login(c, code) for c in challenges),
                                   return_exceptions=True)
    assert sum(isinstance(r, dict) for r in results) == 1
    assert all(isinstance(r, ApiError) and r.code == "invalid_code" for r in results if not isinstance(r, dict))


async def test_codes_far_from_now_are_refused(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, secret, _ = await enrolled(server, admin)
    for offset in (-3, 3):
        error = await refused(RestApi(server.url).login(ann.user["username"], PASSWORD, code=code_at(secret, offset)))
        assert error.code == "invalid_code"


async def test_recovery_codes_sign_in_once_each_and_can_be_regenerated(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, _, codes = await enrolled(server, admin)
    await RestApi(server.url).login(ann.user["username"], PASSWORD, code=codes[0].upper().replace("-", " "))
    assert (await ann.rest.two_factor())["recovery_codes_left"] == 9
    again = await refused(RestApi(server.url).login(ann.user["username"], PASSWORD, code=codes[0]))
    assert again.code == "invalid_code"
    wrong_pw = await refused(ann.rest.regenerate_recovery_codes("not-my-password"))
    assert (wrong_pw.status, wrong_pw.code) == (403, "wrong_password")
    fresh = await ann.rest.regenerate_recovery_codes(PASSWORD)
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    old = await refused(RestApi(server.url).login(ann.user["username"], PASSWORD, code=codes[1]))
    assert old.code == "invalid_code"
    await RestApi(server.url).login(ann.user["username"], PASSWORD, code=fresh[1])


async def test_wrong_codes_lock_the_account_code_checks(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, secret, _ = await enrolled(server, admin)
    challenge = await challenge_of(server, ann)
    good = code_at(secret, 1)
    wrongs = [f"{(int(good) + n) % 1_000_000:06d}" for n in range(1, 6)]
    for wrong in wrongs:  # the burst: 5 wrong codes
        assert (await refused(RestApi(server.url).complete_login(challenge, wrong))).code == "invalid_code"
    locked = await refused(RestApi(server.url).complete_login(challenge, good))
    assert (locked.status, locked.code) == (429, "rate_limited") and "right one too" in locked.message
    other = await refused(RestApi(server.url).complete_login(await challenge_of(server, ann), good))
    assert other.status == 429  # per account, not per challenge


async def test_unknown_and_malformed_challenges_are_refused(server: ServerProcess) -> None:
    error = await refused(RestApi(server.url).complete_login("x" * 43, "123456"))
    assert (error.status, error.code) == (401, "challenge_invalid")
    async with httpx.AsyncClient(base_url=server.url + "/api/v1") as http:
        empty = await http.post("/auth/login/second-factor", json={"challenge": "", "code": "1"})
        assert empty.status_code == 422


async def test_turning_off_needs_the_password_and_a_code(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, secret, _ = await enrolled(server, admin)
    no_pw = await refused(ann.rest.disable_two_factor("wrong-password-x", code_at(secret, 1)))
    assert (no_pw.status, no_pw.code) == (403, "wrong_password")
    good = code_at(secret, 1)
    no_code = await refused(ann.rest.disable_two_factor(PASSWORD, f"{(int(good) + 1) % 1_000_000:06d}"))
    assert (no_code.status, no_code.code) == (403, "invalid_code")
    assert (await ann.rest.me())["id"] == ann.id  # a wrong code does not end the session
    await ann.rest.disable_two_factor(PASSWORD, code_at(secret, 1))
    assert (await ann.rest.two_factor())["totp_enabled"] is False
    session = await RestApi(server.url).login(ann.user["username"], PASSWORD)
    assert session["token"]  # one step again
    not_on = await refused(ann.rest.disable_two_factor(PASSWORD, "123456"))
    assert not_on.code == "two_factor_not_enabled"


async def test_admin_reset_removes_the_factors_and_signs_out_everywhere(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, _, _ = await enrolled(server, admin)
    assert (await admin.request("GET", f"/admin/users/{ann.id}/two-factor"))["totp_enabled"] is True
    listed = (await admin.request("GET", "/admin/users", params={"q": ann.user["username"]}))["items"]
    assert [u["two_factor"] for u in listed] == [True]
    assert "two_factor" not in await admin.request("GET", f"/users/{ann.id}")  # only in the admin list
    forbidden = await refused(ann.rest.request("DELETE", f"/admin/users/{ann.id}/two-factor"))
    assert forbidden.status == 403
    await admin.request("DELETE", f"/admin/users/{ann.id}/two-factor")
    gone = await refused(ann.rest.me())
    assert gone.status == 401  # the device was revoked
    session = await RestApi(server.url).login(ann.user["username"], PASSWORD)
    assert session["token"]
    listed = (await admin.request("GET", "/admin/users", params={"q": ann.user["username"]}))["items"]
    assert [u["two_factor"] for u in listed] == [False]
    twice = await refused(admin.request("DELETE", f"/admin/users/{ann.id}/two-factor"))
    assert (twice.status, twice.code) == (409, "two_factor_not_enabled")
    missing = await refused(admin.request("DELETE", "/admin/users/u_nobody/two-factor"))
    assert missing.status == 404


async def test_org_requirement_sends_members_to_enrolment(fresh_server: ServerProcess) -> None:
    server = fresh_server
    admin = await admin_rest(server.url)
    bob = await new_person(server.url, admin)
    first = await refused(admin.request("PATCH", "/admin/org", {"require_two_factor": True}))
    assert (first.status, first.code) == (409, "two_factor_enrol_first")
    enrolment = await admin.begin_totp()
    await admin.confirm_totp(code_at(enrolment["secret"]))
    org = await admin.request("PATCH", "/admin/org", {"require_two_factor": True})
    assert org["require_two_factor"] is True
    assert (await admin.me())["username"] == "admin"  # the admin (with 2FA) stays signed in
    assert (await refused(bob.rest.me())).status == 401  # members without 2FA are signed out

    with pytest.raises(SecondFactorRequired) as asked:
        await RestApi(server.url).login(bob.user["username"], PASSWORD)
    assert asked.value.step == "enrolment_required"
    challenge = asked.value.challenge
    wrong_kind = await refused(RestApi(server.url).complete_login(challenge, "123456"))
    assert wrong_kind.code == "challenge_invalid"  # an enrolment challenge does not stand for a code
    rest = RestApi(server.url)
    secret = (await rest.enrol_at_sign_in(challenge))["secret"]
    done = await rest.confirm_enrolment_at_sign_in(challenge, code_at(secret), "phone")
    assert len(done["recovery_codes"]) == 10 and done["session"]["user"]["id"] == bob.id
    assert (await rest.two_factor())["required_by_org"] is True
    cannot = await refused(rest.disable_two_factor(PASSWORD, code_at(secret, 1)))
    assert (cannot.status, cannot.code) == (403, "two_factor_required")
    await RestApi(server.url).login(bob.user["username"], PASSWORD, code=code_at(secret, 1))

    invite = await admin.request("POST", "/admin/invites", {})
    async with httpx.AsyncClient(base_url=server.url + "/api/v1") as http:
        joined = await http.post("/auth/signup", json={"invite_token": invite["token"], "username": "newbie",
                                                       "display_name": "New Bie", "password": PASSWORD})
    assert joined.status_code == 202 and joined.json()["status"] == "enrolment_required"

    await admin.request("DELETE", f"/admin/users/{bob.id}/two-factor")  # lost phone: enrols again at sign-in
    with pytest.raises(SecondFactorRequired) as again:
        await RestApi(server.url).login(bob.user["username"], PASSWORD)
    assert again.value.step == "enrolment_required"


async def test_the_shell_resets_two_factor_and_running_nodes_sign_the_user_out(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, _, _ = await enrolled(server, admin)
    await run_cli({**server.env, "AXON_DATA_DIR": str(server.data_dir)}, "reset-two-factor", ann.user["username"])
    assert (await admin.request("GET", f"/admin/users/{ann.id}/two-factor"))["totp_enabled"] is False

    async def signed_out() -> bool:
        try:
            await ann.rest.me()
        except ApiError as error:
            return error.status == 401
        return False

    await eventually(signed_out, timeout=5)  # the node's revocation watch sees it within about a second
    assert (await RestApi(server.url).login(ann.user["username"], PASSWORD))["token"]


async def test_two_factor_events_are_in_the_audit_log(fresh_server: ServerProcess) -> None:
    server = fresh_server
    admin = await admin_rest(server.url)
    org_id = (await admin.request("GET", "/org"))["id"]
    ann, secret, codes = await enrolled(server, admin)
    await RestApi(server.url).login(ann.user["username"], PASSWORD, code=code_at(secret, 1))
    await RestApi(server.url).login(ann.user["username"], PASSWORD, code=codes[0])
    await refused(RestApi(server.url).login(ann.user["username"], PASSWORD, code=codes[0]))
    await ann.rest.regenerate_recovery_codes(PASSWORD)
    await admin.request("DELETE", f"/admin/users/{ann.id}/two-factor")
    admin_secret = (await admin.begin_totp())["secret"]
    await admin.confirm_totp(code_at(admin_secret))
    await admin.request("PATCH", "/admin/org", {"require_two_factor": True})

    rows = await audit_rows.entries(server, org_id)
    mine = [(r["action"], json.loads(r["details"])) for r in rows if r["target_id"] == ann.id
            and r["action"] not in ("user.created",)]
    assert mine == [
        ("auth.login", {"method": "password", "device_name": "python-sdk"}),
        ("auth.totp_enabled", {}),
        ("auth.login", {"method": "password+totp", "device_name": "python-sdk"}),
        ("auth.recovery_code_used", {"codes_left": 9}),
        ("auth.login", {"method": "password+recovery_code", "device_name": "python-sdk"}),
        ("auth.login_failed", {"reason": "wrong_code"}),
        ("auth.recovery_codes_regenerated", {}),
        ("auth.two_factor_reset", {"devices_revoked": 3}),
    ]
    reset = next(r for r in rows if r["action"] == "auth.two_factor_reset")
    assert reset["actor_user_id"] != ann.id  # the admin did it
    policy = next(r for r in rows if r["action"] == "org.policy_changed")
    assert json.loads(policy["details"]) == {"setting": "require_two_factor", "from": False, "to": True,
                                             "members_signed_out": 1}
    assert audit_rows.verify(server).returncode == 0


async def test_the_admin_login_still_works_without_two_factor(server: ServerProcess) -> None:
    session = await RestApi(server.url).login("admin", ADMIN_PASSWORD)
    assert session["token"]
