"""What the node writes to disk is its owner's only, under the usual umask 022 too."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import FAST_HASH_ENV, ServerProcess


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)  # the common default, which made the files world-readable
    yield
    os.umask(previous)


def test_a_first_start_creates_a_private_folder_database_and_admin_password_file(tmp_path: Path,
                                                                                 umask_022: None) -> None:
    node = ServerProcess(tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'data' / 'axon.db'}")
    del node.env["AXON_ADMIN_PASSWORD"]  # as `make run` does: a generated password, saved to a file
    node.start()
    try:
        data = node.data_dir
        assert mode(data) == 0o700
        secret = data / "initial-admin.txt"
        assert "password:" in secret.read_text() and mode(secret) == 0o600
        files = [p for p in data.iterdir() if p.name.startswith("axon.db")]
        assert {p.name for p in files} >= {"axon.db", "axon.db-wal"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    finally:
        node.stop()


def test_an_older_install_with_open_permissions_is_tightened_on_start(tmp_path: Path, umask_022: None) -> None:
    data = tmp_path / "data"
    env = {"PATH": "/usr/bin:/bin", "AXON_DATA_DIR": str(data), **FAST_HASH_ENV}
    data.mkdir(mode=0o755)
    upgraded = subprocess.run([sys.executable, "-c", "import os, sys; os.umask(0o022); from axon.store.migrate "
                               "import upgrade; upgrade(sys.argv[1])", f"sqlite:///{data / 'axon.db'}"],
                              env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert upgraded.returncode == 0, upgraded.stderr
    (data / "axon.db").chmod(0o644)  # as an install before this change left it
    data.chmod(0o755)
    node = ServerProcess(data, database_url=f"sqlite:///{data / 'axon.db'}").start()
    try:
        assert mode(data) == 0o700 and mode(data / "axon.db") == 0o600
    finally:
        node.stop()


def test_a_database_in_a_shared_folder_leaves_the_folder_open(tmp_path: Path) -> None:
    """A SQLite file put in /tmp (or any sticky, shared folder) once closed /tmp to everyone but root:
    the search benchmark's store did, and the tests' directory server (run as nobody) could no longer
    reach its folder."""
    from axon.store.migrate import upgrade

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    upgrade(f"sqlite:///{shared / 'axon.db'}")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
