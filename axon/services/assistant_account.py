"""Each organisation's @axon: the account the assistant answers as, and the direct conversation it
answers each person in.

Contract:
- Every organisation has exactly one account of kind ``assistant`` (``domain.model.UserKind``): made
  in the write that creates the organisation's first admin (``People.create_org``) and, for
  organisations from before the assistant, by the start-up step ``ensure_assistants`` (idempotent;
  two nodes starting at once make one: the username is unique per organisation and the choice of
  username is the same on every node). Its username is ``axon`` unless a person already has it
  (then ``axon-assistant``, then ``axon-assistant-2``…); its display name is "Axon".
- It never signs in (its password hash is no Argon2 hash: every password is wrong), joins no
  channel by itself, and is listed in the directory like anyone, so people find it, DM it and
  @-mention it.
- ``dm_in(tx, org_id, user_id)`` is the one direct conversation between the person and @axon,
  created in the caller's write on first use (the same conversation ``POST /conversations/direct``
  opens, so both ends see one DM).
"""

from __future__ import annotations

import contextlib
from typing import Any

from ..domain.ids import new_id
from ..domain.model import Actor, OrgRole, UserKind
from ..domain.names import search_key
from ..store import accounts
from ..store.database import Conn
from ..store.errors import DuplicateKey
from ..store.tx import Tx
from .conversations import direct_in
from .core import Core

Row = dict[str, Any]
DISPLAY_NAME = "Axon"
USERNAMES = ("axon", "axon-assistant")
NO_PASSWORD = "!"  # not an Argon2 hash: verification fails for every password
DEVICE_ID = "assistant"  # the device its messages name (it has no session and no device row)


def username_choices() -> list[str]:
    return [*USERNAMES, *(f"axon-assistant-{n}" for n in range(2, 100))]


def ensure_in(tx: Tx, org_id: str) -> str:
    """The organisation's assistant's id, created in this write if it has none."""
    found = accounts.assistant_of(tx.conn, org_id)
    if found is not None:
        return found
    username = next(u for u in username_choices() if accounts.get_user_by_username(tx.conn, org_id, u) is None)
    user_id = new_id("user", tx.now_ms)
    accounts.insert_user(tx.conn, {
        "id": user_id, "org_id": org_id, "username": username, "email": None, "display_name": DISPLAY_NAME,
        "title": "", "timezone": "UTC", "locale": "en", "status_text": "", "org_role": OrgRole.MEMBER.value,
        "disabled": False, "read_receipts": False, "password_hash": NO_PASSWORD, "stream_seq": 0,
        "created_at": tx.now_ms, "search_key": search_key(DISPLAY_NAME, username), "kind": UserKind.ASSISTANT.value})
    return user_id


def actor_of(assistant_id: str, org_id: str) -> Actor:
    return Actor(assistant_id, org_id, DEVICE_ID, OrgRole.MEMBER)


def dm_in(tx: Tx, org_id: str, assistant_id: str, user_id: str) -> str:
    """The direct conversation between ``user_id`` and the assistant, created in this write if needed."""
    return direct_in(tx, org_id, assistant_id, user_id)


class AssistantAccounts:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._ids: dict[str, str] = {}  # org id → its assistant's id (never changes once made)

    async def id_of(self, org_id: str) -> str | None:
        if org_id not in self._ids:
            found = await self.core.read(lambda c: accounts.assistant_of(c, org_id))
            if found is None:
                return None
            self._ids[org_id] = found
        return self._ids[org_id]

    def known_id_of(self, conn: Conn, org_id: str) -> str | None:
        """As ``id_of``, inside a read the caller holds."""
        if org_id not in self._ids:
            found = accounts.assistant_of(conn, org_id)
            if found is None:
                return None
            self._ids[org_id] = found
        return self._ids[org_id]

    async def ensure_assistants(self) -> None:
        """Start-up step, idempotent: every organisation without an assistant gets one."""
        for org_id in await self.core.read(accounts.orgs_without_assistant):
            def ensure(tx: Tx, org: str = org_id) -> str:
                return ensure_in(tx, org)

            with contextlib.suppress(DuplicateKey):  # another node made it a moment ago (same username)
                await self.core.write(ensure)
