"""A real Axon node in a subprocess, on a free port, for integration and fault tests.

The database is SQLite in a temporary folder, or, when ``AXON_TEST_DATABASE_URL``
names a PostgreSQL server, a fresh database created on it for this node.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support.zygote import Forked, Zygote

ADMIN_PASSWORD = "admin-password-1"
# Nodes that share a database must share the master key of encryption at rest (docs/security.md);
# test nodes all use this one. A test of the generated default key sets AXON_MASTER_KEY to "".
TEST_MASTER_KEY = "dGVzdCBtYXN0ZXIga2V5IG9mIGF4b24ncyB0ZXN0cyE="
# Nodes are forked from a process that imported Axon once (tests/support/zygote.py); 0: new interpreters.
USE_ZYGOTE = os.environ.get("AXON_TEST_ZYGOTE", "1") != "0"
FAST_HASH_ENV = {"AXON_ARGON2_MEMORY_KIB": "1024", "AXON_ARGON2_TIME_COST": "1", "AXON_ARGON2_PARALLELISM": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_postgres_database(base_url: str) -> str:
    """Create an empty database beside the one in ``base_url`` and return its URL."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = "axon_t_" + secrets.token_hex(6)

    async def create() -> None:
        conn = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username,
                                     password=url.password, database=url.database)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(create())
    else:  # called from an async test: a loop of its own, in a thread of its own
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, create()).result()
    return url.set(database=name).render_as_string(hide_password=False)


class ServerProcess:
    def __init__(self, data_dir: Path, database_url: str | None = None, env: dict[str, str] | None = None,
                 serve_args: tuple[str, ...] = (), scheme: str = "http") -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.serve_args = serve_args  # e.g. ("--tls-self-signed",) with scheme "https"
        base = os.environ.get("AXON_TEST_DATABASE_URL")
        self.database_url = database_url or (fresh_postgres_database(base) if base else None)
        self.env = {**os.environ, **FAST_HASH_ENV, "AXON_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "AXON_ORG_NAME": "Test Org", "AXON_LOGIN_BURST_PER_ADDRESS": "100000",
                    "AXON_LOGIN_RATE_PER_ADDRESS": "100000", "AXON_LOG_LEVEL": "warning",
                    # Tests send in bursts far beyond a person's limit (test_send_limits sets its own).
                    "AXON_SEND_RATE_PER_USER": "100000", "AXON_SEND_BURST_PER_USER": "100000",
                    "AXON_SEND_RATE_PER_DEVICE": "100000", "AXON_SEND_BURST_PER_DEVICE": "100000",
                    "AXON_MASTER_KEY": TEST_MASTER_KEY,
                    "AXON_SEMANTIC_SEARCH": "0", **(env or {})}  # tests/conftest.py says why
        if self.database_url:
            self.env["AXON_DATABASE_URL"] = self.database_url
        self.proc: subprocess.Popen[bytes] | Forked | None = None
        self.log_path = data_dir / "server.log"

    def start(self, timeout: float = 30.0) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(self.data_dir),
                *self.serve_args]
        if USE_ZYGOTE:
            self.proc = Zygote.shared().spawn(args, self.env, self.log_path, Path.cwd())
        else:
            with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
                self.proc = subprocess.Popen([sys.executable, "-m", "axon", *args], env=self.env, stdout=log,
                                             stderr=subprocess.STDOUT)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                # Readiness only: the TLS tests check the certificate themselves.
                if httpx.get(self.url + "/readyz", timeout=1.0, verify=False).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"server not ready in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or power loss of the process."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait for a clean exit."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise

    def restart(self) -> None:
        self.kill()
        self.start()


@contextlib.contextmanager
def nodes_sharing_a_database(folder: Path,
                             env: dict[str, str] | None = None) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two nodes with the same settings sharing one database (the first's SQLite file, or its PostgreSQL
    database); each has its own data folder. Stopped cleanly at the end."""
    first = ServerProcess(folder / "a", env=env).start()
    url = first.database_url or f"sqlite:///{folder / 'a' / 'axon.db'}"
    second = ServerProcess(folder / "b", database_url=url, env=env).start()
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()
