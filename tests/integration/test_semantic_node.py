"""A real node with semantic search on: its runtime runs the ``search_vectors`` consumer, so a
message sent over the WebSocket gets its sealed vector row without anyone driving the consumer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from axon.store.database import open_database
from tests.support.at_rest import sqlite_url
from tests.support.people import admin_rest, eventually, two_people_exchange_a_message
from tests.support.server import ServerProcess


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ServerProcess]:
    """Made outside the event loop (on PostgreSQL it creates its database with ``asyncio.run``)."""
    proc = ServerProcess(tmp_path / "node", env={"AXON_SEMANTIC_SEARCH": "1"}).start()
    yield proc
    proc.stop()


async def test_a_node_embeds_what_is_sent(node: ServerProcess) -> None:
    db = open_database(sqlite_url(node))
    try:
        admin = await admin_rest(node.url)
        await two_people_exchange_a_message(node.url, admin, "the release is planned for March 3")

        async def vectors() -> list[str]:
            return await db.read(lambda c: [r[0] for r in c.exec_driver_sql(
                "SELECT vector FROM search_vectors WHERE vector IS NOT NULL").all()])

        async def embedded() -> bool:
            return len(await vectors()) == 1

        await eventually(embedded, timeout=30)
        assert (await vectors())[0].startswith("\x1e1")  # sealed
    finally:
        await db.close()
