"""Compliance exports for admins: a conversation, or everything of one user, as one JSON document.

Streamed page by page (never built in memory), and recorded in the audit log (``export.conversation``,
``export.user``) before the first byte is sent. Deleted messages appear as their tombstones: what
was erased is not recoverable, by design. Messages list their files (name, size, type and SHA-256
of each attachment), not the contents: an admin fetches those separately if needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from ..domain import audit as actions
from ..domain import policy
from ..domain.clock import iso
from ..domain.errors import NotFound
from ..domain.model import Actor
from ..protocol.codec import encode
from ..store import accounts
from ..store import compliance as store
from ..store import conversations as convs
from ..store.database import Conn
from .core import Core
from .messages import with_reactions
from .views import conversation_view, device_view, user_view

PAGE = 500
Pager = Callable[[Conn, int], list[Any]]  # (connection, after seq) -> the next page of message rows


class ComplianceExport:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def conversation(self, actor: Actor, conversation_id: str) -> AsyncIterator[bytes]:
        """The conversation, its members and every message (with reactions), oldest first."""
        policy.check_can_export(actor)

        def head(conn: Conn) -> dict[str, Any]:
            row = convs.get_row(conn, conversation_id)
            if row is None or not policy.visible_in_org(actor, row["org_id"]):
                raise NotFound("Conversation not found.")
            members = [{"user_id": m["user_id"], "role": m["role"], "joined_seq": m["joined_seq"]}
                       for m in convs.list_members(conn, conversation_id)]
            return {"conversation": conversation_view(row), "members": members}

        document = await self.core.read(head)
        await self.core.record_audit(self.core.audit.event(actor, actions.EXPORT_CONVERSATION, "conversation",
                                                           conversation_id))
        pages = [lambda c, after: store.messages_after(c, conversation_id, after, PAGE)]
        return self._stream(self._preamble(actor, document), pages)

    async def user(self, actor: Actor, user_id: str) -> AsyncIterator[bytes]:
        """The user's profile, devices and every message they sent, conversation by conversation."""
        policy.check_can_export(actor)

        def head(conn: Conn) -> tuple[dict[str, Any], list[str]]:
            row = accounts.get_user(conn, user_id)
            if row is None or not policy.visible_in_org(actor, row["org_id"]):
                raise NotFound("User not found.")
            devices = [device_view(d) for d in accounts.list_devices(conn, user_id)]
            return {"user": user_view(row, private=True), "devices": devices}, store.conversations_written_in(
                conn, user_id)

        document, conversation_ids = await self.core.read(head)
        await self.core.record_audit(self.core.audit.event(actor, actions.EXPORT_USER, "user", user_id,
                                                           conversations=len(conversation_ids)))
        pages = [lambda c, after, cid=cid: store.messages_after(c, cid, after, PAGE, sender_id=user_id)
                 for cid in conversation_ids]
        return self._stream(self._preamble(actor, document), pages)

    def _preamble(self, actor: Actor, document: dict[str, Any]) -> bytes:
        head = {"exported_at": iso(self.core.clock.now_ms()), "exported_by": actor.user_id, **document}
        return encode(head)[:-1] + b',"messages":['  # the object stays open for the streamed messages

    async def _stream(self, preamble: bytes, pagers: list[Pager]) -> AsyncIterator[bytes]:
        yield preamble
        first = True
        for pager in pagers:
            after = 0
            while True:
                rows = await self.core.read(lambda c, a=after, p=pager: with_reactions(c, p(c, a), with_hashes=True))
                if not rows:
                    break
                chunk = b",".join(encode(r) for r in rows)
                yield chunk if first else b"," + chunk
                first = False
                after = rows[-1].seq
                if len(rows) < PAGE:
                    break
        yield b"]}\n"
