"""The file sweeper on a real store and the local BlobStore, with a fake clock: expired uploads,
files never sent, contents no file refers to any more, and orphans of a crash go; what is still in
use stays."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

from axon.app import Services
from axon.domain.ids import new_id
from axon.domain.model import Actor, OrgRole
from axon.services.people import NewUser
from axon.store import accounts
from axon.testing.clock import FakeClock
from tests.integration.conftest import running_services


async def body(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def boss_and_group(services: Services, name: str) -> tuple[str, Actor, dict]:
    """A new organisation's admin and a group of theirs: (organisation id, the admin, the group)."""
    await services.encryption.start()
    org = await services.people.create_org(name, admin=NewUser("boss", "Boss", "a-long-password-1", role=OrgRole.ADMIN))
    user = await services.core.read(lambda c: accounts.get_user_by_username(c, org.id, "boss"))
    actor = Actor(user["id"], org.id, "d_test", OrgRole.ADMIN)
    return org.id, actor, await services.conversations.create(actor, "group", name, "", [])


async def keys(services, prefix: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [k async for k in services.file_sweeper.blobs.keys(prefix)]


async def test_the_sweeper_removes_only_what_nothing_uses(database_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_services(database_url, clock, data_dir=tmp_path / "data") as services:
        org_id, actor, conv = await boss_and_group(services, "Sweep")
        uploads = services.uploads

        async def upload(data: bytes) -> dict:
            started = await uploads.start(actor, conv["id"], "f.bin", len(data), None, False)
            return (await uploads.put(actor, started.id, 0, len(data), body(data))).file

        kept = await upload(b"kept" * 1000)
        await services.messages.send(actor, conv["id"], "k1", "", attachments=[kept.id])
        deleted = await upload(b"deleted" * 1000)
        sent = await services.messages.send(actor, conv["id"], "d1", "", attachments=[deleted.id])
        await services.messages.delete(actor, conv["id"], sent.message.id)
        unsent = await upload(b"unsent" * 1000)
        partial = await uploads.start(actor, conv["id"], "p.bin", 100, None, False)
        await uploads.put(actor, partial.id, 0, 40, body(b"p" * 40))
        assert len(await keys(services, "staging/")) == 1
        assert len(await keys(services, "blobs/")) == 3
        # what a node killed between publishing an object and committing its row leaves behind
        for orphan in (f"staging/{new_id('upload', clock.now_ms())}/000000000000000.{new_id('part', clock.now_ms())}",
                       f"blobs/{org_id}/ab/{'ab' * 32}.{new_id('blob', clock.now_ms())}"):
            (tmp_path / "orphan").write_bytes(b"left behind")
            await services.file_sweeper.blobs.put_file(orphan, tmp_path / "orphan")

        assert (await services.file_sweeper.sweep()) == {"uploads": 0, "unsent": 0, "blobs": 0, "orphans": 0}
        clock.advance(11 * 60)
        assert (await services.file_sweeper.sweep())["blobs"] == 1  # only the deleted message's content
        assert len(await keys(services, "blobs/")) == 3  # two in use, and the orphan (too young to tell)
        clock.advance(25 * 3600)
        swept = await services.file_sweeper.sweep()
        assert swept["uploads"] >= 1 and swept["unsent"] == 1 and swept["orphans"] == 2
        assert await keys(services, "staging/") == []
        clock.advance(3600)
        await services.file_sweeper.sweep()
        remaining = await keys(services, "blobs/")
        assert len(remaining) == 1 and hashlib.sha256(b"kept" * 1000).hexdigest() in remaining[0]
        info = await services.file_reads.info(actor, kept.id)
        assert info.message_id is not None
        assert unsent.id != kept.id


async def test_retention_erases_messages_with_their_files(database_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_services(database_url, clock, data_dir=tmp_path / "data") as services:
        org_id, actor, conv = await boss_and_group(services, "Keep")
        started = await services.uploads.start(actor, conv["id"], "old.bin", 3, None, False)
        file = (await services.uploads.put(actor, started.id, 0, 3, body(b"old"))).file
        await services.messages.send(actor, conv["id"], "old", "old news", attachments=[file.id])
        await services.core.write(lambda tx: accounts.update_org(tx.conn, org_id, {"retention_days": 1}))
        clock.advance(2 * 86400)
        assert await services.retention.apply_policies() == 1
        page = await services.file_reads.conversation_files(actor, conv["id"], None, None, None, None, 50)
        assert page.items == []
        clock.advance(3600)
        assert (await services.file_sweeper.sweep())["blobs"] == 1
        assert await keys(services, "blobs/") == []
