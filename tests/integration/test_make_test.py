"""`make test` on a machine without PostgreSQL: the PostgreSQL pass is skipped loudly (why, and how
to point it at a server), except in CI, where it is required and fails."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


@pytest.fixture
def dead_pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose port is held (bound, not listening): connecting is refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{held.getsockname()[1]}/test"


def make_postgres_pass(url: str, note: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    # The outer `make test` hands its flags and overrides down through MAKEFLAGS: not to this make.
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PG_REQUIRED", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    if ci is not None:
        env["CI"] = ci
    # MAKE=false: should the probe wrongly find a server, the pass itself (and its install step) cannot run.
    args = ["make", "-s", "-C", str(ROOT), "test-postgres-or-skip", f"BIN={Path(sys.executable).parent}",
            f"TEST_PG_URL={url}", f"PG_SKIP_NOTE={note}", "MAKE=false"]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)


def test_without_a_server_the_postgres_pass_is_skipped_loudly_with_how_to_fix_it(dead_pg_url, tmp_path) -> None:
    port = dead_pg_url.rsplit(":", 1)[1].split("/")[0]
    note = tmp_path / "postgres-skipped.txt"
    done = make_postgres_pass(dead_pg_url, note, ci=None)
    assert done.returncode == 0, done.stderr
    assert f"SKIPPED: the PostgreSQL pass of make test: no PostgreSQL server answers at 127.0.0.1:{port}" in done.stderr
    assert "make test TEST_PG_URL=postgresql+asyncpg://" in done.stderr
    # Kept for `make test` to repeat once the browser tests are done.
    assert "SKIPPED" in note.read_text()


def test_in_ci_the_postgres_pass_is_required(dead_pg_url, tmp_path) -> None:
    note = tmp_path / "postgres-skipped.txt"
    done = make_postgres_pass(dead_pg_url, note, ci="true")
    assert done.returncode != 0
    assert "no PostgreSQL server answers" in done.stderr and "required in CI" in done.stderr
    assert not note.exists()
