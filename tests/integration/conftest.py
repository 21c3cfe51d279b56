"""Fixtures of the store-backed tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from axon.store.migrate import upgrade
from tests.support.server import fresh_postgres_database


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    base = os.environ.get("AXON_TEST_DATABASE_URL")
    url = fresh_postgres_database(base) if base else f"sqlite:///{tmp_path / 'axon.db'}"
    upgrade(url)
    return url
