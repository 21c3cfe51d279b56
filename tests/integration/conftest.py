"""Fixtures of the store-backed tests."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from axon.app import Services, build_services
from axon.config import Settings
from axon.store.migrate import upgrade
from tests.support.server import fresh_postgres_database


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    base = os.environ.get("AXON_TEST_DATABASE_URL")
    url = fresh_postgres_database(base) if base else f"sqlite:///{tmp_path / 'axon.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def svc(database_url: str) -> AsyncIterator[Services]:
    """The services on a fresh store, their writer running: use cases driven without HTTP."""
    services = build_services(Settings(database_url=database_url, argon2_memory_kib=1024, argon2_time_cost=1,
                                       argon2_parallelism=1))
    writer = asyncio.create_task(services.core.writer.run())
    yield services
    services.core.writer.stop()
    await writer
    await services.core.db.close()
