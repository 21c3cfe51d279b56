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
modulepath /usr/lib/ldap
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


class Slapd:
    def __init__(self, ldif: str) -> None:
        # A folder of its own under /tmp: pytest's are private to the user running the tests, and slapd
        # runs as another (nobody) when that user is root.
        self.folder = Path(tempfile.mkdtemp(prefix="axon-slapd-"))
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.ldif = ldif

    def start(self) -> Slapd:
        binary = shutil.which("slapd") or "/usr/sbin/slapd"
        if not Path(binary).exists():
            pytest.fail("slapd is not installed: `make test` installs it (apt-get install slapd ldap-utils)")
        (self.folder / "db").mkdir()
        config = self.folder / "slapd.conf"
        config.write_text(CONFIG.format(dir=self.folder, suffix=SUFFIX, root_dn=ROOT_DN, root_password=ROOT_PASSWORD,
                                        reader_dn=READER_DN))
        (self.folder / "seed.ldif").write_text(self.ldif)
        subprocess.run(["/usr/sbin/slapadd", "-f", str(config), "-l", str(self.folder / "seed.ldif")], check=True,
                       capture_output=True)
        command = [binary, "-f", str(config), "-h", self.url + "/", "-d", "0"]
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
