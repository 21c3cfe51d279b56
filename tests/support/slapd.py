"""A real OpenLDAP server (Debian's ``slapd``) for the LDAP tests: its own config and mdb database in a
temporary folder, seeded by LDIF with ``slapadd``, listening on a free loopback port, run unprivileged
(as ``nobody`` when the tests run as root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.support.server import free_port

SUFFIX = "dc=corp,dc=example"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret-1"
READER_DN = f"cn=axon-reader,{SUFFIX}"
READER_PASSWORD = "reader-secret-1"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
USERS_GROUP = f"cn=axon-users,{GROUPS}"
ADMINS_GROUP = f"cn=axon-admins,{GROUPS}"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
{tls}modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
database mdb
maxsize 33554432
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {dir}/db
# People may bind with their password; only the service account reads the directory.
access to attrs=userPassword by anonymous auth by self write by * none
access to * by dn.exact="{reader_dn}" read by self read by * none
"""


def person(uid: str, name: str, mail: str, password: str) -> str:
    return (f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn:: {_b64(name)}\n"
            f"sn: {uid}\nmail: {mail}\nuserPassword: {password}\n")


def group(dn: str, members: list[str]) -> str:
    cn = dn.split(",")[0].split("=")[1]
    lines = "".join(f"member: uid={m},{PEOPLE}\n" for m in members)
    return f"dn: {dn}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}"


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def seed(people: list[str], groups: list[str]) -> str:
    base = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Corp\ndc: corp\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
        f"dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: axon-reader\n"
        f"userPassword: {READER_PASSWORD}\n",
    ]
    return "\n".join(base + people + groups)


def write_certificates(folder: Path) -> Path:
    """A test CA and a certificate for 127.0.0.1 signed by it (in ``folder``); the CA's path."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("Axon test CA")).issuer_name(name("Axon test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    return folder / "ca.pem"


class Slapd:
    def __init__(self, ldif: str, tls: bool = False) -> None:
        # A folder of its own under /tmp: pytest's are private to the user running the tests, and slapd
        # runs as another (nobody) when that user is root.
        self.folder = Path(tempfile.mkdtemp(prefix="axon-slapd-"))
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.tls = tls  # StartTLS on ``url``, and LDAPS on ``ldaps_url``, with a certificate of a test CA
        self.ldaps_port = free_port()
        self.ldaps_url = f"ldaps://127.0.0.1:{self.ldaps_port}"
        self.ca_file: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.ldif = ldif

    def start(self) -> Slapd:
        binary = shutil.which("slapd") or "/usr/sbin/slapd"
        if not Path(binary).exists():
            pytest.fail("slapd is not installed: `make test` installs it (apt-get install slapd ldap-utils)")
        (self.folder / "db").mkdir()
        config = self.folder / "slapd.conf"
        tls = ""
        if self.tls:
            self.ca_file = write_certificates(self.folder)
            tls = (f"TLSCACertificateFile {self.ca_file}\nTLSCertificateFile {self.folder}/server.pem\n"
                   f"TLSCertificateKeyFile {self.folder}/server.key\n")
        config.write_text(CONFIG.format(dir=self.folder, suffix=SUFFIX, root_dn=ROOT_DN, root_password=ROOT_PASSWORD,
                                        reader_dn=READER_DN, tls=tls))
        (self.folder / "seed.ldif").write_text(self.ldif)
        subprocess.run(["/usr/sbin/slapadd", "-f", str(config), "-l", str(self.folder / "seed.ldif")], check=True,
                       capture_output=True)
        listen = self.url + "/" + (f" {self.ldaps_url}/" if self.tls else "")
        command = [binary, "-f", str(config), "-h", listen, "-d", "0"]
        if os.geteuid() == 0:  # never as root: the tests' directory runs as nobody
            for path in [self.folder, *self.folder.rglob("*")]:
                os.chown(path, 65534, 65534)
            command += ["-u", "nobody", "-g", "nogroup"]
        self.log = open(self.folder / "slapd.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError("slapd exited: " + (self.folder / "slapd.log").read_text(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("slapd did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def modify(self, dn: str, changes: dict[str, list[tuple[str, list[str]]]]) -> None:
        """Change the directory as its administrator would (``ldap3`` MODIFY_* operations by name)."""
        import ldap3

        with ldap3.Connection(ldap3.Server(self.url), ROOT_DN, ROOT_PASSWORD, auto_bind=True) as conn:
            ops = {attr: [(getattr(ldap3, op), values) for op, values in change] for attr, change in changes.items()}
            assert conn.modify(dn, ops), conn.result

    def delete(self, dn: str) -> None:
        import ldap3

        with ldap3.Connection(ldap3.Server(self.url), ROOT_DN, ROOT_PASSWORD, auto_bind=True) as conn:
            assert conn.delete(dn), conn.result
