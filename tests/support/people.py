"""Creating users and connected clients through the public API, as an admin would."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from axon.client import AxonClient, ClientState, RestApi

from .server import ADMIN_PASSWORD

_counter = itertools.count()
PASSWORD = "user-password-1"


@dataclass
class Person:
    user: dict[str, Any]
    rest: RestApi
    token: str

    @property
    def id(self) -> str:
        return str(self.user["id"])

    def client(self, base_url: str, state: ClientState | None = None, **kwargs: Any) -> AxonClient:
        client = AxonClient(base_url, self.token, state=state, **kwargs)
        client.user = self.user
        return client


async def admin_rest(base_url: str) -> RestApi:
    rest = RestApi(base_url)
    await rest.login("admin", ADMIN_PASSWORD)
    return rest


async def without_default_channels(admin: RestApi) -> None:
    """New users of the admin's organisation join no channel on creation, so their user stream starts
    empty (by default everyone joins #general in the write that creates the account)."""
    await admin.request("PUT", "/admin/default-channels", {"channel_ids": []})


async def new_person(base_url: str, admin: RestApi, name: str | None = None, display_name: str | None = None) -> Person:
    username = name or f"user{next(_counter)}x{id(admin) % 997}"
    user = await admin.admin_create_user(username, display_name or username.title(), PASSWORD)
    rest = RestApi(base_url)
    session = await rest.login(username, PASSWORD)
    return Person(user, rest, session["token"])


async def new_device(base_url: str, person: Person) -> str:
    """Log the same person in again: a second device with its own token."""
    rest = RestApi(base_url)
    try:
        session = await rest.login(person.user["username"], PASSWORD)
    finally:
        await rest.close()
    return str(session["token"])


async def eventually(check: Callable[[], Awaitable[bool] | bool], timeout: float = 10.0, every: float = 0.02) -> None:
    """Poll ``check`` until it is true (never a fixed sleep standing in for an event)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(every)


async def two_people_exchange_a_message(base_url: str, admin: RestApi, text: str, **trust: str) -> None:
    """Two new people sign in with the SDK (``trust``: ``ca_file`` or ``fingerprint`` for https), one
    sends ``text`` over the real-time connection and the other receives it live."""
    names = [f"pair{next(_counter)}x{i}" for i in range(2)]
    await admin.admin_create_user(names[0], "Ann", PASSWORD)
    bob_user = await admin.admin_create_user(names[1], "Bob", PASSWORD)
    ann = await AxonClient.login(base_url, names[0], PASSWORD, **trust)
    bob = await AxonClient.login(base_url, names[1], PASSWORD, **trust)
    try:
        conv = await ann.rest.create_conversation("group", "Pair", [bob_user["id"]])
        await ann.connect()
        await bob.connect()
        ack = await ann.send(conv["id"], text)
        async for event in bob.events():
            if event.type == "message.new" and event.seq == ack.seq:
                assert event.data["message"]["text"] == text
                break
    finally:
        await ann.close()
        await bob.close()
