"""Key management of encryption at rest, against running nodes: an older install's plaintext is
sealed in the background while it serves; ``axon keys rotate --org X --reencrypt`` replaces a data
key and re-encrypts every row while sends and reads go on; ``axon keys rotate --to FILE`` re-wraps
the data keys under a new master key."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from axon.client.rest import RestApi
from tests.support.at_rest import (
    as_before_sealed_secrets,
    key_ids_in_use,
    make_it_an_older_install,
    master_key_of,
    raw_stored,
    run_sql,
)
from tests.support.audit_rows import entries
from tests.support.people import admin_rest, eventually, new_person
from tests.support.server import ServerProcess
from tests.support.stored_secrets import keep_secrets, secrets_still_work

# No AXON_MASTER_KEY: these nodes generate theirs in the data folder, as `make run` does.
FAST_KEYS = {"AXON_KEY_REFRESH_INTERVAL": "0.2", "AXON_RESEAL_BATCH_ROWS": "20", "AXON_MASTER_KEY": ""}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A node of the test's own that looks for rotated keys every 0.2 s and re-encrypts 20 rows a batch."""
    proc = ServerProcess(tmp_path / "node", env=FAST_KEYS).start()
    yield proc
    proc.kill()


async def axon_cli(server: ServerProcess, *args: str) -> tuple[int, str]:
    env = {**server.env, "AXON_DATA_DIR": str(server.data_dir)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "axon", *args, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return int(proc.returncode or 0), out.decode()


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await check()
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def encryption(admin: RestApi) -> dict[str, Any]:
    status: dict[str, Any] = await admin.request("GET", "/admin/encryption")
    return status


def active_key(status: dict[str, Any]) -> str:
    return next(k["id"] for k in status["keys"] if k["state"] == "active")


async def test_an_older_install_is_sealed_in_the_background_while_it_serves(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Legacy", topic="ZQV-legacy-topic")
    for i in range(60):
        await ann.rest.send(conv["id"], f"m{i}", f"ZQV-legacy-{i}")
    await ann.rest.put_draft(conv["id"], "ZQV-legacy-draft")
    kept = await keep_secrets(server.url, admin)
    server.stop()
    await make_it_an_older_install(server)
    plaintext = await raw_stored(server)
    assert b"ZQV-legacy-59" in plaintext and kept.totp_secret.encode() in plaintext  # really plaintext now

    server.start()
    admin = await admin_rest(server.url)
    assert len((await ann.rest.history(conv["id"], limit=100))["items"]) == 60  # served, sealed or not
    status = await until(lambda: _finished(admin, "legacy"))
    assert [k["state"] for k in status["keys"]] == ["active"]
    org_id = (await run_sql(server, "SELECT id FROM orgs"))[0][0]
    logged = [(e["action"], e["target_id"]) for e in await entries(server, org_id) if e["action"].startswith("keys.")]
    assert logged == [("keys.sealing_started", active_key(status)), ("keys.reencrypted", active_key(status))]
    assert (await ann.rest.conversation(conv["id"]))["topic"] == "ZQV-legacy-topic"
    texts = [m["text"] for m in (await ann.rest.history(conv["id"], limit=100))["items"]]
    assert texts == [f"ZQV-legacy-{i}" for i in range(60)]
    assert await key_ids_in_use(server) == {active_key(status)}
    await secrets_still_work(server.url, admin, kept)
    server.stop()
    sealed = await raw_stored(server)
    assert b"ZQV-legacy" not in sealed
    assert not [secret for secret in kept.values if secret.encode() in sealed]


async def test_secrets_stored_in_clear_before_they_were_sealed_keep_working_and_get_sealed(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    kept = await keep_secrets(server.url, admin)
    assert (await encryption(admin))["reencryption"] is None  # a new organisation: all sealed from the start
    server.stop()
    await as_before_sealed_secrets(server, _parent_of("0015"))
    assert kept.totp_secret.encode() in await raw_stored(server)

    server.start()  # migrates: the plaintext secrets are accepted again, and a job seals them
    admin = await admin_rest(server.url)
    status = await until(lambda: _finished(admin, "legacy"))
    assert await key_ids_in_use(server) == {active_key(status)}
    await secrets_still_work(server.url, admin, kept)
    server.stop()
    assert not [secret for secret in kept.values if secret.encode() in await raw_stored(server)]


def _parent_of(revision: str) -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from axon.store.migrate import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    parent = ScriptDirectory.from_config(config).get_revision(revision).down_revision
    assert isinstance(parent, str)
    return parent


async def _finished(admin: RestApi, reason: str) -> dict[str, Any] | None:
    status = await encryption(admin)
    job = status["reencryption"]
    return status if job is not None and job["reason"] == reason and job["finished_at"] else None


async def test_a_data_key_is_replaced_and_every_row_re_encrypted_while_the_node_serves(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Rotate", topic="ZQU-topic")
    for i in range(150):
        await ann.rest.send(conv["id"], f"m{i}", f"ZQU-{i}")
    kept = await keep_secrets(server.url, admin)
    old = active_key(await encryption(admin))
    slug = (await run_sql(server, "SELECT slug FROM orgs"))[0][0]

    sending = asyncio.create_task(_send_and_read(ann.rest, conv["id"]))
    code, out = await axon_cli(server, "keys", "rotate", "--org", slug, "--reencrypt")
    sent = await sending
    assert code == 0, out
    assert "re-encrypting" in out and "previous key is retired" in out

    status = await encryption(admin)
    new = active_key(status)
    assert new != old
    assert {k["id"]: k["state"] for k in status["keys"]} == {old: "retired", new: "active"}
    assert status["reencryption"]["reason"] == "rotation" and status["reencryption"]["finished_at"]
    assert await key_ids_in_use(server) == {new}  # sends during the rotation too
    texts = [m["text"] for m in (await ann.rest.history(conv["id"], limit=200))["items"]]
    assert texts == [f"ZQU-{i}" for i in range(150)] + sent
    await secrets_still_work(server.url, admin, kept)  # TOTP seeds and providers' secrets re-encrypted too
    assert (await run_sql(server, "SELECT wrapped FROM data_keys WHERE id = :i", i=old)) == [("",)]
    org_id = (await run_sql(server, "SELECT id FROM orgs"))[0][0]
    logged = [(e["action"], e["target_id"], e["actor_address"]) for e in await entries(server, org_id)
              if e["action"].startswith("keys.")]
    assert logged == [("keys.rotated", new, "shell"), ("keys.reencrypted", new, "system")]


async def _send_and_read(rest: RestApi, conv_id: str) -> list[str]:
    """Sends and reads while the rotation runs: none may fail."""
    sent = []
    for i in range(40):
        text = f"ZQU-during-{i}"
        await rest.send(conv_id, f"d{i}", text)
        sent.append(text)
        assert len((await rest.history(conv_id, limit=5))["items"]) == 5
    return sent


async def test_the_master_key_is_rotated_and_the_node_restarts_on_it(server: ServerProcess, tmp_path: Path) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Master")
    await ann.rest.send(conv["id"], "m", "ZQT-before")
    old_master = master_key_of(server).key_id

    async def search_key_made() -> bool:  # by the indexer, for the message just sent
        return bool(await run_sql(server, "SELECT org_id FROM search_keys"))

    await eventually(search_key_made)
    indexed = len(await run_sql(server, "SELECT id FROM search_docs"))
    code, generated = await axon_cli(server, "keys", "generate")
    assert code == 0
    new_file = tmp_path / "new.key"
    new_file.write_text(generated)
    os.chmod(new_file, 0o600)

    code, out = await axon_cli(server, "keys", "rotate", "--to", str(new_file))
    assert code == 0, out
    new_master = master_key_of(server).key_id  # the default key file in the data folder was replaced
    assert new_master != old_master
    assert {row[0] for row in await run_sql(server, "SELECT master_key_id FROM data_keys")} == {new_master}
    assert {row[0] for row in await run_sql(server, "SELECT master_key_id FROM search_keys")} == {new_master}
    [entry] = [e for e in await entries(server, "") if e["action"] == "keys.master_rotated"]
    assert entry["target_id"] == new_master and f'"previous":"{old_master}"' in entry["details"]

    server.restart()
    await ann.rest.send(conv["id"], "n", "ZQT-after")
    assert [m["text"] for m in (await ann.rest.history(conv["id"]))["items"]][-2:] == ["ZQT-before", "ZQT-after"]

    async def indexed_after_restart() -> bool:  # the search key opened under the new master key
        return len(await run_sql(server, "SELECT id FROM search_docs")) == indexed + 1

    await eventually(indexed_after_restart)
