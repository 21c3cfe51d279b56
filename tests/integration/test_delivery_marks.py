"""Delivery marks a client reports are bounded by what exists, and one user's bad mark spoils no one else's."""

from __future__ import annotations

from pathlib import Path

from axon.app import Runtime, build_services
from axon.config import Settings
from axon.services.people import NewUser
from axon.store.migrate import upgrade


async def test_marks_are_clamped_to_the_log_and_a_huge_one_does_not_drop_the_others(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'axon.db'}", data_dir=tmp_path,
                        admin_password="admin-pass-1", argon2_memory_kib=1024, argon2_time_cost=1,
                        argon2_parallelism=1)
    upgrade(settings.effective_database_url)
    services = build_services(settings)
    async with Runtime(services).running():
        session = await services.auth.login("admin", "admin-pass-1", None, "test", "127.0.0.1")
        admin = await services.auth.authenticate(session["token"])
        bob, cid = [await services.people.admin_create_user(admin, NewUser(name, name.title(), "pass-word-1"))
                    for name in ("bob", "cid")]
        conv = await services.conversations.create(admin, "group", "Marks", "", [bob["id"], cid["id"]])
        first = await services.messages.send(admin, conv["id"], "m1", "first")
        # In one flush: Bob claims far more than exists (beyond BIGINT too), Cid reports what he has.
        services.markers.delivered(bob["id"], {conv["id"]: 2**64})
        services.markers.delivered(cid["id"], {conv["id"]: first.message.seq})
        await services.markers.flush()
        receipts = await services.messages.receipts(admin, conv["id"], first.message.id)
        assert set(receipts["delivered_to"]) == {bob["id"], cid["id"]}
        later = await services.messages.send(admin, conv["id"], "m2", "sent after the marks")
        receipts = await services.messages.receipts(admin, conv["id"], later.message.id)
        assert receipts["delivered_to"] == []  # Bob's claim did not reach into the future
