"""Secrets a node keeps for its people and its admins, made through the REST API with marker
values: a TOTP seed (enrolment confirmed), a pending one (enrolment begun), the LDAP bind password
and the OpenID Connect client secret. The tests of encryption at rest look for them on disk."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyotp

from axon.client.rest import RestApi
from tests.support.people import PASSWORD, Person, new_person

BIND_PASSWORD = "ZQS-bind-password-marker"
CLIENT_SECRET = "ZQS-client-secret-marker"


@dataclass(frozen=True)
class KeptSecrets:
    enrolled: Person  # TOTP on
    totp_secret: str
    enrolling: Person  # enrolment begun, not confirmed
    pending_secret: str

    @property
    def values(self) -> tuple[str, ...]:
        return self.totp_secret, self.pending_secret, BIND_PASSWORD, CLIENT_SECRET


def totp_code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


async def keep_secrets(base_url: str, admin: RestApi) -> KeptSecrets:
    enrolled = await new_person(base_url, admin)
    totp_secret = (await enrolled.rest.begin_totp())["secret"]
    await enrolled.rest.confirm_totp(totp_code(totp_secret))
    enrolling = await new_person(base_url, admin)
    pending_secret = (await enrolling.rest.begin_totp())["secret"]
    await admin.request("PUT", "/admin/sso/ldap", {
        "enabled": False, "url": "ldap://127.0.0.1:1", "security": "none", "bind_dn": "cn=reader,dc=example,dc=org",
        "bind_password": BIND_PASSWORD, "user_base_dn": "ou=people,dc=example,dc=org",
        "user_filter": "(objectClass=inetOrgPerson)", "login_attribute": "uid", "email_attribute": "mail",
        "name_attribute": "cn"})
    await admin.request("PUT", "/admin/sso/oidc", {"enabled": False, "issuer": "http://127.0.0.1:1",
                                                   "client_id": "axon", "client_secret": CLIENT_SECRET})
    return KeptSecrets(enrolled, totp_secret, enrolling, pending_secret)


async def secrets_still_work(base_url: str, admin: RestApi, kept: KeptSecrets) -> None:
    """The node opens what it keeps: a TOTP sign-in (a code of a later step than the last one used),
    enrolment completing with the pending seed (so: once per ``kept``), the providers' secrets set."""
    await RestApi(base_url).login(kept.enrolled.user["username"], PASSWORD, code=totp_code(kept.totp_secret, 1))
    assert (await kept.enrolling.rest.two_factor())["totp_enabled"] is False
    await kept.enrolling.rest.confirm_totp(totp_code(kept.pending_secret))
    assert (await kept.enrolling.rest.two_factor())["totp_enabled"] is True
    settings = await admin.request("GET", "/admin/sso")
    assert settings["ldap"]["has_bind_password"] and settings["oidc"]["has_client_secret"]
