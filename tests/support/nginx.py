"""Debian's nginx, started by a test in front of a node: the repository's deploy/nginx/axon.conf with
only its addresses and certificate paths changed, run in the foreground with its own prefix, pid,
logs and temporary folders under the test's tmp folder."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from axon.tls import self_signed_certificate

from .server import free_port

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "axon.conf"


def render_site(template: str, upstream_port: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """The template as an operator would edit it: addresses, ports and certificate paths, nothing else."""
    replacements = [
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{upstream_port};"),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"\n\s*listen \[::\]:\d+[^;]*;", ""),  # no IPv6 in the sandbox
        (r"ssl_certificate     \S+;", f"ssl_certificate     {cert};"),
        (r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};"),
    ]
    for pattern, value in replacements:
        template, count = re.subn(pattern, value, template)
        assert count, f"the template no longer has {pattern!r}"
    return template


class NginxProcess:
    def __init__(self, folder: Path, upstream_port: int) -> None:
        self.folder = folder
        self.http_port, self.https_port = free_port(), free_port()
        certificate = self_signed_certificate(folder, "127.0.0.1")
        self.ca_file = certificate.cert_file
        self.url = f"https://127.0.0.1:{self.https_port}"
        site = render_site(TEMPLATE.read_text(), upstream_port, self.http_port, self.https_port,
                           certificate.cert_file, certificate.key_file)
        (folder / "axon.conf").write_text(site)
        (folder / "nginx.conf").write_text(self._main_conf())
        self.proc: subprocess.Popen[bytes] | None = None

    def _main_conf(self) -> str:
        temp = "\n".join(f"    {kind}_temp_path {self.folder / kind};" for kind in
                         ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        # Workers run as the test's user (as root they would drop to nobody, locked out of the tmp folder).
        user = "user root root;\n" if os.geteuid() == 0 else ""
        return (f"{user}daemon off;\nworker_processes 1;\npid {self.folder / 'nginx.pid'};\n"
                f"error_log {self.folder / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
                f"http {{\n    access_log off;\n{temp}\n    include {self.folder / 'axon.conf'};\n}}\n")

    def start(self, timeout: float = 10.0) -> NginxProcess:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise RuntimeError("nginx is not installed (make test installs Debian's nginx)")
        self.proc = subprocess.Popen([binary, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
                                      "-e", str(self.folder / "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"nginx did not listen in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
