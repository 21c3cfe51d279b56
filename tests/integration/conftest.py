"""Fixtures of the store-backed tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

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


@contextlib.asynccontextmanager
async def running_services(database_url: str, clock: Any = None, **settings: Any) -> AsyncIterator[Services]:
    """The services on the store at ``database_url``, their writer running (``settings`` and ``clock``
    as ``Settings`` and ``build_services`` take them); stopped and closed at the end."""
    services = build_services(Settings(database_url=database_url, argon2_memory_kib=1024, argon2_time_cost=1,
                                       argon2_parallelism=1, **settings), clock=clock)
    writer = asyncio.create_task(services.core.writer.run())
    try:
        yield services
    finally:
        services.core.writer.stop()
        await writer
        await services.core.db.close()
        for child in services.child_processes:
            await asyncio.to_thread(child.close)


@pytest.fixture
async def svc(database_url: str) -> AsyncIterator[Services]:
    """The services on a fresh store, their writer running: use cases driven without HTTP."""
    async with running_services(database_url) as services:
        yield services
