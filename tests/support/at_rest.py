"""Looking at what a node stored, as a thief with the disk (raw bytes) and as its owner (with the key).

``raw_stored`` is what a stolen disk or backup shows: the SQLite files (database, WAL) byte for
byte, or every PostgreSQL row of every table as text. ``opened_values`` opens every sealed value
with the node's master key (from its data folder), the way the server does, to prove the raw
scan looked at the data it should have found and did not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Connection, inspect, select, text

from axon.domain.sealing import key_id_of
from axon.keys.master import DEFAULT_FILE_NAME, LocalMasterKey, parse_text
from axon.store.database import open_database
from axon.store.migrate import config_for as migration_config
from axon.store.reseal import SEALED_TABLES, SealedTable
from axon.store.schema import conversations, metadata, users
from axon.store.sealing import Keyring, keyring_of
from tests.support.server import ServerProcess

# A sealed value as it appears in raw bytes (format in axon/domain/sealing.py).
SEALED_BYTES = re.compile(rb"\x1e1[0-9a-f]{12}[A-Za-z0-9+/]+=*")


def sqlite_url(server: ServerProcess) -> str:
    return server.database_url or f"sqlite:///{server.data_dir / 'axon.db'}"


async def raw_stored(server: ServerProcess) -> bytes:
    if server.database_url is None:
        return sqlite_files(Path(server.data_dir))
    return (await _postgres_rows(server.database_url)).encode()


def sqlite_files(data_dir: Path) -> bytes:
    """The database file and its WAL, shared memory and journal, byte for byte."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.iterdir()) if p.name.startswith("axon.db"))


async def _postgres_rows(url: str) -> str:
    db = open_database(url)
    try:
        def dump(conn: Connection) -> str:
            # Only the tables there are: a database rewound to an older revision lacks later ones.
            present = set(inspect(conn).get_table_names())
            return "\n".join(row[0] for table in metadata.sorted_tables if table.name in present
                             for row in conn.execute(text(f'SELECT t::text FROM "{table.name}" t')))
        return await db.read(dump)
    finally:
        await db.close()


def master_key_of(server: ServerProcess) -> LocalMasterKey:
    """The node's master key: its AXON_MASTER_KEY, else the key it generated in its data folder."""
    if server.env.get("AXON_MASTER_KEY"):
        return LocalMasterKey(parse_text(server.env["AXON_MASTER_KEY"], "AXON_MASTER_KEY"), "AXON_MASTER_KEY")
    path = Path(server.data_dir) / DEFAULT_FILE_NAME
    return LocalMasterKey(parse_text(path.read_text(), str(path)), str(path))


async def opened_values(server: ServerProcess) -> list[str]:
    """Every sealed column's value of every row, opened with the node's master key."""
    return await _opened(sqlite_url(server), master_key_of(server))


async def stored_sealed_values(server: ServerProcess) -> set[bytes]:
    """The sealed values the live rows hold, as bytes (to compare with what the raw file holds)."""
    return await _stored(sqlite_url(server))


async def _opened(url: str, master: LocalMasterKey) -> list[str]:
    db = open_database(url)
    db.keyring = Keyring(master)
    try:
        return await db.read(_open_all)
    finally:
        await db.close()


def _sealed_rows(conn: Connection) -> Iterator[tuple[SealedTable, str, dict[str, Any], dict[str, str]]]:
    """Every row of every sealed table with its organisation and its sealed columns opened."""
    keyring = keyring_of(conn)
    org_of_conv = dict(conn.execute(select(conversations.c.id, conversations.c.org_id)).all())
    org_of_user = dict(conn.execute(select(users.c.id, users.c.org_id)).all())
    for spec in SEALED_TABLES:
        t = spec.table
        extra = [t.c[c] for c in ("conversation_id", "org_id") if c in t.c and c not in spec.key]
        stmt = select(*(t.c[k] for k in spec.key), *(t.c[c] for c in spec.columns), *extra)
        for found in conn.execute(stmt).mappings().all():
            row = dict(found)
            if t is conversations or t is users:
                org = (org_of_conv if t is conversations else org_of_user)[row["id"]]
            elif "org_id" in row:
                org = row["org_id"]
            else:
                org = org_of_user[row["user_id"]] if spec.by_user else org_of_conv[row["conversation_id"]]
            yield spec, org, row, {c: keyring.open(conn, org, spec.binding(org, c, row), row[c])
                                    for c in spec.columns if row[c] is not None}


def _open_all(conn: Connection) -> list[str]:
    return [value for _, _, _, opened in _sealed_rows(conn) for value in opened.values()]


async def _stored(url: str) -> set[bytes]:
    db = open_database(url)
    try:
        def load(conn: Connection) -> set[bytes]:
            return {str(v).encode() for spec in SEALED_TABLES for c in spec.columns
                    for v in conn.execute(select(spec.table.c[c])).scalars() if str(v).startswith("\x1e")}
        return await db.read(load)
    finally:
        await db.close()


async def run_sql(server: ServerProcess, sql: str, **params: Any) -> list[Any]:
    """A statement run on the node's database from outside, as someone with write access to it would."""
    db = open_database(sqlite_url(server))
    try:
        def run(conn: Connection) -> list[Any]:
            result = conn.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []
        return await db.write(run)
    finally:
        await db.close()


async def make_it_an_older_install(server: ServerProcess) -> None:
    """Turn a stopped node's database into one from before encryption at rest, as migration 0013
    leaves an older install: every sealed value back in plaintext, no data key, no job."""
    db = open_database(sqlite_url(server))
    db.keyring = Keyring(master_key_of(server))
    try:
        await db.write(_unseal_all)
    finally:
        await db.close()


def _unseal_all(conn: Connection) -> None:
    for spec, _, row, opened in list(_sealed_rows(conn)):
        t = spec.table
        conn.execute(t.update().where(*(t.c[k] == row[k] for k in spec.key)).values(**opened))
    conn.execute(text("DELETE FROM reseal_jobs"))
    conn.execute(text("DELETE FROM data_keys"))


async def as_before_sealed_secrets(server: ServerProcess, revision: str) -> None:
    """Turn a stopped node's database into one from before TOTP seeds and providers' secrets were
    sealed (at ``revision``, migration 0015's parent): those secrets back in plaintext, everything
    else sealed, the organisation's data key marked all sealed and its job finished."""
    db = open_database(sqlite_url(server))
    db.keyring = Keyring(master_key_of(server))
    try:
        def unseal(conn: Connection) -> None:
            for spec, _, row, opened in list(_sealed_rows(conn)):
                if spec.table.name in ("two_factor", "sso_providers"):
                    t = spec.table
                    conn.execute(t.update().where(*(t.c[k] == row[k] for k in spec.key)).values(**opened))
            assert conn.execute(text("SELECT count(*) FROM data_keys WHERE all_sealed_at IS NULL")).scalar() == 0
            command.downgrade(migration_config(conn), "0015")  # later revisions' schema goes, as before them
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        await db.write(unseal)
    finally:
        await db.close()


async def key_ids_in_use(server: ServerProcess) -> set[str | None]:
    """The data key of every non-empty sealed value (None: a plaintext one)."""
    db = open_database(sqlite_url(server))
    try:
        def load(conn: Connection) -> set[str | None]:
            return {key_id_of(str(v)) for spec in SEALED_TABLES for c in spec.columns
                    for v in conn.execute(select(spec.table.c[c])).scalars() if v}
        return await db.read(load)
    finally:
        await db.close()
