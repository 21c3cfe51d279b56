"""An Axon node under test: a fresh subprocess (fresh data dir, free port), or a given URL.

The bench node raises the per-connection and login rate limits (a load
generator logs in 10,000 devices from one address and sends far more than a
person would), like the peers' run raised ejabberd's shaper and Prosody's
``limits.c2s.rate``. Durability settings are left at their defaults
(``synchronous=FULL``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from .procfs import descendants

ADMIN_PASSWORD = "bench-admin-password"
BENCH_ENV = {
    "AXON_ADMIN_PASSWORD": ADMIN_PASSWORD,
    "AXON_ARGON2_MEMORY_KIB": "1024",
    "AXON_ARGON2_TIME_COST": "1",
    "AXON_FRAME_RATE": "1000000",
    "AXON_FRAME_BURST": "1000000",
    "AXON_SEND_RATE_PER_USER": "1000000",
    "AXON_SEND_BURST_PER_USER": "1000000",
    "AXON_SEND_RATE_PER_DEVICE": "1000000",
    "AXON_SEND_BURST_PER_DEVICE": "1000000",
    "AXON_LOGIN_RATE_PER_ACCOUNT": "1000000",
    "AXON_LOGIN_BURST_PER_ACCOUNT": "1000000",
    "AXON_LOGIN_RATE_PER_ADDRESS": "1000000",
    "AXON_LOGIN_BURST_PER_ADDRESS": "1000000",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _axon_binary() -> str:
    exe = Path(sys.executable).with_name("axon")
    return str(exe) if exe.exists() else "axon"


def prepare_server_child(cpus: set[int] | None) -> None:
    """In a server's child before ``exec``: the open-files limit at its hard limit, pinned to ``cpus``."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if cpus:
        os.sched_setaffinity(0, cpus)


class Node:
    """``start`` / ``stop`` a local node; ``pids()`` gives the process tree to sample."""

    def __init__(self, *, url: str | None = None, pid: int | None = None, database_url: str | None = None,
                 cpus: set[int] | None = None, env: dict[str, str] | None = None,
                 admin_password: str = ADMIN_PASSWORD) -> None:
        self.url = url
        self.pid = pid
        self.database_url = database_url
        self.cpus = cpus
        self.extra_env = env or {}
        self.admin_password = admin_password
        self.proc: subprocess.Popen[bytes] | None = None
        self.data_dir: str | None = None
        self.log_path: str | None = None

    @property
    def host_port(self) -> tuple[str, int]:
        assert self.url is not None
        hostport = self.url.split("://", 1)[1].rstrip("/")
        host, port = hostport.rsplit(":", 1)
        return host, int(port)

    def start(self) -> Node:
        if self.url is not None:
            return self  # an external node
        port = free_port()
        self.data_dir = tempfile.mkdtemp(prefix="axon-bench-")
        self.log_path = os.path.join(self.data_dir, "server.log")
        env = {**os.environ, **BENCH_ENV, **self.extra_env}
        if self.database_url:
            env["AXON_DATABASE_URL"] = self.database_url
        cmd = [_axon_binary(), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir",
               os.path.join(self.data_dir, "data")]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         preexec_fn=self._prepare_child)
        self.pid = self.proc.pid
        self.url = f"http://127.0.0.1:{port}"
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _prepare_child(self) -> None:
        prepare_server_child(self.cpus)

    def _wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"axon exited with {self.proc.returncode}; log: {self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"axon not ready after {timeout_s} s; log: {self.log_tail()}")

    def log_tail(self, n: int = 2000) -> str:
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as fh:
            return fh.read()[-n:].decode(errors="replace")

    def pids(self) -> list[int]:
        if self.pid is None or not os.path.exists(f"/proc/{self.pid}"):
            return []
        return descendants([self.pid])

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def describe(self) -> dict[str, Any]:
        return {"url": self.url, "pid": self.pid, "database": self.database_url or "sqlite (data dir)",
                "cpus": sorted(self.cpus) if self.cpus else None, "data_dir": self.data_dir, "env": BENCH_ENV}
