"""LDAP over StartTLS and LDAPS: the directory's certificate is checked (against AXON_LDAP_CA_FILE),
and a directory whose certificate the node cannot check is refused, not used in clear."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from axon.client import RestApi
from tests.support.people import admin_rest
from tests.support.server import ServerProcess
from tests.support.slapd import PEOPLE, READER_DN, READER_PASSWORD, Slapd, person, seed


@pytest.fixture(scope="module")
def directory() -> Iterator[Slapd]:
    server = Slapd(seed([person("tls.user", "TLS User", "tls@corp.example", "tls-directory-1")], []), tls=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory, directory: Slapd) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("ldap-tls"), env={"AXON_LDAP_CA_FILE": str(directory.ca_file)})
    proc.start()
    yield proc
    proc.stop()


def settings(url: str, security: str) -> dict[str, object]:
    return {"enabled": True, "url": url, "security": security, "bind_dn": READER_DN,
            "bind_password": READER_PASSWORD, "user_base_dn": PEOPLE}


@pytest.mark.parametrize("mode", ["starttls", "ldaps"])
async def test_a_directory_behind_tls_signs_people_in(node: ServerProcess, directory: Slapd, mode: str) -> None:
    admin = await admin_rest(node.url)
    url = directory.url if mode == "starttls" else directory.ldaps_url
    found = await admin.request("POST", "/admin/sso/ldap/test", settings(url, mode))
    assert found["ok"] is True and found["users"] == 1, found
    await admin.request("PUT", "/admin/sso/ldap", settings(url, mode))
    session = await RestApi(node.url).login("tls.user", "tls-directory-1")
    assert session["user"]["display_name"] == "TLS User"


@pytest.fixture(scope="module")
def trusting_the_system_cas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("ldap-no-ca")).start()
    yield proc
    proc.stop()


async def test_a_certificate_the_node_cannot_check_is_refused(trusting_the_system_cas: ServerProcess,
                                                              directory: Slapd) -> None:
    admin = await admin_rest(trusting_the_system_cas.url)
    for url, mode in ((directory.url, "starttls"), (directory.ldaps_url, "ldaps")):
        found = await admin.request("POST", "/admin/sso/ldap/test", settings(url, mode))
        assert found["ok"] is False and "certificate" in found["message"].lower(), found
