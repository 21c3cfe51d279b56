"""One device's WebSocket session: its state machine, hello and authentication, and inbound frames.

The session is the conductor; each other job is a part it owns:
``outbound`` (the queue, direct push and gap repair), ``resume`` (snapshot,
subscribe, replay, ``synced``), ``acks`` (send replies per group commit) and
the frame registry (what each client frame does). States and transitions are
in ``state``. Everything a session needs from its node comes in one
``SessionServices``, built once by the gateway.

Two tasks of its own, both in its ``TaskSet`` and awaited in ``finish``: the
hello deadline, and the writer, which waits for hello, resumes, then delivers
live until the session closes. Handlers' async work joins the same set.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..bus.base import Envelope
from ..bus.envelopes import JOINED, LEFT
from ..domain.clock import Clock
from ..domain.errors import AxonError
from ..domain.model import Actor
from ..domain.ratelimit import Bucket, take
from ..protocol import client as f
from ..protocol.close_codes import CloseCode
from ..protocol.server import ServerFrame, encode_frame, error_frame
from .acks import ReplyBatch
from .hub import Hub
from .limits import SessionLimits
from .outbound import EventReads, Outbound
from .presence import ONLINE, PresenceTracker
from .registry import FrameContext, FrameRegistry
from .resume import Resume, ResumeReads
from .state import SessionState, State
from .tasks import TaskSet
from .transport import ConnectionClosed, Transport

log = logging.getLogger("axon.session")


class SessionReads(EventReads, ResumeReads, Protocol):
    """Every read a session makes (``axon.services.sync.Sync``)."""


@dataclass(frozen=True, slots=True)
class SessionServices:
    """What a node gives each of its sessions (built once by the gateway)."""

    node_id: str
    limits: SessionLimits
    clock: Clock
    authenticate: Callable[[str, str], Awaitable[Actor]]  # (token, client address)
    reads: SessionReads
    hub: Hub
    presence: PresenceTracker
    handlers: FrameRegistry
    on_finish: Callable[[Session], None]  # the node forgets the session (routing, presence, last seen)


class Session:
    # The outbound queue's methods, bound once: the hub calls them once per recipient of every event.
    push_event: Callable[[str, int, bytes], None]
    push_frame: Callable[[bytes], None]
    repair: Callable[[str, int], None]

    def __init__(self, transport: Transport, address: str, services: SessionServices) -> None:
        self.transport = transport
        self.address = address
        self._services = services
        self._state = SessionState()
        self.actor: Actor | None = None
        self.user_id = ""
        self.device_id = ""
        self.subscriptions: set[str] = set()  # conversations the hub routes to this session
        self.watched_users: set[str] = set()
        self.last_received = services.clock.monotonic()
        self.close_code: int | None = None
        self.outbound = Outbound(self._state, transport, services.reads, limit=services.limits.outbound_queue,
                                 on_overflow=self._overflowed)
        self.push_event = self.outbound.push_event
        self.push_frame = self.outbound.push_frame
        self.repair = self.outbound.repair
        self._replies = ReplyBatch(self.outbound.push_frames)
        self._tasks = TaskSet("axon-session")
        self._writer: asyncio.Task[None] | None = None
        self._deadline: asyncio.Task[None] | None = None
        self._hello: f.Hello | None = None
        self._ready = asyncio.Event()
        self._bucket: Bucket | None = None
        self._context: FrameContext | None = None

    @property
    def state(self) -> State:
        return self._state.current

    @property
    def positions(self) -> dict[str, int]:
        return self.outbound.positions

    # --- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        self._deadline = self._tasks.spawn(self._hello_deadline(), "hello-deadline")
        self._writer = self._tasks.spawn(self._write_loop(), "writer")

    async def finish(self) -> None:
        """Called when the socket is gone: stop the session's tasks, leave the node."""
        if self._state.current is not State.CLOSED:
            self._state.to(State.CLOSED)
        await self._tasks.close()
        self._services.on_finish(self)

    def close(self, code: int, reason: str = "") -> None:
        """Close from inside (revoked, slow, timed out); the socket's receive loop then ends."""
        if self._state.current is State.CLOSED:
            return
        self._state.to(State.CLOSED)
        self.close_code = code
        if code not in (CloseCode.NORMAL, CloseCode.RESTARTING):
            log.info("closing session of device %s: %s (%d)", self.device_id or "-", reason, code)
        self.outbound.clear()
        if self._writer is not None and self._writer is not asyncio.current_task():
            # The writer may be parked on a full socket (a slow consumer): stop it, so that
            # the close frame goes out right behind what is already buffered.
            self._writer.cancel()
        self._tasks.spawn(self.transport.close(code, reason), "close")

    def revoke(self, wipe: bool = False) -> None:
        if wipe:
            self.close(CloseCode.WIPE, "wipe ordered")
        else:
            self.close(CloseCode.REVOKED, "device revoked")

    def _overflowed(self) -> None:
        self.close(CloseCode.SLOW_CONSUMER, "slow consumer: reconnect and resume")

    async def _hello_deadline(self) -> None:
        await self._services.clock.sleep(self._services.limits.hello_timeout)
        if self._state.current is State.AWAITING_HELLO:
            await self.transport.write([encode_frame(error_frame("not_ready", "Send hello first."))])
            self.close(CloseCode.UNAUTHENTICATED, "no hello")

    # --- outbound (the hub routes here) ------------------------------------------

    def push_user_event(self, envelope: Envelope) -> None:
        # Routing changes at once, so that the conversation's next events are queued
        # behind this one; positions change when it is delivered, in order.
        if envelope.kind == JOINED:
            self._services.hub.subscribe(self, [envelope.conversation_id])
        elif envelope.kind == LEFT:
            self._services.hub.unsubscribe(self, envelope.conversation_id)
        self.outbound.push_user_event(envelope)

    def push(self, frame: ServerFrame) -> None:
        self.push_frame(encode_frame(frame))

    async def _write_loop(self) -> None:
        await self._ready.wait()
        assert self.actor is not None and self._hello is not None
        s = self._services
        resume = Resume(self, self.outbound, self.transport, reads=s.reads, hub=s.hub, limits=s.limits,
                        node_id=s.node_id)
        try:
            snapshot = await resume.subscribe(self.actor, self._hello)
            s.presence.set(self, ONLINE)
            await resume.replay(snapshot, self.device_id)
            if self._state.current is State.SYNCING:
                self._state.to(State.LIVE)
            await self.outbound.deliver_while_live()
        except asyncio.CancelledError:
            raise
        except ConnectionClosed:
            self.close(CloseCode.NORMAL)
        except Exception:
            log.exception("session writer failed")
            self.close(CloseCode.RESTARTING, "internal error")

    # --- inbound -------------------------------------------------------------------

    async def handle(self, data: bytes | str) -> None:
        s = self._services
        self.last_received = s.clock.monotonic()
        if self._state.current is State.CLOSED:
            return
        if len(data) > s.limits.max_frame_bytes:
            self._error("frame_too_large", f"Frames are limited to {s.limits.max_frame_bytes} bytes.")
            return
        try:
            frame = f.decode_client_frame(data)
        except f.FrameError as exc:
            if self._within_rate(exc.ref, exc.send_id):
                self._error(exc.code, exc.message, exc.ref, exc.send_id)
            if self._state.current is State.AWAITING_HELLO:
                self.close(CloseCode.UNAUTHENTICATED, "expected hello")
            return
        if not self._within_rate(getattr(frame, "ref", None), frame.id if isinstance(frame, f.Send) else None):
            return
        if self._state.current is State.AWAITING_HELLO:
            await self._on_hello(frame)
        else:
            self._dispatch(frame)

    def _dispatch(self, frame: f.Frame) -> None:
        handler = self._services.handlers.get(type(frame))
        if handler is not None:
            handler(self._context, frame)
        elif isinstance(frame, f.Hello):
            self._error("invalid_frame", "hello was already received.", frame.ref)
        else:  # decodable, but no module registered it
            self._error("unknown_frame", f"No handler for {type(frame).__name__} frames.", getattr(frame, "ref", None))

    def _within_rate(self, ref: str | None, send_id: str | None) -> bool:
        limits = self._services.limits
        decision = take(self._bucket, self._services.clock.monotonic(), limits.frame_rate, limits.frame_burst)
        self._bucket = decision.bucket
        if not decision.allowed:
            # The refused frame is named (send id or ref) so that the client can retry exactly it.
            self._error("rate_limited", "Too many frames; slow down.", ref, send_id,
                        details={"retry_after": math.ceil(decision.retry_after * 1000) / 1000})
        return decision.allowed

    def _error(self, code: str, message: str, ref: str | None = None, send_id: str | None = None,
               details: dict[str, Any] | None = None) -> None:
        frame = encode_frame(error_frame(code, message, ref, send_id, details))
        if self._state.current is State.AWAITING_HELLO:
            self._tasks.spawn(self.transport.write([frame]), "reply")
        else:
            self.push_frame(frame)

    async def _on_hello(self, frame: f.Frame) -> None:
        if not isinstance(frame, f.Hello):
            self._error("not_ready", "The first frame must be hello.", getattr(frame, "ref", None))
            self.close(CloseCode.UNAUTHENTICATED, "expected hello")
            return
        try:
            actor = await self._services.authenticate(frame.token, self.address)
        except AxonError as exc:
            await self.transport.write([encode_frame(error_frame(exc.code, exc.message, frame.ref))])
            if exc.code == "wipe_requested":
                self.close(CloseCode.WIPE, "wipe ordered")
            else:
                self.close(CloseCode.UNAUTHENTICATED, "not authenticated")
            return
        if self._state.current is State.CLOSED:  # the hello deadline passed while authenticating
            return
        if self._deadline is not None:
            self._deadline.cancel()
        self.actor, self.user_id, self.device_id = actor, actor.user_id, actor.device_id
        self.outbound.user_id = actor.user_id
        self._context = FrameContext(actor, self, reply=self.push, reply_soon=self._replies.add,
                                     follows=self.outbound.positions.__contains__, spawn=self._spawn_handler_task)
        self._hello = frame
        self._state.to(State.SYNCING)
        self._ready.set()

    def _spawn_handler_task(self, coro: Any) -> None:
        self._tasks.spawn(coro, "frame")
