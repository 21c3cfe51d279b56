"""The WAL is checkpointed in the background, not inside the commit of a send batch."""

from __future__ import annotations

import asyncio

import pytest

from axon.store.database import WRITER_AUTOCHECKPOINT_PAGES, SqliteDatabase
from axon.store.migrate import upgrade

ROWS = 1500  # about 1,500 pages of 4 KiB: past SQLite's default auto-checkpoint of 1,000


@pytest.fixture
async def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'axon.db'}"
    upgrade(url)
    database = SqliteDatabase(url)
    yield database
    await database.close()


async def _fill(db: SqliteDatabase) -> None:
    await db.write(lambda c: c.exec_driver_sql("CREATE TABLE filler (body TEXT)"))
    for start in range(0, ROWS, 100):
        await db.write(lambda c, s=start: c.exec_driver_sql(
            "INSERT INTO filler VALUES (?)", [(f"{i:06d}" + "x" * 4000,) for i in range(s, s + 100)]))


async def test_commits_leave_the_wal_to_the_background_checkpointer(db: SqliteDatabase) -> None:
    assert ROWS < WRITER_AUTOCHECKPOINT_PAGES
    await _fill(db)
    wal_frames, copied = await asyncio.to_thread(db.checkpoint)
    # Had a commit checkpointed on its own, the WAL would have restarted below 1,000 frames.
    assert wal_frames > ROWS
    assert copied == wal_frames
    assert await db.read(lambda c: c.exec_driver_sql("SELECT count(*) FROM filler").scalar()) == ROWS


async def test_maintenance_task_checkpoints_periodically(db: SqliteDatabase) -> None:
    task = asyncio.create_task(db.run_maintenance(interval_s=0.01))
    try:
        async with asyncio.timeout(5):
            while db.checkpoints < 2:
                await asyncio.sleep(0.01)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert db.checkpoints >= 2
