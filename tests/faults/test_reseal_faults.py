"""A re-encryption survives ``kill -9``: ``axon keys rotate --org X --reencrypt`` is killed
mid-way, run again, and carries on from where it stopped (same new key, no row lost or left
behind); the node then reads every message."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_key_rotation import axon_cli
from tests.support.at_rest import key_ids_in_use, run_sql
from tests.support.people import admin_rest, new_person
from tests.support.server import ServerProcess

MESSAGES = 300


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    # One row per batch: the first walk lasts hundreds of commits, so the test's poll sees it under way.
    proc = ServerProcess(tmp_path / "node", env={"AXON_RESEAL_BATCH_ROWS": "1",
                                                 "AXON_KEY_REFRESH_INTERVAL": "0.2"}).start()
    yield proc
    proc.kill()


async def test_a_rotation_killed_mid_way_resumes_and_finishes(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Crash")
    for start in range(0, MESSAGES, 50):  # in order: each group is committed before the next is sent
        await asyncio.gather(*(ann.rest.send(conv["id"], f"m{i}", f"ZQS-{i}") for i in range(start, start + 50)))
    slug = (await run_sql(server, "SELECT slug FROM orgs"))[0][0]
    server.stop()  # the shell's job alone: no node to finish it behind the test's back

    env = {**server.env, "AXON_DATA_DIR": str(server.data_dir)}
    cli = await asyncio.create_subprocess_exec(sys.executable, "-m", "axon", "keys", "rotate", "--org", slug,
                                               "--reencrypt", env=env, stdout=asyncio.subprocess.DEVNULL,
                                               stderr=asyncio.subprocess.DEVNULL)
    job = await _job_under_way(server)
    cli.send_signal(signal.SIGKILL)
    await cli.wait()
    after_kill = (await run_sql(server, "SELECT key_id, step, cursor, done, finished_at FROM reseal_jobs"))[0]
    assert after_kill[0] == job[0] and after_kill[4] is None and after_kill[3] >= job[3]
    assert len(await key_ids_in_use(server)) == 2  # half-way: old and new key

    code, out = await axon_cli(server, "keys", "rotate", "--org", slug, "--reencrypt")
    assert code == 0, out
    finished = (await run_sql(server, "SELECT key_id, finished_at FROM reseal_jobs"))[0]
    assert finished[0] == job[0] and finished[1] is not None  # the same job, not a new key
    assert await key_ids_in_use(server) == {job[0]}

    server.start()
    newest = await ann.rest.history(conv["id"], limit=200)
    oldest = await ann.rest.history(conv["id"], before_seq=newest["next_before_seq"], limit=200)
    texts = [m["text"] for m in oldest["items"] + newest["items"]]
    assert sorted(texts) == sorted(f"ZQS-{i}" for i in range(MESSAGES))


async def _job_under_way(server: ServerProcess) -> tuple[str, int, str, int]:
    """Wait until the job has done some batches of its first walk, and has most of it left.

    Polled through one open connection (on SQLite, the standard library's, read-only): opening a
    database per poll took long enough for the whole first walk to slip past unseen."""
    query = "SELECT key_id, step, cursor, done, passes FROM reseal_jobs WHERE finished_at IS NULL"
    if server.database_url is None:
        conn = sqlite3.connect(f"file:{server.data_dir / 'axon.db'}?mode=ro", uri=True, timeout=5)

        async def poll() -> list[Any]:
            return conn.execute(query).fetchall()
    else:
        conn = None

        async def poll() -> list[Any]:
            return await run_sql(server, query)
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while asyncio.get_running_loop().time() < deadline:
            rows = await poll()
            if rows and rows[0][4] > 0:  # already walking again to prove nothing is left: too late to test
                raise AssertionError(f"the first walk ended before the test could stop it: {rows[0]}")
            if rows and rows[0][3] >= 30:
                return tuple(rows[0][:4])  # type: ignore[return-value]
            await asyncio.sleep(0.001)
        raise AssertionError("the re-encryption never got under way")
    finally:
        if conn is not None:
            conn.close()
