"""The command line and the published API description."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from axon.store.migrate import head
from tests.support.server import ADMIN_PASSWORD, FAST_HASH_ENV, ServerProcess


def axon(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "axon", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_config_show_prints_effective_settings_with_secrets_masked(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "AXON_ADMIN_PASSWORD": "super-secret-pw", "AXON_PORT": "9123",
           "AXON_DATABASE_URL": "postgresql://axon:dbpass@db.example:5432/axon", "HOME": str(tmp_path)}
    shown = axon("config", "show", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    values = json.loads(shown.stdout)
    assert values["port"] == 9123 and values["admin_password"] == "********"
    assert values["database_url"] == "postgresql://axon:********@db.example:5432/axon"
    assert "super-secret-pw" not in shown.stdout and "dbpass" not in shown.stdout


# Ten commands, each a process of its own that imports the whole server (~1.5 s quiet, 10–15 s while a
# full suite runs three passes on two cores): more than the suite's 120 s per test on a loaded machine.
@pytest.mark.timeout(400)
def test_db_upgrade_and_admin_commands_work_on_a_new_database(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "AXON_DATA_DIR": str(tmp_path), "AXON_ARGON2_MEMORY_KIB": "1024",
           "AXON_ARGON2_TIME_COST": "1", "AXON_NEW_USER_PASSWORD": "a-long-password"}
    assert f"Database at revision {head()}." in axon("db", "upgrade", env=env).stdout
    assert axon("admin", "create-org", "Acme", env=env).returncode == 0
    created = axon("admin", "create-user", "ann", "--display-name", "Ann", "--admin", env=env)
    assert created.returncode == 0 and "Created user 'ann'" in created.stdout
    taken = axon("admin", "create-user", "ann", "--display-name", "Ann", env=env)
    assert taken.returncode == 1 and "conflict" in taken.stdout
    assert axon("admin", "create-user", "bob", "--display-name", "Bob", env=env).returncode == 0
    assert "'bob' is now owner" in axon("admin", "set-role", "bob", "owner", env=env).stdout
    assert "'ann' is now guest" in axon("admin", "set-role", "ann", "guest", env=env).stdout  # ann was the owner
    last = axon("admin", "set-role", "bob", "member", env=env)  # bob is the only admin left
    assert last.returncode == 1 and "last_admin" in last.stdout
    disabled = axon("admin", "disable-user", "ann", env=env)
    assert "now disabled" in disabled.stdout
    devices = axon("admin", "list-devices", "ann", env=env)
    assert devices.returncode == 0


def test_serve_on_a_taken_port_says_which_before_creating_or_printing_anything(tmp_path) -> None:
    # No AXON_ADMIN_PASSWORD: a first start would print a freshly generated one.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AXON_")}, **FAST_HASH_ENV}
    data_dir = tmp_path / "data"
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        served = axon("serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir), env=env)
    assert served.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in served.stderr
    assert f"make run PORT={port + 1}" in served.stderr and f"axon serve --port {port + 1}" in served.stderr
    output = served.stdout + served.stderr
    assert "serving at" not in output and "password" not in output.lower() and "Traceback" not in output
    assert not data_dir.exists(), "nothing is created (no database, no initial-admin.txt)"


def test_sigterm_shuts_down_cleanly_and_keeps_the_data(tmp_path) -> None:
    node = ServerProcess(tmp_path / "node").start()
    token = httpx.post(node.url + "/api/v1/auth/login", json={"login": "admin", "password": ADMIN_PASSWORD}).json()
    # uvicorn re-raises the signal after its graceful shutdown, so "terminated by SIGTERM" is a clean exit.
    assert node.stop() in (0, -signal.SIGTERM)
    assert "Traceback" not in node.log()
    node.start()
    me = httpx.get(node.url + "/api/v1/me", headers={"Authorization": f"Bearer {token['token']}"})
    assert me.status_code == 200 and me.json()["username"] == "admin"
    node.stop()


def test_openapi_describes_every_endpoint_and_its_errors(server: ServerProcess) -> None:
    spec = httpx.get(server.url + "/openapi.json").json()
    paths = spec["paths"]
    assert len(paths) >= 35
    for path, methods in paths.items():
        for method, operation in methods.items():
            if path in ("/healthz",):
                continue
            statuses = set(operation["responses"])
            assert statuses & {"400", "401", "404", "422", "503"}, f"{method} {path} documents no error"
    assert "ErrorBody" in spec["components"]["schemas"]
    assert "bearerAuth" in json.dumps(spec) or "HTTPBearer" in json.dumps(spec)
