"""W4: durable acked sends across 100 conversations, on SQLite and on PostgreSQL.

One sender connection per conversation (each conversation has a second,
offline member, so the message is stored and counted for them but fanned out
only to the sender's own device). Every sender keeps W sends un-acked; an
``ack`` is written by the server only after the group commit is durable
(SQLite ``synchronous=FULL``, PostgreSQL ``synchronous_commit=on``). Phases
step W (default 1, 4, 16, 64 => 100..6,400 sends in flight) for the growth
curve. Ack latency = ack received - send left (the send time rides in the
``client_msg_id``). PostgreSQL: a fresh database per run (``CREATE DATABASE``),
dropped afterwards; the backends' CPU is reported as ``db_cpu``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .. import session
from ..profiling import Profiler

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def add_arguments(p: Any) -> None:
    p.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both (comma-separated)")
    p.add_argument("--pg-url", default=PG_ADMIN_URL, help="PostgreSQL to create the run's database in")
    p.add_argument("--convs", type=int, default=100)
    p.add_argument("--windows", default="1,4,16,64", help="un-acked sends per sender, one phase each")
    p.add_argument("--duration", type=float, default=10, help="seconds of sending per phase")
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--pause", type=float, default=2)


class PgDatabase:
    """A throw-away database on the given server; ``backend_pids`` for CPU sampling."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.name = f"axon_bench_{int(time.time())}"
        base = admin_url.rsplit("/", 1)[0]
        self.url = f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{self.name}"
        self._pids: list[int] = []

    def _run(self, sql: str, *params: Any) -> Any:
        import asyncpg

        async def go() -> Any:
            conn = await asyncpg.connect(self.admin_url)
            try:
                return await conn.fetch(sql, *params)
            finally:
                await conn.close()

        return asyncio.run(go())

    def create(self) -> PgDatabase:
        self._run(f'CREATE DATABASE "{self.name}"')
        return self

    def refresh_pids(self) -> None:
        rows = self._run("SELECT pid FROM pg_stat_activity WHERE datname = $1", self.name)
        self._pids = [r["pid"] for r in rows]

    def backend_pids(self) -> list[int]:
        return self._pids

    def drop(self) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def run(args: Any) -> dict[str, Any]:
    out: dict[str, Any] = {**session.meta(args, "w4", None), "backends": {}}
    for db in args.db.split(","):
        if db == "postgres":
            pg = PgDatabase(args.pg_url).create()
            try:
                out["backends"]["postgres"] = _run_backend(args, pg.url, pg)
            finally:
                pg.drop()
        else:
            out["backends"]["sqlite"] = _run_backend(args, None, None)
    return out


def _run_backend(args: Any, database_url: str | None, pg: PgDatabase | None) -> dict[str, Any]:
    n = args.convs
    rooms = {f"c{i}": [2 * i, 2 * i + 1] for i in range(n)}
    with session.node_for(args, database_url) as node:
        state_file, prov = session.provision(node, list(range(2 * n)), rooms, "w4")
        coord = session.coordinator(node, state_file, args, parse_frames=True)
        if pg is not None:
            pg.refresh_pids()
            coord.extra_pids = pg.backend_pids
        try:
            conn = coord.connect(coord.split([(2 * i, [f"c{i}"]) for i in range(n)]), args.concurrency)
            profiler = Profiler.maybe(args, node, "w4-" + ("postgres" if pg else "sqlite"))
            phases = []
            for window in [int(w) for w in args.windows.split(",")]:
                time.sleep(args.pause)
                if pg is not None:
                    pg.refresh_pids()
                senders = coord.split([(2 * i, f"c{i}", window) for i in range(n)])
                plans = [{"mode": "acked", "senders": s, "expected": 0, "idle_timeout_s": 1,
                          "duration_s": args.duration, "max_s": args.duration + 60} for s in senders]
                phase = coord.run_phase(f"acked:{n}conv:window{window}", plans)
                phase["in_flight"] = n * window
                phases.append(phase)
            close = coord.close()
        finally:
            coord.shutdown()
        result = {"node": node.describe(), "provision": prov, "connect": conn, "phases": phases, "close": close}
        if profiler:
            result["profile"] = profiler.finish()
        return result
