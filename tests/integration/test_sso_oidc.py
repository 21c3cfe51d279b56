"""OpenID Connect single sign-on against a real (small) provider on loopback: the authorization code
flow with PKCE end to end, and every check of the provider's answer refusing a spoiled one."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from axon.client import ApiError, RestApi
from tests.support.audit_rows import entries
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.support.people import admin_rest, new_person
from tests.support.server import ServerProcess

CALLBACK = "/api/v1/auth/oidc/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    idp = OidcProvider().start()
    yield idp
    idp.stop()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory, provider: OidcProvider) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("oidc"))
    proc.env["AXON_PUBLIC_URL"] = proc.url  # the redirect URI registered with the provider
    provider.redirect_uris.append(proc.url + CALLBACK)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(autouse=True)
def fresh_provider_state(provider: OidcProvider) -> None:
    provider.tamper.clear()
    provider.rogue_key = False
    provider.user = person_claims("ada")


def person_claims(name: str, domain: str = "corp.example", **extra: Any) -> dict[str, Any]:
    return {"sub": f"sub-{name}-{secrets.token_hex(4)}", "email": f"{name}@{domain}", "email_verified": True,
            "name": name.title() + " Lovelace", "preferred_username": name, **extra}


async def configure(node: ServerProcess, provider: OidcProvider, **settings: Any) -> tuple[RestApi, str]:
    admin = await admin_rest(node.url)
    body = {"enabled": True, "issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "display_name": "Corp SSO", "allowed_domains": ["corp.example"], "auto_create": True, **settings}
    await admin.request("PUT", "/admin/sso/oidc", body)
    org = (await admin.request("GET", "/org"))["slug"]
    return admin, org


class Browser:
    """What a browser does in the redirect flow, with plain HTTP (the browser test does it in chromium)."""

    def __init__(self, node: ServerProcess) -> None:
        self.node = node
        self.binding = secrets.token_urlsafe(32)
        self.http = httpx.AsyncClient(timeout=10)

    async def to_provider(self, org: str) -> dict[str, str]:
        start = await self.http.post(f"{self.node.url}/api/v1/auth/oidc/start",
                                     json={"org": org, "binding": self.binding})
        assert start.status_code == 200, start.text
        url = start.json()["authorization_url"]
        page = await self.http.get(url)
        assert page.status_code == 200, page.text
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    async def approve(self, provider: OidcProvider, params: dict[str, str]) -> str:
        """Approve at the provider; the provider's redirect to our callback."""
        answer = await self.http.post(f"{provider.issuer}/authorize", data=params)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    async def callback(self, location: str) -> str:
        back = await self.http.get(location)
        assert back.status_code == 303
        return back.headers["location"]

    async def finish(self, landing: str, binding: str | None = None) -> dict[str, Any]:
        assert landing.startswith("/#/sso/"), landing
        state = landing.removeprefix("/#/sso/")
        return await RestApi(self.node.url).request("POST", "/auth/oidc/finish", {
            "state": state, "binding": binding or self.binding, "device_name": "browser"})

    async def sign_in(self, provider: OidcProvider, org: str) -> dict[str, Any]:
        params = await self.to_provider(org)
        return await self.finish(await self.callback(await self.approve(provider, params)))


async def test_a_first_sign_in_creates_the_account_and_a_second_finds_it(node: ServerProcess,
                                                                          provider: OidcProvider) -> None:
    admin, org = await configure(node, provider)
    options = await RestApi(node.url).request("GET", "/auth/sso/options", params={"org": org})
    assert options["oidc"] == "Corp SSO" and options["ldap"] is False

    params = await Browser(node).to_provider(org)
    assert params["code_challenge_method"] == "S256" and params["nonce"] and params["state"]
    assert params["redirect_uri"] == node.url + CALLBACK

    session = await Browser(node).sign_in(provider, org)
    assert session["user"]["email"] == "ada@corp.example" and session["user"]["username"] == "ada"
    assert session["user"]["display_name"] == "Ada Lovelace"
    me = await RestApi(node.url, session["token"]).request("GET", "/me")
    assert me["id"] == session["user"]["id"]
    again = await Browser(node).sign_in(provider, org)
    assert again["user"]["id"] == session["user"]["id"] and again["token"] != session["token"]
    log = [(e["action"], e["target_id"], json.loads(e["details"])) for e in await entries(node, session["org"]["id"])]
    mine = [(a, d) for a, t, d in log if t == me["id"]]
    assert [a for a, _ in mine] == ["user.created", "sso.identity_linked", "auth.login", "auth.login"]
    assert mine[0][1]["via"] == "oidc" and mine[2][1]["method"] == "oidc"
    settings = await admin.request("GET", "/admin/sso")
    assert settings["oidc"]["has_client_secret"] is True and "client_secret" not in settings["oidc"]
    assert CLIENT_SECRET not in str(settings)


async def test_an_account_of_the_same_e_mail_is_linked_not_duplicated(node: ServerProcess,
                                                                       provider: OidcProvider) -> None:
    admin, org = await configure(node, provider, auto_create=False)
    existing = await admin.request("POST", "/admin/users", {
        "username": "grace", "display_name": "Grace", "password": "a-long-password-9", "email": "grace@corp.example"})
    provider.user = person_claims("grace")
    session = await Browser(node).sign_in(provider, org)
    assert session["user"]["id"] == existing["id"]
    provider.user = person_claims("nobody")  # no account and none created
    with pytest.raises(ApiError) as refused:
        await Browser(node).sign_in(provider, org)
    assert refused.value.code == "sso_no_account"


@pytest.mark.parametrize(("spoil", "code"), [
    ({"tamper": {"aud": "another-client"}}, "sso_token_invalid"),
    ({"tamper": {"nonce": "not-the-one-we-sent"}}, "sso_nonce_mismatch"),
    ({"tamper": {"exp": 1_000_000_000, "iat": 999_999_000}}, "sso_token_invalid"),
    ({"tamper": {"iss": "http://127.0.0.1:1"}}, "sso_token_invalid"),
    ({"rogue_key": True}, "sso_token_invalid"),
    ({"user": {"email": "eve@evil.example"}}, "sso_email_not_allowed"),
    ({"user": {"email_verified": False}}, "sso_email_not_allowed"),
])
async def test_a_spoiled_id_token_signs_nobody_in(node: ServerProcess, provider: OidcProvider,
                                                  spoil: dict[str, Any], code: str) -> None:
    _, org = await configure(node, provider)
    provider.tamper.update(spoil.get("tamper", {}))
    provider.rogue_key = spoil.get("rogue_key", False)
    provider.user.update(spoil.get("user", {}))
    with pytest.raises(ApiError) as refused:
        await Browser(node).sign_in(provider, org)
    assert refused.value.code == code and refused.value.status in (401, 403)
    org_id = (await (await admin_rest(node.url)).request("GET", "/org"))["id"]
    last = [e for e in await entries(node, org_id) if e["action"] == "sso.login_failed"][-1]
    assert json.loads(last["details"]) == {"kind": "oidc", "reason": code}


async def test_a_wrong_or_replayed_state_or_another_browser_gets_nothing(node: ServerProcess,
                                                                         provider: OidcProvider) -> None:
    _, org = await configure(node, provider)
    browser = Browser(node)
    params = await browser.to_provider(org)
    location = await browser.approve(provider, params)
    forged = location.replace(params["state"], secrets.token_urlsafe(32))
    assert await browser.callback(forged) == "/#/sso-failed/sso_state_invalid"
    requests_before = provider.token_requests
    landing = await browser.callback(location)
    assert provider.token_requests == requests_before + 1  # the unknown state exchanged nothing
    with pytest.raises(ApiError) as stolen:  # someone else who learnt the link has no binding
        await browser.finish(landing, binding=secrets.token_urlsafe(32))
    assert stolen.value.code == "sso_state_invalid"
    assert (await browser.finish(landing))["user"]["email"] == "ada@corp.example"
    with pytest.raises(ApiError) as replayed:  # handed out once
        await browser.finish(landing)
    assert replayed.value.code == "sso_state_invalid"


async def test_the_provider_checks_pkce_so_a_stolen_code_is_useless_without_the_verifier(
        node: ServerProcess, provider: OidcProvider) -> None:
    _, org = await configure(node, provider)
    victim, attacker = Browser(node), Browser(node)
    victim_params = await victim.to_provider(org)
    stolen = await victim.approve(provider, victim_params)
    attacker_params = await attacker.to_provider(org)
    # The attacker's own sign-in, completed with the victim's code: the verifier does not match its challenge.
    code = parse_qs(urlsplit(stolen).query)["code"][0]
    landing = await attacker.callback(f"{node.url}{CALLBACK}?code={code}&state={attacker_params['state']}")
    with pytest.raises(ApiError) as refused:
        await attacker.finish(landing)
    assert refused.value.code == "sso_rejected"


async def test_required_sso_refuses_members_passwords_but_not_the_admins(node: ServerProcess,
                                                                         provider: OidcProvider) -> None:
    admin, org = await configure(node, provider)
    member = await new_person(node.url, admin)
    await admin.request("PUT", "/admin/sso/policy", {"sso_required": True})
    try:
        with pytest.raises(ApiError) as refused:
            await RestApi(node.url).login(member.user["username"], "user-password-1")
        assert refused.value.code == "invalid_credentials"  # said like a wrong password: no oracle
        assert (await admin_rest(node.url)).token  # the break-glass admin still signs in
        options = await RestApi(node.url).request("GET", "/auth/sso/options", params={"org": org})
        assert options["sso_required"] is True
    finally:
        await admin.request("PUT", "/admin/sso/policy", {"sso_required": False})


async def test_an_sso_account_has_no_password_that_works(node: ServerProcess, provider: OidcProvider) -> None:
    _, org = await configure(node, provider)
    provider.user = person_claims("linus")
    session = await Browser(node).sign_in(provider, org)
    for guess in ("", "not-a-real-password"):  # the latter is what an unknown account is checked against
        with pytest.raises(ApiError) as refused:
            await RestApi(node.url).login(session["user"]["username"], guess or "x")
        assert refused.value.code in ("invalid_credentials", "validation_failed")


async def test_settings_are_for_admins_and_validated(node: ServerProcess, provider: OidcProvider) -> None:
    admin = await admin_rest(node.url)
    member = await new_person(node.url, admin)
    for method, path in (("GET", "/admin/sso"), ("PUT", "/admin/sso/policy")):
        with pytest.raises(ApiError) as forbidden:
            await member.rest.request(method, path, {"sso_required": False} if method == "PUT" else None)
        assert forbidden.value.status == 403
    with pytest.raises(ApiError) as insecure:
        await admin.request("PUT", "/admin/sso/oidc", {"issuer": "http://idp.example.com", "client_id": "x"})
    assert insecure.value.code == "validation_failed" and insecure.value.details["field"] == "issuer"
    await admin.request("DELETE", "/admin/sso/oidc")
    with pytest.raises(ApiError) as nothing_to_require:
        await admin.request("PUT", "/admin/sso/policy", {"sso_required": True})
    assert nothing_to_require.value.code == "sso_not_configured"
