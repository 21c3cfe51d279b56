"""Schema migrations with Alembic, run on start (``axon serve``) or by ``axon db upgrade``."""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, insert, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .database import normalise_url
from .private_files import private_directory
from .schema import meta

MIGRATIONS = Path(__file__).parent / "migrations"


def config_for(connection: Connection) -> Config:
    """Alembic's configuration running on ``connection`` (tests rewind a database with it)."""
    return _config(connection)


def _config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _ensure_epoch(conn: Connection) -> None:
    """The epoch names this database's history; a restored backup keeps it, a new database gets a new one."""
    if conn.execute(select(meta.c.value).where(meta.c.key == "epoch")).scalar() is None:
        conn.execute(insert(meta).values(key="epoch", value=secrets.token_hex(8)))


def _upgrade_on(conn: Connection, revision: str) -> None:
    command.upgrade(_config(conn), revision)
    _ensure_epoch(conn)
    conn.commit()


def _run_with_connection(url: str, fn: Callable[[Connection], None]) -> None:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as conn:
            fn(conn)
        engine.dispose()
        return

    async def run() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(fn)
        await engine.dispose()

    _in_own_loop(run)


def _in_own_loop(coro_fn: Callable[[], object]) -> None:
    """Run a coroutine to completion even when called from inside a running event loop."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro_fn())  # type: ignore[arg-type]
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="axon-migrate")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def upgrade(url: str, revision: str = "head") -> None:
    if normalise_url(url).startswith("sqlite"):
        private_directory(Path(normalise_url(url).removeprefix("sqlite:///")).parent)
    _run_with_connection(url, lambda conn: _upgrade_on(conn, revision))


def head() -> str:
    """The newest revision of the schema this code expects."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    revision = ScriptDirectory.from_config(config).get_current_head()
    assert revision is not None
    return revision


def current(url: str) -> str | None:
    found: list[str | None] = []

    def read(conn: Connection) -> None:
        from alembic.runtime.migration import MigrationContext

        found.append(MigrationContext.configure(conn).get_current_revision())

    _run_with_connection(url, read)
    return found[0]

