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
