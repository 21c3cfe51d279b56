"""Default channels: every organisation's #general, the admins' choice of the channels new members
join, and the joining itself, done in the write that creates the account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from axon.app import Runtime, Services, build_services
from axon.client import ApiError, RestApi
from axon.config import Settings
from axon.domain.model import Actor, OrgRole
from axon.services import default_channels
from axon.services.people import NewUser
from axon.store import accounts, event_log, streams
from axon.store.database import open_database
from axon.store.migrate import MIGRATIONS, upgrade
from tests.support.people import PASSWORD, admin_rest, new_person
from tests.support.server import ServerProcess


def _names(conversations: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in conversations]


async def _general_id(admin: RestApi) -> str:
    return next(c["id"] for c in await admin.conversations() if c["name"] == "general")


async def test_the_first_organisation_has_general_owned_by_its_admin(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    general = next(c for c in await admin.conversations() if c["name"] == "general")
    assert general["kind"] == "channel" and general["my_role"] == "owner"
    chosen = await admin.request("GET", "/admin/default-channels")
    assert [c["id"] for c in chosen] == [general["id"]] and chosen[0]["joined"] is True
    events = (await admin.events(general["id"]))["items"]
    assert [e["type"] for e in events[:2]] == ["conversation.created", "member.joined"]  # a channel like any


async def test_every_way_in_joins_the_default_channels(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    general = await _general_id(admin)
    created = await new_person(server.url, admin, "dc_created")
    assert _names(await created.rest.conversations()) == ["general"]

    invite = await admin.create_invite(max_uses=1)
    invited = RestApi(server.url)
    await invited.signup(invite_token=invite["token"], username="dc_invited", display_name="张伟",
                         password=PASSWORD)
    assert _names(await invited.conversations()) == ["general"]
    first_user_event = (await invited.request("GET", "/sync/user-events"))["items"][0]
    assert first_user_event["type"] == "conversation.joined" and first_user_event["seq"] == 1

    joined = [e for e in (await admin.events(general, limit=1000))["items"] if e["type"] == "member.joined"]
    newcomers = {e["data"]["user_id"] for e in joined}
    assert {created.id, (await invited.me())["id"]} <= newcomers  # open sign-up: test_email_confirmation.py


async def test_admins_choose_the_default_channels_in_order(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    general = await _general_id(admin)
    news = await admin.create_conversation("channel", "dc-news")
    try:
        chosen = await admin.request("PUT", "/admin/default-channels", {"channel_ids": [news["id"], general]})
        assert [c["id"] for c in chosen] == [news["id"], general]
        bob = await new_person(server.url, admin, "dc_bob")
        assert sorted(_names(await bob.rest.conversations())) == ["dc-news", "general"]
        assert await admin.request("PUT", "/admin/default-channels", {"channel_ids": []}) == []
        carl = await new_person(server.url, admin, "dc_carl")
        assert await carl.rest.conversations() == []
    finally:
        await admin.request("PUT", "/admin/default-channels", {"channel_ids": [general]})


async def test_only_public_channels_of_the_org_can_be_chosen(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    general = await _general_id(admin)
    secret = await admin.create_conversation("group", "dc-secret")
    old = await admin.create_conversation("channel", "dc-old")
    await admin.request("POST", f"/conversations/{old['id']}/archive")
    with pytest.raises(ApiError) as unknown:
        await admin.request("PUT", "/admin/default-channels", {"channel_ids": [general, "c_nope"]})
    assert unknown.value.status == 404 and unknown.value.details["channel_id"] == "c_nope"
    for bad in (secret["id"], old["id"]):
        with pytest.raises(ApiError) as refused:
            await admin.request("PUT", "/admin/default-channels", {"channel_ids": [general, bad]})
        assert refused.value.status == 400 and refused.value.code == "validation_failed"
        assert refused.value.details["channel_id"] == bad
    assert [c["id"] for c in await admin.request("GET", "/admin/default-channels")] == [general]  # unchanged


async def test_members_may_not_see_or_choose_the_default_channels(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin, "dc_ann")
    for method, body in (("GET", None), ("PUT", {"channel_ids": []})):
        with pytest.raises(ApiError) as refused:
            await ann.rest.request(method, "/admin/default-channels", body)
        assert refused.value.status == 403 and refused.value.code == "forbidden"


async def test_history_can_ask_for_membership_events_only(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    room = await admin.create_conversation("channel", "dc-history")
    await admin.send(room["id"], "m1", "hello")
    dan = await new_person(server.url, admin, "dc_dan")
    await dan.rest.join(room["id"])
    await admin.send(room["id"], "m2", "welcome")
    page = await admin.request("GET", f"/conversations/{room['id']}/events",
                               params={"types": "member.joined,member.left", "after_seq": 0, "before_seq": 5})
    me = (await admin.me())["id"]
    assert [(e["type"], e["data"]["user_id"]) for e in page["items"]] == [
        ("member.joined", me), ("member.joined", dan.id)]
    assert page["next_after_seq"] is None and page["last_seq"] == 5


# --- on the services, against the real store ----------------------------------------------


async def test_a_failed_join_creates_no_account(svc: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    org = await svc.people.create_org("Atomic", admin=NewUser("boss", "Boss", PASSWORD, role=OrgRole.ADMIN))

    def broken(*_: Any) -> None:
        raise RuntimeError("join failed")

    monkeypatch.setattr(default_channels, "join_in", broken)
    with pytest.raises(RuntimeError):
        await svc.people.create_user(org["id"], NewUser("ann", "Ann", PASSWORD))
    assert await svc.core.read(lambda c: accounts.get_user_by_username(c, org["id"], "ann")) is None


async def test_start_up_gives_older_organisations_general_once(svc: Services) -> None:
    bare = await svc.people.create_org("Bare")  # as `axon admin create-org`, or a database from before 0003
    adopted = await svc.people.create_org("Adopted")
    boss = await svc.people.create_user(bare["id"], NewUser("boss", "Boss", PASSWORD, role=OrgRole.ADMIN))
    lead = await svc.people.create_user(adopted["id"], NewUser("lead", "Lead", PASSWORD))
    await svc.people.set_org_role(Actor("cli", adopted["id"], "cli", OrgRole.ADMIN), lead["id"], OrgRole.ADMIN)
    lead_actor = Actor(lead["id"], adopted["id"], "d", OrgRole.ADMIN)
    existing = await svc.conversations.create(lead_actor, "channel", "general", "", [])
    # Bare's first admin created its #general; Adopted has an admin made so later: start-up's job.
    boss_actor = Actor(boss["id"], bare["id"], "d", OrgRole.ADMIN)
    assert [c.name for c in await svc.conversations.list_mine(boss_actor)] == ["general"]
    await svc.default_channels.ensure_general_channels()
    await svc.default_channels.ensure_general_channels()
    assert [c.id for c in await svc.default_channels.list(lead_actor)] == [existing.id]
    assert len(await svc.conversations.channels(lead_actor, "general", 10)) == 1
    assert len(await svc.conversations.channels(boss_actor, "general", 10)) == 1


def _revision_before_default_channels() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    before = ScriptDirectory.from_config(config).get_revision("0006").down_revision
    assert isinstance(before, str)
    return before


async def test_an_organisation_from_before_default_channels_gets_general_at_start_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'axon.db'}"
    upgrade(url, _revision_before_default_channels())
    db = open_database(url)
    try:  # an installation of the previous release: an organisation, its admin and a member
        # Plain SQL with that release's columns: the current tables would add columns it did not have.
        await db.write(lambda c: c.execute(text(
            "INSERT INTO orgs (id, name, slug, signup_domains, created_at) VALUES ('o_old', 'Old', 'old', '', 1)")))
        for user_id, role in (("u_boss", "admin"), ("u_ann", "member")):
            await db.write(lambda c, u=user_id, r=role: c.execute(text(
                "INSERT INTO users (id, org_id, username, display_name, title, timezone, locale, status_text,"
                " org_role, disabled, read_receipts, password_hash, stream_seq, search_key, created_at)"
                " VALUES (:id, 'o_old', :name, :display, '', 'UTC', 'en', '', :role, false, true, 'x', 0, :name, :at)"),
                {"id": u, "name": u[2:], "display": u[2:].title(), "role": r, "at": 1 if r == "admin" else 2}))
    finally:
        await db.close()
    upgrade(url)
    settings = Settings(database_url=url, data_dir=tmp_path, argon2_memory_kib=1024, argon2_time_cost=1,
                        argon2_parallelism=1)
    for _ in range(2):  # the step runs at every start and creates #general once
        services = build_services(settings)
        async with Runtime(services).running():
            boss = Actor("u_boss", "o_old", "d", OrgRole.ADMIN)
            chosen = await services.default_channels.list(boss)
            assert [(c.name, c.kind, c.my_role) for c in await services.conversations.list_mine(boss)] == [
                ("general", "channel", "owner")]
            assert [c.name for c in chosen] == ["general"]
            general = chosen[0].id
            events = await services.core.read(lambda c, g=general: streams.conversation_events(c, g, 0, None, 10))
            assert [(e.seq, e.type) for e in events] == [(1, "conversation.created"), (2, "member.joined")]
            assert await services.core.read(event_log.head) == 1  # in the outbox like any commit
            ann = Actor("u_ann", "o_old", "d", OrgRole.MEMBER)
            assert await services.conversations.list_mine(ann) == []  # existing members are not joined
