"""Devices and remote wipe over a real node: the device list (platform, address, status), revoking all
others, a wipe ordered by the user or an admin reaching a connected SDK at once (close code 4004) and
an offline device at its next request or hello, the one confirmation, and offboarding."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from axon.client import ApiError, AxonClient, ClientClosed, ClientState, RestApi
from tests.integration.test_realtime import Raw
from tests.support import audit_rows
from tests.support.people import PASSWORD, Person, admin_rest, new_device, new_person
from tests.support.server import ServerProcess

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


async def code_of(server: ServerProcess, token: str) -> str:
    try:
        await RestApi(server.url, token).me()
    except ApiError as exc:
        return exc.code
    return "ok"


async def device_of(person: Person, device_id: str) -> dict:
    return next(d for d in await person.rest.devices() if d["id"] == device_id)


async def other_device_of(person: Person) -> str:
    """The id of the person's one device that is not the one their ``rest`` client signed in with."""
    return str(next(d["id"] for d in await person.rest.devices() if not d["current"]))


async def person_with_a_second_device(url: str) -> tuple[Person, str, str]:
    """A new person signed in twice: the person, the second device's token and its id."""
    ann = await new_person(url, await admin_rest(url))
    token = await new_device(url, ann)
    return ann, token, await other_device_of(ann)


async def hello_answer(server: ServerProcess, token: str) -> tuple[dict, int | None]:
    """What a hello with this token gets: the error frame and the close code."""
    async with websockets.connect(server.url.replace("http", "ws") + "/api/v1/ws") as ws:
        await ws.send(f'{{"t":"hello","token":"{token}","ref":"h"}}')
        frame = await asyncio.wait_for(ws.recv(), 5)
        await asyncio.wait_for(ws.wait_closed(), 5)
        return json.loads(frame), ws.close_code


async def test_the_device_list_shows_platform_address_and_marks_this_device(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    async with httpx.AsyncClient(base_url=server.url + "/api/v1", headers={"User-Agent": FIREFOX}) as browser:
        login = (await browser.post("/auth/login", json={"login": ann.user["username"], "password": PASSWORD,
                                                         "device_name": "Work laptop"})).json()
    devices = await ann.rest.devices()
    laptop = next(d for d in devices if d["id"] == login["device"]["id"])
    assert (laptop["name"], laptop["platform"], laptop["last_address"]) == ("Work laptop", "Firefox 133 · Linux",
                                                                           "127.0.0.1")
    assert (laptop["status"], laptop["current"], laptop["wipe_requested_at"], laptop["wiped_at"]) == (
        "active", False, None, None)
    assert laptop["last_seen_at"] is not None and laptop["created_at"] is not None
    assert [d["current"] for d in devices].count(True) == 1
    assert login["device"]["platform"] == "Firefox 133 · Linux"


async def test_revoking_all_other_devices_keeps_only_the_calling_one(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    others = [await new_device(server.url, ann) for _ in range(2)]
    assert await ann.rest.revoke_other_devices() == 2
    assert [await code_of(server, t) for t in others] == ["unauthenticated", "unauthenticated"]
    assert await code_of(server, ann.token) == "ok"
    assert await ann.rest.revoke_other_devices() == 0


async def test_a_connected_device_ordered_to_wipe_clears_its_state_confirms_once_and_is_dead(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Plans", [])
    phone_token = await new_device(server.url, ann)
    wiped_files: list[str] = []

    async def delete_saved_state() -> None:
        wiped_files.append("state.json")

    state = ClientState(convs={conv["id"]: 0})
    phone = AxonClient(server.url, phone_token, state=state, on_wipe=delete_saved_state)
    await phone.connect()
    await phone.send(conv["id"], "secret plan")
    assert state.convs[conv["id"]] >= 1 and state.epoch
    phone_id = await other_device_of(ann)
    ordered = await ann.rest.wipe_device(phone_id)
    assert ordered["status"] in ("wipe_pending", "wiped") and ordered["wipe_requested_at"]
    await asyncio.wait_for(phone._run_task, 10)  # noqa: SLF001 - the SDK stops for good on 4004
    assert phone.fatal == "wipe ordered" and phone.wiped
    assert (state.convs, state.epoch, state.user_seq, phone.conversations) == ({}, None, None, {})
    assert wiped_files == ["state.json"] and phone.rest.token is None
    with pytest.raises(ClientClosed):
        phone.send_nowait(conv["id"], "after the wipe")
    confirmed = await device_of(ann, phone_id)
    assert confirmed["status"] == "wiped" and confirmed["wiped_at"] >= confirmed["wipe_requested_at"]
    assert await code_of(server, phone_token) == "unauthenticated"
    with pytest.raises(ApiError) as again:  # exactly once
        await RestApi(server.url, phone_token).confirm_wipe()
    assert again.value.status == 401
    with pytest.raises(ApiError) as twice:
        await ann.rest.wipe_device(phone_id)
    assert (twice.value.status, twice.value.code) == (409, "already_wiped")
    await phone.close()


async def test_an_offline_device_hears_of_the_wipe_at_its_next_request_or_hello(server: ServerProcess) -> None:
    ann, laptop, laptop_id = await person_with_a_second_device(server.url)
    await ann.rest.wipe_device(laptop_id)
    again = await ann.rest.wipe_device(laptop_id)  # ordering twice changes nothing
    assert again["status"] == "wipe_pending"
    assert await code_of(server, laptop) == "wipe_requested"
    frame, close_code = await hello_answer(server, laptop)
    assert (frame["error"]["code"], close_code) == ("wipe_requested", 4004)
    assert (await device_of(ann, laptop_id))["status"] == "wipe_pending"  # never confirmed: stays pending
    await RestApi(server.url, laptop).confirm_wipe()
    assert (await device_of(ann, laptop_id))["status"] == "wiped"
    assert await code_of(server, laptop) == "unauthenticated"


async def test_confirming_without_an_order_is_refused_and_changes_nothing(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    with pytest.raises(ApiError) as refused:
        await RestApi(server.url, ann.token).confirm_wipe()
    assert (refused.value.status, refused.value.code) == (409, "no_wipe_pending")
    assert await code_of(server, ann.token) == "ok"
    with pytest.raises(ApiError) as unknown:
        await RestApi(server.url, "not-a-token").confirm_wipe()
    assert unknown.value.status == 401


async def test_admins_manage_members_devices_and_members_only_their_own(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    phone = await new_device(server.url, ann)
    phone_id = await other_device_of(ann)
    for path in (f"/admin/users/{ann.id}/devices/{phone_id}/wipe", f"/admin/users/{ann.id}/devices/revoke-all"):
        with pytest.raises(ApiError) as denied:
            await bob.rest.request("POST", path)
        assert denied.value.status == 403
    with pytest.raises(ApiError) as not_bobs:
        await bob.rest.wipe_device(phone_id)
    assert not_bobs.value.status == 404
    wiped = await admin.request("POST", f"/admin/users/{ann.id}/devices/{phone_id}/wipe")
    assert wiped["status"] == "wipe_pending" and wiped["current"] is False
    assert await code_of(server, phone) == "wipe_requested"
    assert (await admin.request("POST", f"/admin/users/{ann.id}/devices/revoke-all"))["revoked"] == 1
    assert await code_of(server, ann.token) == "unauthenticated"


async def test_offboarding_revokes_and_wipes_every_device_and_enabling_brings_none_back(
        server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Handover", [])
    await ann.rest.send(conv["id"], "k-1", "the handover notes")
    laptop = await new_device(server.url, ann)
    live = AxonClient(server.url, ann.token)
    await live.connect()
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"disabled": True})
    await asyncio.wait_for(live._run_task, 10)  # noqa: SLF001
    assert live.fatal == "wipe ordered" and live.wiped  # a disabled account's device still confirms its wipe
    assert await code_of(server, laptop) == "wipe_requested"
    statuses = {d["status"] for d in await admin.request("GET", f"/admin/users/{ann.id}/devices")}
    assert statuses == {"wiped", "wipe_pending"}
    await admin.request("PATCH", f"/admin/users/{ann.id}", {"disabled": False})
    assert await code_of(server, laptop) == "wipe_requested"  # re-enabling resurrects no device
    assert await code_of(server, ann.token) == "unauthenticated"
    ann_again = RestApi(server.url)
    await ann_again.login(ann.user["username"], PASSWORD)
    page = await ann_again.request("GET", f"/conversations/{conv['id']}/messages")
    assert [m["text"] for m in page["items"]] == ["the handover notes"]  # the content stays
    await live.close()


async def test_a_wipe_order_survives_a_restart(fresh_server: ServerProcess) -> None:
    ann, tablet, tablet_id = await person_with_a_second_device(fresh_server.url)
    await ann.rest.wipe_device(tablet_id)
    fresh_server.restart()
    frame, close_code = await hello_answer(fresh_server, tablet)
    assert (frame["error"]["code"], close_code) == ("wipe_requested", 4004)
    await RestApi(fresh_server.url, tablet).confirm_wipe()
    ann_rest = RestApi(fresh_server.url, ann.token)
    assert next(d for d in await ann_rest.devices() if d["id"] == tablet_id)["status"] == "wiped"


async def test_a_live_raw_session_is_closed_with_4004(server: ServerProcess) -> None:
    ann, token, device_id = await person_with_a_second_device(server.url)
    raw, _ = await Raw.open(server, token)
    await ann.rest.wipe_device(device_id)
    await asyncio.wait_for(raw.ws.wait_closed(), 5)
    assert raw.ws.close_code == 4004


async def test_revocations_wipe_orders_and_confirmations_are_in_the_audit_log(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann, phone, phone_id = await person_with_a_second_device(server.url)
    await new_device(server.url, ann)
    laptop_id = next(d["id"] for d in await ann.rest.devices() if d["id"] != phone_id and not d["current"])
    org_id = (await ann.rest.request("GET", "/org"))["id"]
    await admin.request("POST", f"/admin/users/{ann.id}/devices/{phone_id}/wipe")
    await RestApi(server.url, phone).confirm_wipe()
    assert await ann.rest.revoke_other_devices() == 1  # the laptop
    rows = [r for r in await audit_rows.entries(server, org_id) if r["target_id"] in (phone_id, laptop_id)]
    admin_id = (await admin.me())["id"]
    assert [(r["action"], r["target_id"], r["actor_user_id"]) for r in rows] == [
        ("device.wipe_ordered", phone_id, admin_id), ("device.wiped", phone_id, ann.id),
        ("device.revoked", laptop_id, ann.id)]
    assert rows[1]["actor_device_id"] == phone_id  # the wiped device itself confirmed
    assert audit_rows.verify(server).returncode == 0
