"""Login tells a guesser nothing but "wrong": limits follow the account, not its spelling; the client
address is the socket's unless a configured proxy forwarded the request; an account in several
organisations and a disabled account reveal nothing to a wrong password."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import pytest

from axon.client import ApiError, RestApi
from tests.support.people import PASSWORD, admin_rest, new_person
from tests.support.server import ADMIN_PASSWORD, ServerProcess


async def login_error(url: str, login: str, password: str, org: str | None = None) -> ApiError:
    with pytest.raises(ApiError) as refused:
        await RestApi(url).login(login, password, org=org)
    return refused.value


async def test_failures_count_per_account_whatever_the_spelling_and_the_lockout_says_so(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    slug = (await RestApi(server.url).login("admin", ADMIN_PASSWORD))["org"]["slug"]
    await admin.admin_create_user("spelled_ann", "Ann", PASSWORD, email="Ann.Spelled@corp.example")
    spellings = [("spelled_ann", None), ("ann.spelled@corp.example", None), ("SPELLED_ANN", slug),
                 ("Ann.Spelled@corp.example", slug)]
    codes = [(await login_error(server.url, login, "wrong-password", org)).code
             for login, org in (spellings * 3)[:10]]
    assert codes == ["invalid_credentials"] * 10  # ten failures in all, four spellings: one account
    locked = await login_error(server.url, "spelled_ann", PASSWORD)
    assert locked.status == 429 and locked.code == "rate_limited"
    assert "right one too" in locked.message  # the right password is refused too, and the message says so


async def test_a_login_in_several_organisations_is_resolved_by_the_password(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    await admin.admin_create_user("twin", "Twin Here", "password-here-1")
    base = {**server.env, "AXON_DATA_DIR": str(server.data_dir)}
    for slug, password in (("there", "password-there-1"), ("third", "password-here-1")):
        await run_cli({**base, "AXON_NEW_USER_PASSWORD": password}, "create-org", slug.title(), "--slug", slug)
        await run_cli({**base, "AXON_NEW_USER_PASSWORD": password}, "create-user", "twin", "--display-name", "Twin",
                      "--org", slug)
    wrong = await login_error(server.url, "twin", "not-a-password")
    assert (wrong.status, wrong.code) == (401, "invalid_credentials")  # not "exists in several organisations"
    there = await RestApi(server.url).login("twin", "password-there-1")
    assert there["org"]["slug"] == "there"
    ambiguous = await login_error(server.url, "twin", "password-here-1")  # right in two organisations
    assert ambiguous.status == 400 and "org" in ambiguous.message
    here = await RestApi(server.url).login("twin", "password-here-1", org="third")
    assert here["org"]["slug"] == "third"


async def test_a_disabled_account_answers_like_a_wrong_password(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"disabled": True})
    right = await login_error(server.url, ann.user["username"], PASSWORD)
    wrong = await login_error(server.url, ann.user["username"], "wrong-password")
    assert (right.status, right.code, right.message) == (wrong.status, wrong.code, wrong.message)
    assert right.code == "invalid_credentials"


async def run_cli(env: dict[str, str], *args: str) -> None:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "axon", "admin", *args, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await proc.communicate()
    assert proc.returncode == 0, output.decode()


def attempts_from(url: str, addresses: list[str]) -> list[int]:
    with httpx.Client(base_url=url) as http:
        return [http.post("/api/v1/auth/login", json={"login": f"nobody{i}", "password": "x"},
                          headers={"X-Forwarded-For": address}).status_code
                for i, address in enumerate(addresses)]


@pytest.mark.parametrize(("trusted", "expected"), [("", [401, 401, 401, 429]), ("127.0.0.1", [401] * 4)])
def test_forwarded_addresses_count_only_behind_a_configured_proxy(tmp_path: Path, trusted: str,
                                                                  expected: list[int]) -> None:
    env = {"AXON_LOGIN_BURST_PER_ADDRESS": "3", "AXON_LOGIN_RATE_PER_ADDRESS": "0.001", "AXON_TRUSTED_PROXIES": trusted}
    node = ServerProcess(tmp_path / "node", env=env).start()
    try:  # the test client is on loopback: it is a proxy only when configured as one
        assert attempts_from(node.url, ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]) == expected
    finally:
        node.stop()
