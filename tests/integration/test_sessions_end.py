"""Sign-ins end: after their organisation's idle or maximum time, when the password changes (other
devices) or is reset (all), and within a second when an admin disables the user from the shell."""

from __future__ import annotations

import asyncio
import sys

import pytest
from sqlalchemy import update

from axon.client import ApiError, RestApi
from axon.store.database import open_database
from axon.store.schema import devices
from tests.integration.test_realtime import Raw
from tests.support.people import PASSWORD, admin_rest, new_device, new_person
from tests.support.server import ServerProcess

DAY_MS = 86_400_000


async def status_of(server: ServerProcess, token: str) -> int | str:
    try:
        await RestApi(server.url, token).me()
    except ApiError as exc:
        return exc.code
    return 200


async def test_changing_the_password_signs_out_every_other_device(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    phone = await new_device(server.url, ann)
    await ann.rest.me()  # the node has verified (and cached) both tokens
    assert await status_of(server, phone) == 200
    await ann.rest.request("POST", "/me/password", {"old_password": PASSWORD, "new_password": "winter-sun-83"})
    assert await status_of(server, phone) == "unauthenticated"
    assert (await ann.rest.me())["id"] == ann.id  # the device that changed it stays signed in


async def test_an_admins_password_reset_signs_the_user_out_everywhere(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    phone = await new_device(server.url, ann)
    await admin.request("POST", f"/admin/users/{ann.id}/password", {"password": "winter-sun-84"})
    assert await status_of(server, ann.token) == "unauthenticated"
    assert await status_of(server, phone) == "unauthenticated"
    assert (await RestApi(server.url).login(ann.user["username"], "winter-sun-84"))["user"]["id"] == ann.id


async def test_disabling_a_user_from_the_shell_ends_their_live_connection_within_a_second(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    raw, _ = await Raw.open(server, ann.token)
    env = {**server.env, "AXON_DATA_DIR": str(server.data_dir)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "axon", "admin", "disable-user",
                                                ann.user["username"], env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    output, _ = await proc.communicate()
    assert proc.returncode == 0, output.decode()
    loop = asyncio.get_running_loop()
    disabled_at = loop.time()
    await asyncio.wait_for(raw.ws.wait_closed(), 5)
    assert loop.time() - disabled_at < 2.5  # the node's one-second look, plus the close
    assert raw.ws.close_code == 4004  # offboarding: revoked and ordered to wipe its data
    assert await status_of(server, ann.token) == "wipe_requested"


async def test_a_sign_in_ends_after_the_organisations_idle_and_maximum_time(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    stale, old = await new_device(server.url, ann), await new_device(server.url, ann)
    url = server.database_url or f"sqlite:///{server.data_dir / 'axon.db'}"
    db = open_database(url)
    try:  # both sign-ins began, and were last seen, 20 days ago
        await db.write(lambda c: c.execute(update(devices).where(devices.c.user_id == ann.id).values(
            created_at=devices.c.created_at - 20 * DAY_MS, last_seen_at=devices.c.created_at - 20 * DAY_MS)))
    finally:
        await db.close()
    assert await status_of(server, stale) == 200  # 20 days: within the defaults (30 idle, 90 at most)
    await admin.request("PATCH", "/admin/org", {"session_idle_days": 14})
    assert await status_of(server, old) == "session_expired"
    await admin.request("PATCH", "/admin/org", {"session_idle_days": 0, "session_max_days": 10})
    third = await new_device(server.url, ann)
    assert await status_of(server, third) == 200  # a new sign-in is not old
    org = await admin.request("PATCH", "/admin/org", {"session_idle_days": 30, "session_max_days": 90})
    assert (org["session_idle_days"], org["session_max_days"]) == (30, 90)
    with pytest.raises(ApiError) as bad:
        await admin.request("PATCH", "/admin/org", {"session_idle_days": -1})
    assert bad.value.code == "validation_failed"
