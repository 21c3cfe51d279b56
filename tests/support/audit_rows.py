"""The audit log as stored, read and tampered with directly in a node's database (what someone
with access to the database, but not to the audit key, could do), and ``axon audit verify`` run on it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, delete, select, update

from axon.store.database import open_database
from axon.store.schema import audit_chains, audit_entries

from .server import ServerProcess

Row = dict[str, Any]


def database_url(server: ServerProcess) -> str:
    return server.database_url or f"sqlite:///{server.data_dir / 'axon.db'}"


async def on_database(server: ServerProcess, fn: Callable[[Connection], Any], *, write: bool = False) -> Any:
    db = open_database(database_url(server), pool_size=1)
    try:
        return await (db.write(fn) if write else db.read(fn))
    finally:
        await db.close()


def entries_of(chain: str | None = None) -> Callable[[Connection], list[Row]]:
    def read(conn: Connection) -> list[Row]:
        stmt = select(audit_entries)
        if chain is not None:
            stmt = stmt.where(audit_entries.c.chain == chain)
        return [dict(r) for r in conn.execute(stmt.order_by(audit_entries.c.chain, audit_entries.c.position))
                .mappings()]
    return read


async def entries(server: ServerProcess, chain: str | None = None) -> list[Row]:
    return list(await on_database(server, entries_of(chain)))


async def restore(server: ServerProcess, chain: str, rows: list[Row], head: tuple[int, str]) -> None:
    """Put a chain back exactly as it was (after a tampering test)."""
    def put_back(conn: Connection) -> None:
        conn.execute(delete(audit_entries).where(audit_entries.c.chain == chain))
        conn.execute(audit_entries.insert(), rows)
        conn.execute(update(audit_chains).where(audit_chains.c.chain == chain)
                     .values(position=head[0], hash=head[1]))
    await on_database(server, put_back, write=True)


async def head(server: ServerProcess, chain: str) -> tuple[int, str]:
    def read(conn: Connection) -> tuple[int, str]:
        row = conn.execute(select(audit_chains.c.position, audit_chains.c.hash)
                           .where(audit_chains.c.chain == chain)).one()
        return int(row[0]), str(row[1])
    return tuple(await on_database(server, read))  # type: ignore[return-value]


def verify(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """``axon audit verify`` against the node's database, with the node's settings (and key)."""
    env = {**server.env, "COLUMNS": "250", "AXON_DATA_DIR": str(server.data_dir),
           "AXON_DATABASE_URL": database_url(server)}
    return subprocess.run([sys.executable, "-m", "axon", "audit", "verify", *args], env=env, capture_output=True,
                          text=True, timeout=60)
