"""Database faults a node must absorb without failing a request: here, pooled PostgreSQL
connections that the server ended while they sat idle (a failover, a restart, an
administrator's pg_terminate_backend)."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.support.people import admin_rest, new_person
from tests.support.server import ServerProcess

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _needs_postgres() -> None:
    # Selected only by the PostgreSQL pass (`make test-postgres`); anywhere else it must fail, not skip.
    if not os.environ.get("AXON_TEST_DATABASE_URL"):
        pytest.fail("needs AXON_TEST_DATABASE_URL (PostgreSQL): run it through make test-postgres")


async def _terminate_backends_of(database_url: str) -> int:
    """End every session of the node's database but this one; returns how many were ended."""
    url = make_url(database_url)
    conn = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                                 database=url.database)
    try:
        return int(await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        await conn.close()


async def test_a_send_after_the_pooled_connections_died_is_acked(fresh_server: ServerProcess) -> None:
    assert fresh_server.database_url is not None
    admin = await admin_rest(fresh_server.url)
    ann, bob = [await new_person(fresh_server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Failover", [bob.id])
    client = await ann.client(fresh_server.url).connect()
    try:
        first = await client.send(conv["id"], "before")
        assert await _terminate_backends_of(fresh_server.database_url) > 0
        # Bounded: a send that failed with internal_error would wait in the SDK's outbox for a reconnect.
        second = await asyncio.wait_for(client.send(conv["id"], "after"), 15)
        assert second.seq == first.seq + 1 and not second.duplicate
        over_rest = await ann.rest.send(conv["id"], "rest-after", "and over REST")
        assert over_rest["message"]["seq"] == second.seq + 1
    finally:
        await client.close()
    history = await bob.rest.history(conv["id"])
    assert [m["text"] for m in history["items"]] == ["before", "after", "and over REST"]
