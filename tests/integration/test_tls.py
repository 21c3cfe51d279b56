"""A node serving HTTPS and WSS itself: with a self-signed certificate (kept, reused, pinned by the SDK)
or an operator's certificate signed by a CA (trusted through a CA file); HSTS on what travels over
TLS, and only there; plain HTTP on the TLS port gets nothing."""

from __future__ import annotations

import datetime
import ipaddress
import re
import ssl
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from axon.client import AxonClient, RestApi
from axon.client.tls import CertificateMismatch
from tests.support.people import two_people_exchange_a_message
from tests.support.server import ADMIN_PASSWORD, ServerProcess


@pytest.fixture(scope="module")
def tls_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    node = ServerProcess(tmp_path_factory.mktemp("tls"), serve_args=("--tls-self-signed",), scheme="https").start()
    yield node
    node.stop()


def printed_fingerprint(node: ServerProcess) -> str:
    found = re.findall(r"SHA-256 fingerprint ([0-9A-F:]{95})", node.log())
    assert found, node.log()
    return found[-1]


async def test_the_sdk_pins_the_self_signed_certificate_and_chats_over_wss(tls_node: ServerProcess) -> None:
    pin = printed_fingerprint(tls_node)
    admin = RestApi(tls_node.url, fingerprint=pin)
    await admin.login("admin", ADMIN_PASSWORD)
    await two_people_exchange_a_message(tls_node.url, admin, "over wss", fingerprint=pin)
    await admin.close()


async def test_a_different_certificate_is_refused_before_anything_is_sent(tls_node: ServerProcess) -> None:
    wrong = "00:" * 31 + "00"
    rest = RestApi(tls_node.url, fingerprint=wrong)
    with pytest.raises(CertificateMismatch):
        await rest.login("admin", ADMIN_PASSWORD)
    client = AxonClient(tls_node.url, "some-token", fingerprint=wrong, max_backoff=0.1)
    with pytest.raises(CertificateMismatch):
        await client.rest.tls_context()
    await client.close()


async def test_without_a_pin_or_ca_the_self_signed_certificate_is_not_trusted(tls_node: ServerProcess) -> None:
    with pytest.raises(httpx.ConnectError):
        await RestApi(tls_node.url).login("admin", ADMIN_PASSWORD)


def test_plain_http_on_the_tls_port_gets_no_answer(tls_node: ServerProcess) -> None:
    with pytest.raises(httpx.TransportError):
        httpx.get(tls_node.url.replace("https", "http") + "/readyz", timeout=5)


def test_hsts_is_sent_over_tls(tls_node: ServerProcess) -> None:
    trusted = ssl.create_default_context(cafile=tls_node.data_dir / "tls" / "self-signed.crt")
    response = httpx.get(tls_node.url + "/readyz", verify=trusted)
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_the_certificate_covers_loopback_is_private_and_reused_after_a_restart(tls_node: ServerProcess) -> None:
    folder = tls_node.data_dir / "tls"
    assert stat.S_IMODE((folder / "self-signed.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    cert = x509.load_pem_x509_certificate((folder / "self-signed.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert {str(a) for a in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    before = printed_fingerprint(tls_node)
    tls_node.restart()
    assert printed_fingerprint(tls_node) == before


def _ca_and_server_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A little CA and a server certificate it signed for 127.0.0.1 (an operator's real setup)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "axon")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.crt", folder / "server.crt", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.fixture
def operator_node(tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    ca, cert, key = _ca_and_server_certificate(tmp_path)
    node = ServerProcess(tmp_path / "node", serve_args=("--tls-cert", str(cert), "--tls-key", str(key)),
                         scheme="https").start()
    yield node, ca
    node.stop()


async def test_an_operators_certificate_is_served_and_trusted_through_a_ca_file(
        operator_node: tuple[ServerProcess, Path]) -> None:
    node, ca = operator_node
    client = await AxonClient.login(node.url, "admin", ADMIN_PASSWORD, ca_file=str(ca))
    await client.connect()  # wss, verified against the CA and the address
    assert client.live
    await client.close()


def test_hsts_only_when_a_trusted_proxy_says_the_request_came_over_https(tmp_path: Path,
                                                                          server: ServerProcess) -> None:
    spoofed = httpx.get(server.url + "/readyz", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in spoofed.headers  # no trusted proxies: the header is ignored
    behind_proxy = ServerProcess(tmp_path / "proxied", env={"AXON_TRUSTED_PROXIES": "127.0.0.1"}).start()
    try:
        forwarded = httpx.get(behind_proxy.url + "/readyz", headers={"X-Forwarded-Proto": "https"})
        plain = httpx.get(behind_proxy.url + "/readyz")
        assert forwarded.headers["strict-transport-security"] == "max-age=31536000"
        assert "strict-transport-security" not in plain.headers
    finally:
        behind_proxy.stop()
