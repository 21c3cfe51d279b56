from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real node shared by a module's tests (each test makes its own users)."""
    proc = ServerProcess(tmp_path_factory.mktemp("node")).start()
    yield proc
    proc.stop()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A node of the test's own (for tests that kill or restart it)."""
    proc = ServerProcess(tmp_path / "node").start()
    yield proc
    proc.kill()
