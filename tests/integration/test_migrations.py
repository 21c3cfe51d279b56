"""Schema migrations carry an existing database forward: a database made by the first release
keeps its data, gains the event spine's tables, and starts its consumers at the head (nothing
committed before the upgrade is replayed to them as if it were new)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from axon.store import event_log
from axon.store.database import open_database
from axon.store.migrate import current, head, upgrade
from axon.store.schema import counters, events, meta, spine_cursors, users
from tests.support.server import fresh_postgres_database


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    base = os.environ.get("AXON_TEST_DATABASE_URL")
    return fresh_postgres_database(base) if base else f"sqlite:///{tmp_path / 'axon.db'}"


async def test_a_first_release_database_is_upgraded_in_place(database_url: str) -> None:
    upgrade(database_url, "0001")
    assert current(database_url) == "0001"
    db = open_database(database_url)
    try:
        await db.write(lambda c: c.execute(insert(events).values(
            conversation_id="c_old", seq=1, type="message.new", actor_id="u_1", created_at=1, data="{}")))
        epoch = await db.read(lambda c: c.execute(select(meta.c.value).where(meta.c.key == "epoch")).scalar_one())
    finally:
        await db.close()

    upgrade(database_url)
    assert current(database_url) == head()
    db = open_database(database_url)
    try:
        assert await db.read(lambda c: c.execute(select(events.c.seq)).scalars().all()) == [1]  # data kept
        same = await db.read(lambda c: c.execute(select(meta.c.value).where(meta.c.key == "epoch")).scalar_one())
        assert same == epoch  # the same history: devices keep their positions across an upgrade
        assert await db.read(lambda c: c.execute(select(counters.c.name, counters.c.value)).all()) == [
            ("event_log", 0)]
        assert await db.write(lambda c: event_log.open_cursor(c, "org_activity")) == 0
        assert await db.read(lambda c: c.execute(select(spine_cursors.c.name)).scalars().all()) == ["org_activity"]
    finally:
        await db.close()


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert current(database_url) == head()


async def test_people_are_no_longer_found_by_e_mail_after_the_upgrade(database_url: str) -> None:
    # Before 0003 a user's search key held their e-mail address, so any member could find them by it.
    upgrade(database_url, "0002")
    db = open_database(database_url)
    try:
        # Rows as revision 0002 knew them (the current table definitions have columns added since).
        await db.write(lambda c: c.execute(text(
            "INSERT INTO orgs (id, name, slug, signup_domains, created_at) VALUES ('o_1', 'Old', 'old', '', 1)")))
        await db.write(lambda c: c.execute(text(
            "INSERT INTO users (id, org_id, username, email, display_name, title, timezone, locale, status_text, "
            "org_role, disabled, read_receipts, password_hash, stream_seq, search_key, created_at) VALUES "
            "('u_old', 'o_1', 'zhangwei', 'wei@corp.example', '张伟', '', 'UTC', 'en', '', 'member', false, true, "
            "'x', 0, '张伟 zhangwei zw wei@corp.example', 1)")))
    finally:
        await db.close()
    upgrade(database_url)
    db = open_database(database_url)
    try:
        key = await db.read(lambda c: c.execute(select(users.c.search_key)).scalar_one())
        assert "corp.example" not in key and "zhangwei" in key and "zw" in key
    finally:
        await db.close()


async def test_each_organisations_oldest_admin_becomes_its_owner(database_url: str) -> None:
    # Before 0014 an organisation had admins and members only: its longest-standing admin (its creator)
    # becomes its owner, the other admins stay admins, and everything else keeps its meaning.
    upgrade(database_url, "0008")
    db = open_database(database_url)
    people = [("u_first", "o_1", "admin", 1), ("u_later", "o_1", "admin", 2), ("u_member", "o_1", "member", 0),
              ("u_other", "o_2", "admin", 5), ("u_plain", "o_3", "member", 1)]
    try:
        for org in ("o_1", "o_2", "o_3"):
            await db.write(lambda c, org=org: c.execute(text(
                "INSERT INTO orgs (id, name, slug, signup_domains, created_at) "
                f"VALUES ('{org}', '{org}', '{org}', '', 1)")))
        for uid, org, role, created in people:
            await db.write(lambda c, uid=uid, org=org, role=role, created=created: c.execute(text(
                "INSERT INTO users (id, org_id, username, email, display_name, title, timezone, locale, status_text,"
                " org_role, disabled, read_receipts, password_hash, stream_seq, search_key, created_at) VALUES "
                f"('{uid}', '{org}', '{uid}', NULL, '{uid}', '', 'UTC', 'en', '', '{role}', false, true, 'x', 0, '',"
                f" {created})")))
    finally:
        await db.close()
    upgrade(database_url)
    db = open_database(database_url)
    try:
        roles = dict(await db.read(lambda c: c.execute(select(users.c.id, users.c.org_role)).all()))
    finally:
        await db.close()
    assert roles == {"u_first": "owner", "u_later": "admin", "u_member": "member", "u_other": "owner",
                     "u_plain": "member"}
