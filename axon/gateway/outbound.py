"""What a session sends: one bounded queue, one writer, and per-conversation order with repair.

Every frame goes out through here. The common case is written synchronously
(``push_event``: a live session, nothing queued, the writer idle, room in the
socket); anything else waits in the queue, which the session's writer task
drains, coalescing ready frames into one socket write. For each conversation
the last seq sent is kept: a duplicate is dropped and, on a jump, the missing
events are read from the database and sent first (``axon.domain.sequence``).
The user stream is kept gap-free the same way, and its membership events move
the per-conversation positions when they are delivered, in order.

Queue items are ``(conversation id, seq, frame)`` for conversation events (an
empty frame is a repair marker: read up to seq), ``(USER_STREAM, user seq,
envelope)`` for user events and ``("", 0, frame)`` for everything else.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from ..bus.base import Envelope
from ..bus.envelopes import JOINED, LEFT, membership_change
from ..domain.events import ConversationEvent, UserEvent
from ..domain.sequence import Arrival, classify
from ..protocol.codec import decode
from ..protocol.server import event_frame, user_event_frame
from .state import SessionState, State
from .transport import Transport

USER_STREAM = "\x00user"
MEMBER_LEFT = "member.left"  # the conversation event of a removal (its data names the member)
COALESCE = 256  # frames per socket write when draining a backlog
_LIVE = State.LIVE  # a module global: one lookup less on the hot path


class EventReads(Protocol):
    """The reads gap repair needs (``axon.services.sync.Sync`` provides them)."""

    async def missed_range(self, conversation_id: str, after: int, upto: int) -> list[ConversationEvent]: ...

    async def user_page(self, user_id: str, after: int) -> list[UserEvent]: ...


class Outbound:
    __slots__ = ("_state", "_transport", "_events", "_limit", "_on_overflow", "_queue", "_wake", "_busy",
                 "positions", "user_seq", "user_id")

    def __init__(self, state: SessionState, transport: Transport, events: EventReads, *, limit: int,
                 on_overflow: Callable[[], None]) -> None:
        self._state = state
        self._transport = transport
        self._events = events
        self._limit = limit
        self._on_overflow = on_overflow
        self._queue: deque[tuple[str, int, Any]] = deque()
        self._wake = asyncio.Event()
        self._busy = True  # the writer task is delivering: a direct write would overtake it
        self.positions: dict[str, int] = {}  # last seq sent, per conversation followed
        self.user_seq = 0  # last user event sent
        self.user_id = ""

    # --- queueing (synchronous: called by the hub while it routes) ---------------

    def push_event(self, conversation_id: str, seq: int, frame: bytes) -> None:
        # Runs once per recipient of every event: kept free of helper calls and allocations.
        if self._state.current is _LIVE and not self._queue and not self._busy:
            applied = self.positions.get(conversation_id)
            if applied is None:
                return
            if seq == applied + 1 and self._transport.write_one(frame):
                self.positions[conversation_id] = seq
                return
            if seq <= applied:
                return
        self._enqueue((conversation_id, seq, frame))

    def push_frame(self, frame: bytes) -> None:
        if self.direct and self._transport.write_one(frame):
            return
        self._enqueue(("", 0, frame))

    def push_frames(self, frames: list[bytes]) -> None:
        """Several frames, written together when they can go at once."""
        if self.direct and self._transport.write_now(frames):
            return
        for frame in frames:
            self._enqueue(("", 0, frame))

    def push_user_event(self, envelope: Envelope) -> None:
        self._enqueue((USER_STREAM, envelope.seq, envelope))

    def repair(self, conversation_id: str, last_seq: int) -> None:
        """The database has events up to ``last_seq`` that were never handed to this session
        (a bus message was lost, or routed before it subscribed): queue a read of them."""
        applied = self.positions.get(conversation_id)
        if applied is not None and last_seq > applied:
            self._enqueue((conversation_id, last_seq, b""))

    def clear(self) -> None:
        self._queue.clear()

    @property
    def direct(self) -> bool:
        """May a frame be written right now, bypassing the queue, without reordering anything?"""
        return self._state.current is _LIVE and not self._queue and not self._busy

    @property
    def queued(self) -> int:
        return len(self._queue)

    def _enqueue(self, item: tuple[str, int, Any]) -> None:
        if self._state.current is State.CLOSED:
            return
        if len(self._queue) >= self._limit:
            self._on_overflow()
            return
        self._queue.append(item)
        self._wake.set()

    # --- membership (positions move when a membership user event is delivered) ------

    def follow_membership(self, kind: str, conversation_id: str, conversation_seq: int) -> None:
        if kind == JOINED:
            self.positions.setdefault(conversation_id, conversation_seq)
        elif kind == LEFT:
            self.positions.pop(conversation_id, None)

    def follow_stored_membership(self, event: UserEvent) -> None:
        if event.type in (JOINED, LEFT):
            self.follow_membership(event.type, *membership_change(event))

    # --- the writer (one task per session: the only one that awaits the socket) ------

    async def deliver_while_live(self) -> None:
        """Drain the queue whenever something arrives, until the session leaves LIVE."""
        while self._state.current is _LIVE:
            if not self._queue:
                self._busy = False
                self._wake.clear()
                await self._wake.wait()
                self._busy = True
                continue
            await self.drain()

    async def drain(self) -> None:
        """Deliver everything queued, coalescing consecutive ready frames into one socket write."""
        out: list[bytes] = []
        while self._queue and self._state.current is _LIVE:
            key, seq, payload = self._queue.popleft()
            if not key:
                out.append(payload)
            elif key == USER_STREAM:
                out = await self._flush(out)
                await self._deliver_user(payload)
            else:
                applied = self.positions.get(key)
                if applied is None or seq <= applied:
                    continue  # not a member any more, or a duplicate
                if not payload:  # a repair marker: read up to seq itself
                    out = await self._flush(out)
                    out += await self._missed(key, applied, seq)
                    continue
                if seq > applied + 1:  # a gap: read what is missing first
                    out = await self._flush(out)
                    out += await self._missed(key, applied, seq - 1)
                    if key not in self.positions:
                        continue  # the gap held this user's removal: what follows is not theirs
                out.append(payload)
                self.positions[key] = seq
            if len(out) >= COALESCE:
                out = await self._flush(out)
        await self._flush(out)

    async def _missed(self, conversation_id: str, applied: int, upto: int) -> list[bytes]:
        """The stored events after ``applied`` up to ``upto``, ending at this user's removal if it is among them.

        Events from several nodes may arrive out of order (or the removal's may be lost): a later
        event can reach a session before the bus brings its user's ``conversation.left``. The
        stored ``member.left`` decides, so membership is applied as of each event's seq.
        """
        missed = await self._events.missed_range(conversation_id, applied, upto)
        for i, event in enumerate(missed):
            if event.type == MEMBER_LEFT and decode(event.data_json).get("user_id") == self.user_id:
                self.positions.pop(conversation_id, None)
                return [event_frame(e) for e in missed[: i + 1]]
        if missed:
            self.positions[conversation_id] = missed[-1].seq
        return [event_frame(e) for e in missed]

    async def _flush(self, frames: list[bytes]) -> list[bytes]:
        if frames:
            await self._transport.write(frames)
        return []

    async def _deliver_user(self, envelope: Envelope) -> None:
        seq = envelope.seq
        arrival = classify(self.user_seq, seq)
        if arrival is Arrival.DUPLICATE:
            return
        if arrival is Arrival.GAP:
            for event in await self._events.user_page(self.user_id, self.user_seq):
                if event.seq < seq:
                    await self._transport.write([user_event_frame(event)])
                    self.follow_stored_membership(event)
        await self._transport.write([envelope.frame])
        self.user_seq = seq
        self.follow_membership(envelope.kind, envelope.conversation_id, envelope.conversation_seq)
