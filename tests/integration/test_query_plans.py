"""The hot queries must use their indexes: a full scan that is fast on a test database is slow on a real one."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from axon.store import messages
from axon.store.migrate import upgrade


def _plan(conn, stmt) -> str:
    compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
    return " | ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))


def test_idempotency_lookup_uses_the_unique_index(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    upgrade(url)
    engine = create_engine(url)
    captured = []

    class Spy:
        def __init__(self, conn) -> None:
            self.conn = conn

        def execute(self, stmt):
            captured.append(stmt)
            return self.conn.execute(stmt)

    with engine.connect() as conn:
        messages.by_client_ids(Spy(conn), [("d_1", "a"), ("d_2", "b")])
        plan = _plan(conn, captured[0])
    engine.dispose()
    assert "USING INDEX" in plan and "device_id=? AND client_msg_id=?" in plan and "SCAN" not in plan, plan
