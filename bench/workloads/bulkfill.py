"""Storing millions of messages quickly for W6, through Axon's own send operation.

Filling 10M messages over the WebSocket runs at the node's acked-send rate
(about 10k/s: 17 minutes). W6 measures reads, so the set-up instead applies the
server's own ``SendMessage`` operations (the same code a group-commit batch runs:
idempotency key, seq allocation, message and event rows) in this process,
straight into the node's SQLite file, 5,000 per transaction. The rows are the
ones the server would have written; only the WebSocket and the per-batch fsync
are skipped (``synchronous=OFF`` here: durability of set-up data is not what
W6 measures). The node is idle meanwhile and reads the database afresh on every
request, so nothing it holds goes stale.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import create_engine, event

from axon.domain.ids import new_id
from axon.domain.model import Actor, OrgRole
from axon.services.messages import SendMessage
from axon.services.passwords import token_hash
from axon.store import accounts
from axon.store.writer import Failed, apply_all

BATCH = 5000


def _engine(db_path: str) -> Any:
    engine = create_engine(f"sqlite:///{db_path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=OFF")
        cur.close()

    return engine


def bulk_fill(db_path: str, token: str, conversation_id: str, count: int, first_index: int = 0,
              progress_every: int = 1_000_000) -> dict[str, Any]:
    """Send ``count`` messages to ``conversation_id`` as the device behind ``token``."""
    engine = _engine(db_path)
    try:
        with engine.connect() as conn:
            row = accounts.device_by_token_hash(conn, token_hash(token))
        if row is None:
            raise RuntimeError("bulk fill: the token's device is not in this database")
        actor = Actor(row["user_id"], row["org_id"], row["device_id"], OrgRole(row["org_role"]))
        t0 = time.monotonic()
        done = 0
        while done < count:
            n = min(BATCH, count - done)
            now_ms = int(time.time() * 1000)
            ops = [SendMessage(actor, conversation_id, f"fill-{first_index + done + i}",
                               f"history message {first_index + done + i} 历史消息", None,
                               new_id("message", now_ms)) for i in range(n)]
            with engine.begin() as conn:
                results, _committed = apply_all(conn, now_ms, ops)
            failed = [r for r in results if isinstance(r, Failed)]
            if failed:
                raise RuntimeError(f"bulk fill: {len(failed)} sends refused: {failed[0].error}")
            before = done
            done += n
            if progress_every and done // progress_every != before // progress_every:
                print(f"  bulk fill: {first_index + done:,} stored ({done / (time.monotonic() - t0):,.0f} msg/s)",
                      flush=True)
        elapsed = time.monotonic() - t0
        return {"stored": done, "rejected": 0, "s": round(elapsed, 2), "msgs_per_s": round(done / elapsed, 1),
                "method": "in-process SendMessage batches"}
    finally:
        engine.dispose()
