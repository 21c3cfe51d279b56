"""Who is connected to this node, and routing of bus envelopes to their sessions.

Routing is synchronous and cheap: look up the sessions interested in the
envelope's key and append the (already encoded) frame to their outbound
queues. No per-recipient encoding, no awaiting.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from ..bus.base import WIPE_ORDER, Envelope, Topic


class Recipient(Protocol):
    """A connection as the routing tables know it (``session.Session``)."""

    user_id: str
    last_received: float  # clock.monotonic() of its last frame (heartbeats)
    device_id: str
    subscriptions: set[str]  # conversations routed to it
    watched_users: set[str]  # users whose presence it follows

    def push_event(self, conversation_id: str, seq: int, frame: bytes) -> None: ...

    def push_user_event(self, envelope: Envelope) -> None: ...

    def push_frame(self, frame: bytes) -> None: ...

    def revoke(self, wipe: bool = False) -> None: ...

    def close(self, code: int, reason: str = "") -> None: ...

    def repair(self, conversation_id: str, last_seq: int) -> None: ...


class Hub:
    def __init__(self) -> None:
        self.by_conversation: dict[str, set[Recipient]] = defaultdict(set)
        self.by_user: dict[str, set[Recipient]] = defaultdict(set)
        self.by_device: dict[str, set[Recipient]] = defaultdict(set)
        self.presence_watchers: dict[str, set[Recipient]] = defaultdict(set)
        # Counts dispatch calls: a resuming session compares it before and after it subscribes
        # to learn whether anything was routed while it could not yet receive it.
        self.dispatches = 0

    # --- membership of the routing tables ---------------------------------------

    def add(self, session: Recipient) -> None:
        self.by_user[session.user_id].add(session)
        self.by_device[session.device_id].add(session)

    def subscribe(self, session: Recipient, conversation_ids: list[str]) -> None:
        for conversation_id in conversation_ids:
            self.by_conversation[conversation_id].add(session)
            session.subscriptions.add(conversation_id)

    def unsubscribe(self, session: Recipient, conversation_id: str) -> None:
        _discard(self.by_conversation, conversation_id, session)
        session.subscriptions.discard(conversation_id)

    def watch_presence(self, session: Recipient, user_ids: list[str]) -> None:
        for user_id in session.watched_users:
            _discard(self.presence_watchers, user_id, session)
        session.watched_users = set(user_ids)
        for user_id in user_ids:
            self.presence_watchers[user_id].add(session)

    def remove(self, session: Recipient) -> None:
        for conversation_id in session.subscriptions:
            _discard(self.by_conversation, conversation_id, session)
        session.subscriptions.clear()
        for user_id in session.watched_users:
            _discard(self.presence_watchers, user_id, session)
        if session.user_id:
            _discard(self.by_user, session.user_id, session)
            _discard(self.by_device, session.device_id, session)

    def sessions(self) -> list[Recipient]:
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
                    session.revoke(wipe=env.frame == WIPE_ORDER)


def _discard(table: dict[str, set[Recipient]], key: str, session: Recipient) -> None:
    group = table.get(key)
    if group is not None:
        group.discard(session)
        if not group:
            del table[key]
