"""Who is connected to this node, and routing of bus envelopes to their sessions.

Routing is synchronous and cheap: look up the sessions interested in the
envelope's key and append the (already encoded) frame to their outbound
queues. No per-recipient encoding, no awaiting.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ..bus.base import Envelope, Topic

if TYPE_CHECKING:
    from .session import Session


class Hub:
    def __init__(self) -> None:
        self.by_conversation: dict[str, set[Session]] = defaultdict(set)
        self.by_user: dict[str, set[Session]] = defaultdict(set)
        self.by_device: dict[str, set[Session]] = defaultdict(set)
        self.presence_watchers: dict[str, set[Session]] = defaultdict(set)
        # Counts dispatch calls: a resuming session compares it before and after it subscribes
        # to learn whether anything was routed while it could not yet receive it.
        self.dispatches = 0

    # --- membership of the routing tables ---------------------------------------

    def add(self, session: Session) -> None:
        self.by_user[session.user_id].add(session)
        self.by_device[session.device_id].add(session)

    def subscribe(self, session: Session, conversation_ids: list[str]) -> None:
        for conversation_id in conversation_ids:
            self.by_conversation[conversation_id].add(session)
            session.subscriptions.add(conversation_id)

    def unsubscribe(self, session: Session, conversation_id: str) -> None:
        _discard(self.by_conversation, conversation_id, session)
        session.subscriptions.discard(conversation_id)

    def watch_presence(self, session: Session, user_ids: list[str]) -> None:
        for user_id in session.watched_users:
            _discard(self.presence_watchers, user_id, session)
        session.watched_users = set(user_ids)
        for user_id in user_ids:
            self.presence_watchers[user_id].add(session)

    def remove(self, session: Session) -> None:
        for conversation_id in session.subscriptions:
            _discard(self.by_conversation, conversation_id, session)
        session.subscriptions.clear()
        for user_id in session.watched_users:
            _discard(self.presence_watchers, user_id, session)
        if session.user_id:
            _discard(self.by_user, session.user_id, session)
            _discard(self.by_device, session.device_id, session)

    def sessions(self) -> list[Session]:
        return [s for group in self.by_device.values() for s in group]

    def connection_count(self) -> int:
        return sum(len(group) for group in self.by_device.values())

    # --- routing ----------------------------------------------------------------

    def dispatch(self, envelopes: list[Envelope]) -> None:
        self.dispatches += 1
        for env in envelopes:
            topic = env.topic
            if topic == Topic.CONVERSATION:
                for session in tuple(self.by_conversation.get(env.key, ())):
                    session.push_event(env.key, env.seq, env.frame)
            elif topic == Topic.USER:
                for session in tuple(self.by_user.get(env.key, ())):
                    session.push_user_event(env)
            elif topic in (Topic.TYPING, Topic.RECEIPT):
                for session in tuple(self.by_conversation.get(env.key, ())):
                    if session.user_id != env.sender:
                        session.push_frame(env.frame)
            elif topic == Topic.PRESENCE:
                for session in tuple(self.presence_watchers.get(env.key, ())):
                    session.push_frame(env.frame)
            elif topic == Topic.DEVICE_REVOKED:
                for session in tuple(self.by_device.get(env.key, ())):
                    session.revoke()


def _discard(table: dict[str, set[Session]], key: str, session: Session) -> None:
    group = table.get(key)
    if group is not None:
        group.discard(session)
        if not group:
            del table[key]
