"""Driver SQL of the send hot path: rendered per dialect, with the driver's own parameter markers."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from axon.store.driver_sql import BulkInsert, placeholders
from axon.store.schema import events


def test_sqlite_uses_question_marks() -> None:
    stmt = BulkInsert(events, ("conversation_id", "seq", "data"))
    assert stmt.sql(sqlite.dialect()) == "INSERT INTO events (conversation_id, seq, data) VALUES (?, ?, ?)"


def test_asyncpg_uses_numbered_dollars() -> None:
    dialect = postgresql.asyncpg.dialect()
    assert placeholders(dialect, 3, start=4) == ["$4", "$5", "$6"]
    stmt = BulkInsert(events, ("conversation_id", "type"))
    assert stmt.sql(dialect) == "INSERT INTO events (conversation_id, type) VALUES ($1, $2)"


def test_unknown_columns_are_refused_when_built() -> None:
    with pytest.raises(ValueError, match="no column"):
        BulkInsert(events, ("conversation_id", "sequence"))
