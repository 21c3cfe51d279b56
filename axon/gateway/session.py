"""One device's WebSocket session: handshake, resume, live delivery, inbound frames.

States (checked transitions)::

    AWAITING_HELLO ──hello ok──▶ SYNCING ──replay done──▶ LIVE
          │                         │                       │
          └──────────────┬──────────┴───────────────────────┘
                         ▼
                       CLOSED

Outbound frames go through one bounded queue drained by the session's writer
task, which is the only place that writes to the socket. For each
conversation the writer keeps the last seq it sent: it drops duplicates and,
on a jump, reads the missing events from the database before sending on (see
``axon.domain.sequence``). Live events are queued from the moment the session
subscribes, *before* the replay is read, so nothing falls between the two.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from enum import Enum
from typing import TYPE_CHECKING, Any

from ..bus.base import Envelope
from ..domain.errors import AxonError
from ..domain.events import ConversationEvent
from ..domain.model import Actor
from ..domain.ratelimit import Bucket, take
from ..domain.sequence import Arrival, classify
from ..protocol import frames as f
from ..protocol.close_codes import CloseCode
from ..protocol.codec import decode, encode
from ..protocol.events import conversation_event_frame, join_frames, user_event_frame
from .transport import ConnectionClosed, Transport

if TYPE_CHECKING:
    from .gateway import Gateway

log = logging.getLogger("axon.session")


class State(Enum):
    AWAITING_HELLO = "awaiting_hello"
    SYNCING = "syncing"
    LIVE = "live"
    CLOSED = "closed"


_ALLOWED = {
    State.AWAITING_HELLO: {State.SYNCING, State.CLOSED},
    State.SYNCING: {State.LIVE, State.CLOSED},
    State.LIVE: {State.CLOSED},
    State.CLOSED: set(),
}

# Outbound queue items: (conversation id, seq, frame) for conversation events,
# ("", user seq, frame) for user events, ("", 0, frame) for everything else.
_Item = tuple[str, int, bytes]
_USER = "\x00user"
_SEND_ERRORS = (AxonError,)


class Session:
    def __init__(self, gateway: Gateway, transport: Transport, address: str) -> None:
        self.gw = gateway
        self.transport = transport
        self.address = address
        self.state = State.AWAITING_HELLO
        self.actor: Actor | None = None
        self.user_id = ""
        self.device_id = ""
        self.positions: dict[str, int] = {}  # last seq sent, per conversation
        self.subscriptions: set[str] = set()  # conversations the hub routes to this session
        self.user_seq = 0
        self.watched_users: set[str] = set()
        self.last_received = gateway.clock.monotonic()
        self._hello: f.Hello | None = None
        self._ready = asyncio.Event()
        self._queue: deque[_Item] = deque()
        self._replies: list[bytes] = []  # send acks/errors of the current commit, written together
        self._wake = asyncio.Event()
        self._bucket: Bucket | None = None
        self._typing_sent: dict[str, float] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writer: asyncio.Task[None] | None = None
        self._busy = False  # the writer task is delivering: direct writes would overtake it
        self.close_code: int | None = None

    def _transition(self, new: State) -> None:
        if new not in _ALLOWED[self.state]:
            raise RuntimeError(f"session cannot go from {self.state.value} to {new.value}")
        self.state = new

    # --- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_loop(), name="axon-session-writer")

    async def finish(self) -> None:
        """Called when the socket is gone: stop tasks, leave the hub and presence."""
        if self.state is not State.CLOSED:
            self._transition(State.CLOSED)
        tasks = [*self._tasks, *([self._writer] if self._writer else [])]
        for task in tasks:
            task.cancel()
        # Their outcome no longer matters: the socket is gone. Failures were logged where they happened.
        await asyncio.gather(*tasks, return_exceptions=True)
        self.gw.detach(self)

    def close(self, code: int, reason: str = "") -> None:
        """Close from inside (revoked, slow, timed out); the socket's receive loop then ends."""
        if self.state is State.CLOSED:
            return
        self._transition(State.CLOSED)
        self.close_code = code
        if code not in (CloseCode.NORMAL, CloseCode.RESTARTING):
            log.info("closing session of device %s: %s (%d)", self.device_id or "-", reason, code)
        self._queue.clear()
        if self._writer is not None and self._writer is not asyncio.current_task():
            # The writer may be parked on a full socket (a slow consumer): stop it, so that
            # the close frame goes out right behind what is already buffered.
            self._writer.cancel()
        self._spawn(self.transport.close(code, reason))

    def revoke(self) -> None:
        self.close(CloseCode.REVOKED, "device revoked")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- outbound --------------------------------------------------------------

    def _enqueue(self, item: _Item) -> None:
        if self.state is State.CLOSED:
            return
        if len(self._queue) >= self.gw.settings.outbound_queue:
            self.close(CloseCode.SLOW_CONSUMER, "slow consumer: reconnect and resume")
            return
        self._queue.append(item)
        self._wake.set()

    def _direct(self) -> bool:
        """May a frame be written right now, bypassing the queue, without reordering anything?"""
        return self.state is State.LIVE and not self._queue and not self._busy

    def push_event(self, conversation_id: str, seq: int, frame: bytes) -> None:
        # The common case: the next event of a conversation for a live, idle
        # session with room in its socket is written synchronously, no task switch.
        # (Runs once per recipient of every event: kept free of helper calls.)
        if self.state is State.LIVE and not self._queue and not self._busy:
            applied = self.positions.get(conversation_id)
            if applied is None:
                return
            if seq == applied + 1 and self.transport.write_one(frame):
                self.positions[conversation_id] = seq
                return
            if seq <= applied:
                return
        self._enqueue((conversation_id, seq, frame))

    def repair(self, conversation_id: str, last_seq: int) -> None:
        """The database has events up to ``last_seq`` that this session was never handed
        (a bus message was lost): queue a read of them."""
        applied = self.positions.get(conversation_id)
        if applied is not None and last_seq > applied:
            self._enqueue((conversation_id, last_seq, b""))

    def push_user_event(self, env: Envelope) -> None:
        # Routing changes at once, so that the conversation's next events are
        # queued behind this one; positions change when it is delivered, in order.
        if env.kind == "conversation.joined":
            self.gw.hub.subscribe(self, [decode(env.frame)["data"]["conversation"]["id"]])
        elif env.kind == "conversation.left":
            self.gw.hub.unsubscribe(self, decode(env.frame)["data"]["conversation_id"])
        self._enqueue((_USER, env.seq, env.frame))

    def push_frame(self, frame: bytes) -> None:
        if self._direct() and self.transport.write_one(frame):
            return
        self._enqueue(("", 0, frame))

    def push(self, obj: dict[str, Any]) -> None:
        self.push_frame(encode(obj))

    async def _write_loop(self) -> None:
        try:
            await asyncio.wait_for(self._ready.wait(), self.gw.settings.hello_timeout)
        except TimeoutError:
            await self.transport.write([encode(f.error_frame("not_ready", "Send hello first."))])
            self.close(CloseCode.UNAUTHENTICATED, "no hello")
            return
        try:
            self._busy = True
            await self._resume()
            if self.state is State.SYNCING:
                self._transition(State.LIVE)
            while self.state is State.LIVE:
                if not self._queue:
                    self._busy = False
                    self._wake.clear()
                    await self._wake.wait()
                    self._busy = True
                    continue
                await self._drain()
        except asyncio.CancelledError:
            raise
        except ConnectionClosed:
            self.close(CloseCode.NORMAL)
        except Exception:
            log.exception("session writer failed")
            self.close(CloseCode.RESTARTING, "internal error")

    async def _drain(self) -> None:
        """Deliver everything queued, coalescing consecutive ready frames into one socket write."""
        out: list[bytes] = []
        while self._queue and self.state is State.LIVE:
            key, seq, frame = self._queue.popleft()
            if not key:
                out.append(frame)
            elif key == _USER:
                out = await self._flush(out)
                await self._deliver_user(seq, frame)
            else:
                applied = self.positions.get(key)
                if applied is None or seq <= applied:
                    continue  # not a member any more, or a duplicate
                if not frame:  # a repair marker (see ``repair``): read up to seq itself
                    out = await self._flush(out)
                    missed = await self.gw.sync.missed_range(key, applied, seq)
                    out += [conversation_event_frame(e) for e in missed]
                    self.positions[key] = missed[-1].seq if missed else applied
                    continue
                if seq > applied + 1:  # a gap: read what is missing first
                    out = await self._flush(out)
                    out += [conversation_event_frame(e) for e in await self.gw.sync.missed_range(key, applied, seq - 1)]
                out.append(frame)
                self.positions[key] = seq
            if len(out) >= 256:
                out = await self._flush(out)
        await self._flush(out)

    async def _flush(self, frames: list[bytes]) -> list[bytes]:
        if frames:
            await self.transport.write(frames)
        return []

    async def _deliver_user(self, seq: int, frame: bytes) -> None:
        arrival = classify(self.user_seq, seq)
        if arrival is Arrival.DUPLICATE:
            return
        if arrival is Arrival.GAP:
            for event in await self.gw.sync.user_page(self.user_id, self.user_seq):
                if event.seq < seq:
                    await self.transport.write([user_event_frame(event)])
                    self._user_event_effect(event.type, event.data_json)
        await self.transport.write([frame])
        self.user_seq = seq
        if b'"type":"conversation.' in frame:
            message = decode(frame)
            self._user_event_effect(message["type"], message["data"])

    def _user_event_effect(self, type_: str, data: str | dict[str, Any]) -> None:
        """Track membership changes that happened after this session's starting snapshot."""
        if type_ not in ("conversation.joined", "conversation.left"):
            return
        body = decode(data) if isinstance(data, str) else data
        if type_ == "conversation.joined":
            summary = body["conversation"]
            self.positions.setdefault(summary["id"], int(summary["last_seq"]))
        else:
            self.positions.pop(body["conversation_id"], None)

    # --- resume ------------------------------------------------------------------

    async def _resume(self) -> None:
        hello = self._hello
        assert hello is not None and self.actor is not None
        self.gw.attach(self)
        routed_before = self.gw.hub.dispatches
        start = await self.gw.sync.session_start(self.actor)
        same_history = hello.epoch in (None, start.epoch)
        client_convs = hello.convs if same_history else {}
        client_user_seq = hello.user_seq if same_history else None
        for conv in start.conversations:
            self.positions[conv["id"]] = min(client_convs.get(conv["id"], conv["last_seq"]), conv["last_seq"])
        self.gw.hub.subscribe(self, list(self.positions))
        if self.gw.hub.dispatches != routed_before:
            # Events routed between the snapshot read and the subscription reached nobody here:
            # read where the conversations stand now, and have the rest sent at the switch-over.
            for conversation_id, last_seq in (await self.gw.sync.latest_seqs(list(self.positions))).items():
                self.repair(conversation_id, last_seq)
        # 0 is a real position ("nothing applied yet": replay everything); None means no state at all.
        self.user_seq = start.user_seq if client_user_seq is None else min(max(client_user_seq, 0), start.user_seq)
        self.gw.presence.set(self, "online")
        await self.transport.write([encode(self._welcome(start))])
        if self.user_seq < start.user_seq:
            # Only a resuming device is behind. Events after the snapshot reach this
            # session live (it was attached before the snapshot was read).
            await self._replay_user_events(start.user_seq)
        limit = max(1, min(hello.resume_limit or self.gw.settings.resume_limit, 10_000))
        for conv in start.conversations:
            if conv["id"] in client_convs:
                await self._replay_conversation(conv["id"], conv["last_seq"], limit)
        await self.transport.write([encode({"t": "synced", "user_seq": self.user_seq, "convs": self.positions})])

    def _welcome(self, start: Any) -> dict[str, Any]:
        s = self.gw.settings
        return {"t": "welcome", "session": self.gw.node_id, "epoch": start.epoch, "user": start.user,
                "device_id": self.device_id, "user_seq": start.user_seq,
                "heartbeat_interval": s.heartbeat_interval, "heartbeat_timeout": s.heartbeat_timeout,
                "max_text_bytes": s.max_text_bytes, "conversations": start.conversations}

    async def _replay_user_events(self, snapshot_seq: int) -> None:
        while True:
            page = await self.gw.sync.user_page(self.user_id, self.user_seq)
            if not page:
                return
            await self.transport.write([join_frames(b'{"t":"batch","user_events":[',
                                                    [user_event_frame(e) for e in page], b"]}")])
            for event in page:
                self.user_seq = event.seq
                if event.seq > snapshot_seq:
                    self._user_event_effect(event.type, event.data_json)

    async def _replay_conversation(self, conversation_id: str, last_seq: int, limit: int) -> None:
        applied = self.positions.get(conversation_id)
        if applied is None:
            return
        window = self.gw.sync.plan(conversation_id, applied, last_seq, limit)
        if window is None:
            return
        after, truncated = window.after, window.truncated
        while True:
            page: list[ConversationEvent] = await self.gw.sync.replay_page(conversation_id, after, None)
            if not page:
                return
            head = encode({"t": "batch", "conv": conversation_id, "truncated": truncated, "from_seq": page[0].seq})
            await self.transport.write([join_frames(head[:-1] + b',"events":[',
                                                    [conversation_event_frame(e) for e in page], b"]}")])
            after = page[-1].seq
            self.positions[conversation_id] = after
            truncated = False

    # --- inbound -------------------------------------------------------------------

    async def handle(self, data: bytes | str) -> None:
        self.last_received = self.gw.clock.monotonic()
        if self.state is State.CLOSED:
            return
        if len(data) > self.gw.settings.max_frame_bytes:
            self._error("frame_too_large", f"Frames are limited to {self.gw.settings.max_frame_bytes} bytes.")
            return
        try:
            frame = f.decode_client_frame(data)
        except f.FrameError as exc:
            if self._within_rate(exc.ref, exc.send_id):
                self._error(exc.code, exc.message, exc.ref, exc.send_id)
            if self.state is State.AWAITING_HELLO:
                self.close(CloseCode.UNAUTHENTICATED, "expected hello")
            return
        if not self._within_rate(getattr(frame, "ref", None), frame.id if isinstance(frame, f.Send) else None):
            return
        if self.state is State.AWAITING_HELLO:
            await self._on_hello(frame)
            return
        handler = self._HANDLERS.get(type(frame))
        if handler is None:  # a second hello
            self._error("invalid_frame", "hello was already received.", getattr(frame, "ref", None))
            return
        handler(self, frame)

    def _within_rate(self, ref: str | None, send_id: str | None) -> bool:
        s = self.gw.settings
        decision = take(self._bucket, self.gw.clock.monotonic(), s.frame_rate, s.frame_burst)
        self._bucket = decision.bucket
        if not decision.allowed:
            # The refused frame is named (send id or ref) so that the client can retry exactly it.
            self._error("rate_limited", "Too many frames; slow down.", ref, send_id,
                        details={"retry_after": math.ceil(decision.retry_after * 1000) / 1000})
        return decision.allowed

    def _error(self, code: str, message: str, ref: str | None = None, send_id: str | None = None,
               details: dict[str, Any] | None = None) -> None:
        frame = encode(f.error_frame(code, message, ref, send_id, details))
        if self.state is State.AWAITING_HELLO:
            self._spawn(self.transport.write([frame]))
        else:
            self.push_frame(frame)

    async def _on_hello(self, frame: f.Frame) -> None:
        if not isinstance(frame, f.Hello):
            self._error("not_ready", "The first frame must be hello.", getattr(frame, "ref", None))
            self.close(CloseCode.UNAUTHENTICATED, "expected hello")
            return
        try:
            actor = await self.gw.auth.authenticate(frame.token)
        except AxonError as exc:
            await self.transport.write([encode(f.error_frame(exc.code, exc.message, frame.ref))])
            self.close(CloseCode.UNAUTHENTICATED, "not authenticated")
            return
        self.actor, self.user_id, self.device_id = actor, actor.user_id, actor.device_id
        self._hello = frame
        self._transition(State.SYNCING)
        self._ready.set()

    def _on_send(self, frame: f.Send) -> None:
        assert self.actor is not None
        try:
            future = self.gw.messages.enqueue_send(self.actor, frame.conv, frame.id, frame.text, frame.reply_to)
        except AxonError as exc:
            self.push(f.error_frame(exc.code, exc.message, send_id=frame.id, details=exc.details or None))
            return
        future.add_done_callback(lambda fut: self._acked(frame.id, fut))

    def _acked(self, send_id: str, future: asyncio.Future[Any]) -> None:
        if future.cancelled():
            return
        exc = future.exception()
        if exc is None:
            result = future.result()
            message = result.message
            reply = {"t": "ack", "id": send_id, "message_id": message["id"], "conv": message["conversation_id"],
                     "seq": message["seq"], "at": message["created_at"], "duplicate": result.duplicate}
        elif isinstance(exc, _SEND_ERRORS):
            reply = f.error_frame(exc.code, exc.message, send_id=send_id, details=exc.details or None)
        else:
            log.error("send failed", exc_info=exc)
            reply = f.error_frame("internal_error", "The message was not stored; retry.", send_id=send_id)
        # A group commit resolves all of this connection's sends in it at once: their
        # replies are collected and written together, one socket write per batch.
        self._replies.append(encode(reply))
        if len(self._replies) == 1:
            asyncio.get_running_loop().call_soon(self._flush_replies)

    def _flush_replies(self) -> None:
        frames, self._replies = self._replies, []
        if self._direct() and self.transport.write_now(frames):
            return
        for frame in frames:
            self._enqueue(("", 0, frame))

    def _on_read(self, frame: f.Read) -> None:
        self._run_replying(frame.ref, self.gw.markers.mark_read(self.actor, frame.conv, frame.seq))  # type: ignore[arg-type]

    def _on_delivered(self, frame: f.Delivered) -> None:
        mine = {c: s for c, s in frame.convs.items() if c in self.positions and isinstance(s, int)}
        if mine:
            self.gw.markers.delivered(self.user_id, mine)

    def _on_typing(self, frame: f.Typing) -> None:
        if frame.conv not in self.positions:
            self._error("not_found", "Conversation not found.")
            return
        now = self.gw.clock.monotonic()
        if now - self._typing_sent.get(frame.conv, -1e9) < 3.0:
            return
        self._typing_sent[frame.conv] = now
        self.gw.signals.typing(frame.conv, self.user_id)

    def _on_presence(self, frame: f.Presence) -> None:
        if frame.state not in ("online", "away"):
            self._error("invalid_frame", "state must be 'online' or 'away'.", frame.ref)
            return
        self.gw.presence.set(self, frame.state)
        self.push({"t": "ok", "ref": frame.ref})

    def _on_presence_sub(self, frame: f.PresenceSub) -> None:
        self._run_replying(frame.ref, self.gw.watch_presence(self, frame.users), reply=False)

    def _on_ping(self, frame: f.Ping) -> None:
        self.push({"t": "pong", "ref": frame.ref})

    def _run_replying(self, ref: str | None, coro: Any, reply: bool = True) -> None:
        async def run() -> None:
            try:
                await coro
            except AxonError as exc:
                self.push(f.error_frame(exc.code, exc.message, ref, details=exc.details or None))
                return
            except Exception:
                log.exception("frame handler failed")
                self.push(f.error_frame("internal_error", "The request failed.", ref))
                return
            if reply:
                self.push({"t": "ok", "ref": ref})

        self._spawn(run())

    _HANDLERS: dict[type, Any] = {
        f.Send: _on_send,
        f.Read: _on_read,
        f.Delivered: _on_delivered,
        f.Typing: _on_typing,
        f.Presence: _on_presence,
        f.PresenceSub: _on_presence_sub,
        f.Ping: _on_ping,
    }
