"""The hot queries must use their indexes: a full scan that is fast on a test database is slow on a real one."""

from __future__ import annotations

from sqlalchemy import create_engine

from axon.store import messages
from axon.store.migrate import upgrade


def test_idempotency_lookup_probes_the_unique_index_once_per_key(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    upgrade(url)
    engine = create_engine(url)
    captured = []

    class Spy:
        def __init__(self, conn) -> None:
            self.conn = conn
            self.dialect = conn.dialect
            self.info = conn.info  # where the store finds the keyring (none here: sealing off)

        def exec_driver_sql(self, sql, params):
            captured.append((sql, params))
            return self.conn.exec_driver_sql(sql, params)

    with engine.connect() as conn:
        assert messages.by_client_ids(Spy(conn), [("d_1", "a"), ("d_2", "b"), ("d_1", "a")]) == {}
        [(sql, params)] = captured
        assert params == ("d_1", "a", "d_2", "b")  # each key once
        plan = " | ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    engine.dispose()
    # The VALUES list is scanned (two rows); the messages table only searched through the unique index.
    assert "SEARCH m USING INDEX" in plan and "device_id=? AND client_msg_id=?" in plan, plan
    assert "SCAN m" not in plan, plan
