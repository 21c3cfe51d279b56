"""TLS for ``axon serve``: the certificate and key to serve with, and a self-signed one for trying it out.

``--tls-self-signed`` makes an ECDSA P-256 key and a certificate for localhost, 127.0.0.1, ::1 and the
listening host, keeps both in ``<data dir>/tls/`` (the key 0600 from the moment it exists), and reuses
them on later starts while they are valid for another week and cover the host. Clients that cannot
trust it through a CA pin its SHA-256 fingerprint (printed at start; the SDK's ``fingerprint=``).
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .store.private_files import private_directory, write_secret

VALID_DAYS = 365
RENEW_BEFORE = datetime.timedelta(days=7)
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


@dataclass(frozen=True)
class ServingCertificate:
    cert_file: Path
    key_file: Path
    fingerprint: str  # SHA-256, upper-case hex pairs joined by colons


def certificate_fingerprint(cert_file: Path) -> str:
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def given_certificate(cert_file: Path, key_file: Path) -> ServingCertificate:
    """The operator's own certificate and key (read now, so a wrong path fails before serving)."""
    return ServingCertificate(cert_file, key_file, certificate_fingerprint(cert_file))


def self_signed_certificate(data_dir: Path, host: str) -> ServingCertificate:
    """The node's self-signed certificate, made on first use and reused while it still fits."""
    folder = private_directory(data_dir / "tls")
    cert_file, key_file = folder / "self-signed.crt", folder / "self-signed.key"
    names = subject_alternative_names(host)
    if not (cert_file.exists() and key_file.exists() and _still_fits(cert_file, names)):
        key = ec.generate_private_key(ec.SECP256R1())
        write_secret(key_file, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()).decode())
        cert_file.write_bytes(_certificate(key, names).public_bytes(serialization.Encoding.PEM))
    return ServingCertificate(cert_file, key_file, certificate_fingerprint(cert_file))


def subject_alternative_names(host: str) -> list[x509.GeneralName]:
    """localhost, the loopback addresses and the listening host (the machine's name when it listens
    on every address: a wildcard address names no server)."""
    names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                     x509.IPAddress(ipaddress.ip_address("::1"))]
    extra = socket.gethostname() if host in WILDCARD_HOSTS else host
    try:
        name: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(extra))
    except ValueError:
        name = x509.DNSName(extra)
    if name not in names:
        names.append(name)
    return names


def _certificate(key: ec.EllipticCurvePrivateKey, names: list[x509.GeneralName]) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Axon self-signed"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Axon")])
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # clocks of clients that run a little behind
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _still_fits(cert_file: Path, names: list[x509.GeneralName]) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        covered = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    fresh = cert.not_valid_after_utc - RENEW_BEFORE > datetime.datetime.now(datetime.UTC)
    return fresh and all(name in covered for name in names)
