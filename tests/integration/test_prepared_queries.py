"""Prepared driver SQL answers exactly what the same SQLAlchemy statement answers, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, bindparam, insert, select

from axon.store.database import open_database
from axon.store.driver_sql import PreparedQuery
from axon.store.schema import orgs, users


@pytest.fixture
async def db(database_url: str):
    database = open_database(database_url)
    await database.write(_seed)
    yield database
    await database.close()


def _seed(conn: Connection) -> None:
    conn.execute(insert(orgs).values(id="o_1", name="Org", slug="org", created_at=1))
    for i, disabled in enumerate((False, True)):
        conn.execute(insert(users).values(
            id=f"u_{i}", org_id="o_1", username=f"user{i}", display_name=f"用户 {i}", email=None,
            password_hash="x", org_role="member", disabled=disabled, created_at=1, stream_seq=0,
            search_key=f"user{i}"))


async def test_rows_match_sqlalchemy_including_booleans_and_literal_binds(db) -> None:
    stmt = (select(users).where(users.c.org_id == bindparam("org"), users.c.org_role == "member")
            .order_by(users.c.id))
    prepared = PreparedQuery(stmt)

    def both(conn: Connection) -> tuple[list[dict], list[dict]]:
        expected = [dict(r) for r in conn.execute(stmt, {"org": "o_1"}).mappings()]
        return expected, prepared.rows(conn, org="o_1")

    expected, got = await db.read(both)
    assert [r["disabled"] for r in got] == [False, True]
    assert all(type(r["disabled"]) is bool for r in got)
    assert got == expected
    assert await db.read(lambda c: prepared.first(c, org="o_nobody")) is None


def test_expanding_in_lists_are_refused_before_they_run() -> None:
    from sqlalchemy.dialects import sqlite

    prepared = PreparedQuery(select(users).where(users.c.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(NotImplementedError):
        prepared._for(sqlite.dialect())
