"""Resume: subscribe, read where everything stands, replay what the device missed, then ``synced``.

The session is routed live events *before* anything is replayed, so nothing
falls between replay and live: live events wait in the outbound queue and are
merged by seq at the switch-over (the queue drops what the replay already sent).

One window remains: events routed after the snapshot was read but before the
session subscribed reach nobody here. The hub counts its dispatches; if the
count moved during the snapshot read, the last seqs are read again after
subscribing and the difference is queued as repairs, sent right after ``synced``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..domain.events import ConversationEvent, UserEvent
from ..domain.model import Actor
from ..domain.sequence import ResumeWindow
from ..protocol import client as f
from ..protocol.server import (
    Synced,
    Welcome,
    conversation_batch,
    encode_frame,
    event_frame,
    user_batch,
    user_event_frame,
)
from ..services.sync import SessionStart
from .hub import Hub, Recipient
from .limits import SessionLimits
from .outbound import Outbound
from .transport import Transport

MAX_RESUME_LIMIT = 10_000


class ResumeReads(Protocol):
    """What resuming reads (``axon.services.sync.Sync`` provides it)."""

    async def session_start(self, actor: Actor) -> SessionStart: ...

    async def latest_seqs(self, conversation_ids: list[str]) -> dict[str, int]: ...

    def plan(self, conversation_id: str, client_seq: int, server_seq: int, limit: int) -> ResumeWindow | None: ...

    async def replay_page(self, conversation_id: str, after: int, upto: int | None) -> list[ConversationEvent]: ...

    async def user_page(self, user_id: str, after: int) -> list[UserEvent]: ...


@dataclass(frozen=True, slots=True)
class Snapshot:
    start: SessionStart
    replayed: frozenset[str]  # conversations whose missed events are replayed (those the device listed)
    limit: int  # events replayed per conversation at most


class Resume:
    def __init__(self, connection: Recipient, outbound: Outbound, transport: Transport, *, reads: ResumeReads,
                 hub: Hub, limits: SessionLimits, node_id: str) -> None:
        self._connection = connection
        self._out = outbound
        self._transport = transport
        self._reads = reads
        self._hub = hub
        self._limits = limits
        self._node_id = node_id

    async def subscribe(self, actor: Actor, hello: f.Hello) -> Snapshot:
        """Route live events here, read where everything stands, and take the device's positions."""
        out = self._out
        self._hub.add(self._connection)
        routed_before = self._hub.dispatches
        start = await self._reads.session_start(actor)
        same_history = hello.epoch in (None, start.epoch)
        client_convs = hello.convs if same_history else {}
        client_user_seq = hello.user_seq if same_history else None
        for conv in start.conversations:
            out.positions[conv.id] = min(client_convs.get(conv.id, conv.last_seq), conv.last_seq)
        self._hub.subscribe(self._connection, list(out.positions))
        if self._hub.dispatches != routed_before:
            # Events routed between the snapshot read and the subscription reached nobody here:
            # read where the conversations stand now, and have the rest sent at the switch-over.
            for conversation_id, last_seq in (await self._reads.latest_seqs(list(out.positions))).items():
                out.repair(conversation_id, last_seq)
        # 0 is a real position ("nothing applied yet": replay everything); None means no state at all.
        out.user_seq = start.user_seq if client_user_seq is None else min(max(client_user_seq, 0), start.user_seq)
        limit = max(1, min(hello.resume_limit or self._limits.resume_limit, MAX_RESUME_LIMIT))
        return Snapshot(start, frozenset(c for c in client_convs if c in out.positions), limit)

    async def replay(self, snapshot: Snapshot, device_id: str) -> None:
        """``welcome``, the missed user events, the missed events per conversation, then ``synced``."""
        start, out = snapshot.start, self._out
        await self._transport.write([encode_frame(self._welcome(start, device_id))])
        if out.user_seq < start.user_seq:
            # Only a resuming device is behind. Events after the snapshot reach this
            # session live (it was subscribed before the snapshot was read).
            await self._replay_user_events(start.user_seq)
        for conv in start.conversations:
            if conv.id in snapshot.replayed:
                await self._replay_conversation(conv.id, conv.last_seq, snapshot.limit)
        await self._transport.write([encode_frame(Synced(out.user_seq, out.positions))])

    def _welcome(self, start: SessionStart, device_id: str) -> Welcome:
        s = self._limits
        return Welcome(self._node_id, start.epoch, start.user, device_id, start.user_seq, s.heartbeat_interval,
                       s.heartbeat_timeout, s.max_text_bytes, start.conversations)

    async def _replay_user_events(self, snapshot_seq: int) -> None:
        out = self._out
        while True:
            page = await self._reads.user_page(out.user_id, out.user_seq)
            if not page:
                return
            await self._transport.write([user_batch([user_event_frame(e) for e in page])])
            for event in page:
                out.user_seq = event.seq
                if event.seq > snapshot_seq:
                    out.follow_stored_membership(event)

    async def _replay_conversation(self, conversation_id: str, last_seq: int, limit: int) -> None:
        applied = self._out.positions.get(conversation_id)
        if applied is None:
            return
        window = self._reads.plan(conversation_id, applied, last_seq, limit)
        if window is None:
            return
        after, truncated = window.after, window.truncated
        while True:
            page = await self._reads.replay_page(conversation_id, after, None)
            if not page:
                return
            frames = [event_frame(e) for e in page]
            await self._transport.write([conversation_batch(conversation_id, truncated, page[0].seq, frames)])
            after = page[-1].seq
            self._out.positions[conversation_id] = after
            truncated = False
