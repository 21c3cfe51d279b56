"""Organisation activity per day: counted from committed events, shown to that organisation's admins only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from axon.client import ApiError, RestApi
from tests.integration.test_security import run_cli
from tests.support.people import admin_rest, eventually, new_person
from tests.support.server import ServerProcess


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


async def _today_counts(admin: RestApi) -> dict:
    days = await admin.request("GET", "/admin/activity", params={"days": 2})
    return next((d for d in days if d["day"] == _today()), {})


async def test_admins_see_what_their_organisation_did_today(fresh_server: ServerProcess) -> None:
    admin = await admin_rest(fresh_server.url)
    ann, bob, cy = [await new_person(fresh_server.url, admin) for _ in range(3)]
    group = await ann.rest.create_conversation("group", "Launch", [bob.id])  # bob joins with ann
    root = (await ann.rest.send(group["id"], "m1", "the plan"))["message"]
    await bob.rest.send(group["id"], "m2", "looks good", reply_to=root["id"])
    await bob.rest.send(group["id"], "m3", "one more thing")
    await bob.rest.react(group["id"], root["id"], "\N{THUMBS UP SIGN}")
    await bob.rest.react(group["id"], root["id"], "\N{THUMBS UP SIGN}", add=False)  # a removal is not counted
    channel = await cy.rest.create_conversation("channel", "random")
    await ann.rest.join(channel["id"])
    await ann.rest.send(channel["id"], "m4", "hello")

    # Joins: the four above, and #general's: its owner (the admin, at first start) and ann, bob, cy.
    expected = {"day": _today(), "messages": 3, "replies": 1, "reactions": 1, "joins": 4 + 4}

    async def counted() -> bool:
        return await _today_counts(admin) == expected

    await eventually(counted)
    with pytest.raises(ApiError) as member:
        await ann.rest.request("GET", "/admin/activity")
    assert (member.value.status, member.value.code) == (403, "forbidden")


async def test_the_report_covers_every_day_asked_for_and_refuses_bad_ranges(fresh_server: ServerProcess) -> None:
    admin = await admin_rest(fresh_server.url)
    days = await admin.request("GET", "/admin/activity")
    assert len(days) == 30  # the default range, quiet days included as zeros
    assert [d["day"] for d in days] == sorted(d["day"] for d in days)
    assert days[-1]["day"] == _today()
    first = datetime.strptime(days[0]["day"], "%Y-%m-%d").replace(tzinfo=UTC)
    assert days[-1]["day"] == (first + timedelta(days=29)).strftime("%Y-%m-%d")
    assert all(d["messages"] == d["replies"] == d["reactions"] == 0 for d in days)
    for bad in (0, 367, "x"):
        with pytest.raises(ApiError) as refused:
            await admin.request("GET", "/admin/activity", params={"days": bad})
        assert (refused.value.status, refused.value.code) == (422, "validation_failed")


async def test_another_organisations_activity_is_not_counted_as_ours(fresh_server: ServerProcess) -> None:
    admin = await admin_rest(fresh_server.url)
    env = {**fresh_server.env, "AXON_DATA_DIR": str(fresh_server.data_dir), "AXON_NEW_USER_PASSWORD": "other-pass-1"}
    await run_cli(env, "create-org", "Other Co", "--slug", "other")
    await run_cli(env, "create-user", "olga", "--display-name", "Olga", "--admin", "--org", "other")
    olga = RestApi(fresh_server.url)
    await olga.login("olga", "other-pass-1", org="other")
    room = await olga.create_conversation("group", "Elsewhere")
    for i in range(3):
        await olga.send(room["id"], f"o{i}", "elsewhere")
    ann = await new_person(fresh_server.url, admin)
    home = await ann.rest.create_conversation("group", "Home")
    await ann.rest.send(home["id"], "h1", "at home")

    async def both_counted() -> bool:
        return ((await _today_counts(olga)).get("messages"), (await _today_counts(admin)).get("messages")) == (3, 1)

    await eventually(both_counted)
