"""Provisioning through the public REST API only: users (admin API), one device
token per user (``POST /auth/login``), conversations created by their first member.

The result is a JSON *state file* the load-generator processes read:
``{"tokens": {uid: token}, "user_ids": {uid: user id}, "rooms": {name: conversation id}}``.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

PASSWORD = "bench-password-1"
CHUNK = 1000  # the most member ids one create / add-members call accepts
ADMIN = "admin"


class ProvisionError(Exception):
    pass


class Provisioner:
    def __init__(self, base_url: str, admin_password: str, concurrency: int = 16) -> None:
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self.admin_password = admin_password
        self.sem = asyncio.Semaphore(concurrency)
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=120,
                                      limits=httpx.Limits(max_connections=concurrency))
        self.admin_token = ""
        self.tokens: dict[int, str] = {}
        self.user_ids: dict[int, str] = {}
        self.rooms: dict[str, str] = {}

    async def __aenter__(self) -> Provisioner:
        self.admin_token = (await self.login(ADMIN, self.admin_password))["token"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def _post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        async with self.sem:
            for attempt in range(5):  # bounded retry of rate limiting only
                r = await self.http.post(path, json=body, headers=headers)
                if r.status_code != 429:
                    break
                await asyncio.sleep(float(r.headers.get("retry-after", "1")) * (attempt + 1))
        if r.status_code >= 300:
            raise ProvisionError(f"POST {path} -> {r.status_code} {r.text[:300]}")
        return r.json()

    async def login(self, username: str, password: str = PASSWORD) -> Any:
        return await self._post("/auth/login", {"login": username, "password": password, "device_name": "bench"})

    async def users(self, uids: list[int]) -> dict[int, str]:
        """Create ``u<uid>`` and log each in once; returns uid -> device token."""
        async def one(uid: int) -> None:
            user = await self._post("/admin/users", {"username": f"u{uid}", "display_name": f"Bench {uid}",
                                                     "password": PASSWORD}, self.admin_token)
            self.user_ids[uid] = user["id"]
            self.tokens[uid] = (await self.login(f"u{uid}"))["token"]

        await asyncio.gather(*(one(u) for u in uids))
        return self.tokens

    async def extra_token(self, uid: int) -> str:
        """Another device of the same user."""
        return (await self.login(f"u{uid}"))["token"]

    async def room(self, name: str, members: list[int]) -> str:
        """A group conversation created by its first member; members past the API's 1,000 per call
        (W2's room-size curve goes to 5,000) are added 1,000 at a time by the creator."""
        creator, others = members[0], [self.user_ids[u] for u in members[1:]]
        conv = await self._post("/conversations", {"kind": "group", "name": name, "member_ids": others[:CHUNK]},
                                self.tokens[creator])
        for i in range(CHUNK, len(others), CHUNK):
            await self._post(f"/conversations/{conv['id']}/members", {"user_ids": others[i:i + CHUNK]},
                             self.tokens[creator])
        self.rooms[name] = conv["id"]
        return conv["id"]

    async def rooms_of(self, rooms: dict[str, list[int]]) -> None:
        await asyncio.gather(*(self.room(name, members) for name, members in rooms.items()))

    def save(self, path: str) -> None:
        with open(path, "w") as fh:
            json.dump({"tokens": {str(k): v for k, v in self.tokens.items()},
                       "user_ids": {str(k): v for k, v in self.user_ids.items()}, "rooms": self.rooms}, fh)


async def provision_all(base_url: str, admin_password: str, uids: list[int], rooms: dict[str, list[int]],
                        state_file: str) -> dict[str, Any]:
    """Users, tokens and rooms in one go; writes the state file; returns timings."""
    t0 = time.monotonic()
    async with Provisioner(base_url, admin_password) as prov:
        await prov.users(uids)
        t1 = time.monotonic()
        await prov.rooms_of(rooms)
        prov.save(state_file)
    t2 = time.monotonic()
    return {"users": len(uids), "users_s": round(t1 - t0, 2), "users_per_s": round(len(uids) / max(t1 - t0, 1e-9), 1),
            "rooms": len(rooms), "rooms_s": round(t2 - t1, 2)}
