"""Reading the event logs: gap fill, the user stream, and what a resuming device missed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.events import ConversationEvent, UserEvent
from ..domain.model import Actor
from ..domain.sequence import ResumeWindow, plan_resume
from ..protocol.rest import Conversation, User
from ..store import accounts, streams
from ..store import conversations as convs
from ..store.database import Conn
from .conversations import summary_for
from .core import Core
from .org_settings import check_readable
from .views import conversation_view, user_view

Row = dict[str, Any]
PAGE = 500


@dataclass(frozen=True, slots=True)
class SessionStart:
    """What a connecting device needs before replay: who it is and where everything stands."""

    user: User
    user_seq: int
    conversations: list[Conversation]
    epoch: str


class Sync:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._epoch: str | None = None

    async def epoch(self) -> str:
        if self._epoch is None:
            self._epoch = await self.core.read(streams.epoch)
        return self._epoch

    async def session_start(self, actor: Actor) -> SessionStart:
        def load(conn: Conn) -> tuple[Row, list[Row]]:
            user = accounts.get_user(conn, actor.user_id)
            assert user is not None
            rows = convs.summaries(conn, actor.user_id)
            peers = convs.peers(conn, actor.user_id, [r["id"] for r in rows if r["kind"] == "direct"])
            return user, [conversation_view(r, peer_id=peers.get(r["id"])) for r in rows]

        user, conversations = await self.core.read(load)
        return SessionStart(user_view(user, private=True), int(user["stream_seq"]), conversations,
                            await self.epoch())

    async def conversation_events(self, actor: Actor, conversation_id: str, after: int, limit: int,
                                  before: int | None = None, types: tuple[str, ...] = ()) -> Row:
        """A page of the event log after ``after`` (and before ``before``; only ``types`` when given)."""
        def load(conn: Conn) -> Row:
            conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
            check_readable(conn, actor, conv, member)
            assert conv is not None
            end = conv.last_seq if before is None else min(conv.last_seq, before - 1)
            items = streams.conversation_events(conn, conversation_id, after, end, limit, types)
            more = len(items) == limit and items[-1].seq < end
            return {"items": items, "last_seq": conv.last_seq, "next_after_seq": items[-1].seq if more else None}

        return await self.core.read(load)

    async def user_events(self, actor: Actor, after: int, limit: int) -> list[UserEvent]:
        return await self.core.read(lambda c: streams.user_stream(c, actor.user_id, after, limit))

    async def missed_range(self, conversation_id: str, after: int, upto: int) -> list[ConversationEvent]:
        """Events ``after+1 .. upto`` for a connection that saw a jump (it is already authorised)."""
        return await self.core.read(
            lambda c: streams.conversation_events(c, conversation_id, after, upto, upto - after))

    def plan(self, conversation_id: str, client_seq: int, server_seq: int, limit: int) -> ResumeWindow | None:
        return plan_resume(conversation_id, client_seq, server_seq, limit)

    async def replay_page(self, conversation_id: str, after: int, upto: int) -> list[ConversationEvent]:
        return await self.core.read(
            lambda c: streams.conversation_events(c, conversation_id, after, upto, PAGE))

    async def user_page(self, user_id: str, after: int) -> list[UserEvent]:
        return await self.core.read(lambda c: streams.user_stream(c, user_id, after, PAGE))

    async def latest_seqs(self, conversation_ids: list[str]) -> dict[str, int]:
        """Each conversation's last committed seq (chunked IN lists)."""
        found: dict[str, int] = {}
        for start in range(0, len(conversation_ids), 500):
            chunk = conversation_ids[start : start + 500]
            found.update(await self.core.read(lambda c, ids=chunk: convs.positions(c, ids)))
        return found

    async def summary(self, user_id: str, conversation_id: str) -> Row:
        return await self.core.read(lambda c: summary_for(c, user_id, conversation_id))
