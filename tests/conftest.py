from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.server import ServerProcess

# Property tests check behaviour, not speed: Hypothesis's per-example deadline (200 ms) made them fail
# on a loaded machine (a full suite runs three passes at once on two cores). Speed is the benchmarks'.
settings.register_profile("axon", deadline=None)
settings.load_profile("axon")

# Nodes and services built by tests run without semantic search unless a test turns it on
# (``semantic_search=True``, or AXON_SEMANTIC_SEARCH=1 in a node's env): the sentence model costs
# about a second of CPU and 150 MiB per node, and the suite builds hundreds. The product's default is on.
os.environ.setdefault("AXON_SEMANTIC_SEARCH", "0")
# Likewise meeting-time hints (AXON_EVENT_HINTS=1 in a node's env turns them on): the date-time
# recognizer costs 1.5 s of CPU per node on the first message with a digit. The product's default is on.
os.environ.setdefault("AXON_EVENT_HINTS", "0")
# The child processes that embed and find meeting times run at nice 0 in tests, not the product's 19:
# a full suite keeps both cores busy, and there a nice-19 child waited minutes for its turn (a node's
# vector came after the test's 30 s). tests/unit/test_child_process.py checks the product's priority.
os.environ.setdefault("AXON_BACKGROUND_NICENESS", "0")


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
