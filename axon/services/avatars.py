"""Avatars: upload (re-encoded by the server), remove, and read within the organisation."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

from ..domain.errors import NotFound
from ..domain.model import Actor
from ..protocol.rest import User
from ..store import accounts
from ..store import avatars as store
from ..store.database import Conn
from ..store.tx import Tx
from .avatar_image import CONTENT_TYPE, normalise_avatar
from .core import Core
from .views import user_view
from .visibility import can_see_user

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AvatarImage:
    data: bytes
    content_type: str
    etag: str


class Avatars:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def set(self, actor: Actor, upload: bytes) -> User:
        """Store the upload as the actor's avatar; everyone showing them hears of it after commit."""
        image = await asyncio.to_thread(normalise_avatar, upload)  # decoding is CPU work: off the loop
        etag = hashlib.sha256(image).hexdigest()[:32]

        def save(tx: Tx) -> Row:
            store.put(tx.conn, {"user_id": actor.user_id, "content_type": CONTENT_TYPE, "data": image,
                                "etag": etag, "updated_at": tx.now_ms})
            return self._changed(tx, actor, etag)

        return self._announce(actor, await self.core.write(save))

    async def remove(self, actor: Actor) -> User:
        def drop(tx: Tx) -> Row:
            store.remove(tx.conn, actor.user_id)
            return self._changed(tx, actor, None)

        return self._announce(actor, await self.core.write(drop))

    async def get(self, actor: Actor, user_id: str) -> AvatarImage:
        def load(conn: Conn) -> Row | None:
            user = accounts.get_user(conn, user_id)
            if not can_see_user(conn, actor, user):
                return None
            return store.get(conn, user_id)

        row = await self.core.read(load)
        if row is None:
            raise NotFound("No avatar for this user.")
        return AvatarImage(bytes(row["data"]), row["content_type"], row["etag"])

    def _changed(self, tx: Tx, actor: Actor, etag: str | None) -> Row:
        accounts.update_user(tx.conn, actor.user_id, {"avatar_etag": etag})
        row = accounts.get_user(tx.conn, actor.user_id)
        assert row is not None
        tx.user_event(actor.user_id, "profile.updated", {"user": user_view(row, private=True)})
        return row

    def _announce(self, actor: Actor, row: Row) -> User:
        self.core.signals.profile_changed(actor.user_id, user_view(row))
        return user_view(row, private=True)
