"""Database access: every query is a plain synchronous function over a SQLAlchemy
``Connection``, run where the backend wants it.

- SQLite (embedded default): the stdlib driver in threads. Reads run on a small
  pool of connections (WAL lets them proceed during writes); all writes run on
  one dedicated writer thread, so a whole group-commit batch costs one thread hop
  instead of one per statement. ``synchronous=FULL``: a commit is on disk before
  it returns, so an ack promises durability across power loss.
- PostgreSQL: asyncpg through SQLAlchemy's async engine; the same sync functions
  run inside it with ``run_sync``.

Both backends therefore run exactly the same query code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeAlias, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from .private_files import private_directory, private_sqlite_files
from .sealing import DISABLED, Keyring, attach

T = TypeVar("T")

Conn: TypeAlias = Connection
"""The connection every store function takes. Services only hold it and pass it on, so they
are typed with this name and never import the database library."""


class Database(Protocol):
    dialect: str
    keyring: Keyring  # seals and opens the encrypted columns; every connection carries it (store/sealing.py)

    async def read(self, fn: Callable[[Connection], T]) -> T: ...

    async def write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in one transaction and commit it durably before returning.

        ``fn`` may be run a second time, in a new transaction, when the first one cannot
        have committed (see ``PostgresDatabase``): it must have no effect outside the database.
        """

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


def normalise_url(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"Unsupported database URL {url!r}: use sqlite:/// or postgresql://")


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, url: str, synchronous: str = "FULL", readers: int = 4) -> None:
        path = make_url(url).database
        if path and path != ":memory:":
            private_directory(Path(path).parent)
            private_sqlite_files(Path(path))
        self.url = url
        self.keyring = DISABLED
        # Reads run without BEGIN: each statement sees a committed snapshot of its own, and the
        # BEGIN/ROLLBACK pair cost a tenth of the CPU of a connect.
        self._read_engine = self._engine(url, synchronous, None, pool_size=readers)
        self._write_engine = self._engine(url, synchronous, "BEGIN IMMEDIATE", pool_size=1)
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="axon-sqlite-read")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="axon-sqlite-write")
        # Switch the file to WAL now, from one connection: the first connections of the pools
        # otherwise race to change the journal mode at start-up (the writer and the durable
        # consumers write while the first reads run), and the loser gets "database is locked".
        with self._write_engine.connect():
            pass

    @staticmethod
    def _engine(url: str, synchronous: str, begin: str | None, pool_size: int) -> Engine:
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=0,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" below own the transaction (the stdlib
            # driver otherwise starts it late, after the first read).
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Deleted and overwritten content (a deleted message's text) is zeroed in the file,
            # not left in free space where a raw read of the database would still find it
            # (Debian's SQLite is built with this on; other builds are not).
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        if begin is not None:

            @event.listens_for(engine, "begin")
            def _on_begin(conn: Connection) -> None:
                conn.exec_driver_sql(begin)

        return engine

    async def read(self, fn: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._run_read, fn)

    def _run_read(self, fn: Callable[[Connection], T]) -> T:
        with self._read_engine.connect() as conn:
            attach(conn, self.keyring)
            try:
                return fn(conn)
            finally:
                conn.rollback()

    async def write(self, fn: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, self._run_write, fn)

    def _run_write(self, fn: Callable[[Connection], T]) -> T:
        with self._write_engine.begin() as conn:
            attach(conn, self.keyring)
            return fn(conn)

    async def ping(self) -> None:
        await self.read(lambda c: c.execute(text("SELECT 1")).scalar())

    async def close(self) -> None:
        self._readers.shutdown(wait=True)
        self._writer.shutdown(wait=True)
        self._read_engine.dispose()
        self._write_engine.dispose()


class _DiedBeforeCommit(Exception):
    """The transaction's connection turned out dead before COMMIT was sent."""


class PostgresDatabase:
    """Pooled connections can die while idle (a server restart or failover, an administrator's
    ``pg_terminate_backend``), which shows only when a statement is sent on one. SQLAlchemy then
    marks the error ``connection_invalidated`` and recycles the whole pool. When that happens
    before COMMIT was sent, the server has rolled the transaction back, so it is run once more
    on a fresh connection instead of failing the request. A connection lost *during* COMMIT is
    not retried: the commit may have happened. (Checking every connection before use,
    ``pool_pre_ping``, would cost a round trip per transaction.)
    """

    dialect = "postgresql"

    def __init__(self, url: str, pool_size: int = 8, pooled: bool = True) -> None:
        self.url = url
        self.keyring = DISABLED
        kwargs: dict[str, Any] = {"pool_size": pool_size, "max_overflow": 4} if pooled else {"poolclass": NullPool}
        self._engine: AsyncEngine = create_async_engine(url, **kwargs)

    async def read(self, fn: Callable[[Connection], T]) -> T:
        try:
            return await self._read_once(fn)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        return await self._read_once(fn)  # a read commits nothing: always safe to run again

    async def _read_once(self, fn: Callable[[Connection], T]) -> T:
        async with self._engine.connect() as conn:
            try:
                return await conn.run_sync(self._with_keyring(fn))
            finally:
                await conn.rollback()

    async def write(self, fn: Callable[[Connection], T]) -> T:
        try:
            return await self._write_once(fn, last_try=False)
        except _DiedBeforeCommit:
            return await self._write_once(fn, last_try=True)

    async def _write_once(self, fn: Callable[[Connection], T], *, last_try: bool) -> T:
        async with self._engine.connect() as conn:
            try:
                transaction = await conn.begin()
                result = await conn.run_sync(self._with_keyring(fn))
            except DBAPIError as exc:
                if exc.connection_invalidated and not last_try:
                    raise _DiedBeforeCommit from exc
                raise
            await transaction.commit()
            return result

    def _with_keyring(self, fn: Callable[[Connection], T]) -> Callable[[Connection], T]:
        def run(conn: Connection) -> T:
            attach(conn, self.keyring)
            return fn(conn)

        return run

    async def ping(self) -> None:
        await self.read(lambda c: c.execute(text("SELECT 1")).scalar())

    async def close(self) -> None:
        await self._engine.dispose()


def open_database(url: str, *, synchronous: str = "FULL", pool_size: int = 8) -> Database:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return SqliteDatabase(url, synchronous=synchronous, readers=min(pool_size, 4))
    return PostgresDatabase(url, pool_size=pool_size)
