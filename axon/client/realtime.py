"""The real-time half of the SDK: one WebSocket per device that survives anything.

- Connects, sends ``hello`` with the device's positions and resumes exactly
  where it left off; after a drop it reconnects with exponential backoff and
  jitter (tenacity) and resumes again.
- ``send`` gives each message a ``client_msg_id`` and keeps it in an outbox
  until the server acks it; unacked messages are re-sent *with the same id*
  after every reconnect, so a message is stored exactly once however often the
  network fails.
- Every conversation event passes a per-conversation ``SeqTracker``: the
  application sees each event once, in seq order, without gaps (a gap, which
  the server should never produce, is filled through the REST event log).
- Delivery marks are sent back, coalesced, so senders see "delivered".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import websockets
from tenacity import AsyncRetrying, retry_if_exception_type, wait_random_exponential
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from ..domain.sequence import SeqTracker
from ..protocol import server
from ..protocol.client import Delivered, ForwardOf, Frame, Hello, Ping, Presence, PresenceSub, Read, Send, Typing
from ..protocol.client import encode_client_frame as _encode
from ..protocol.close_codes import FATAL_CLOSE_CODES, CloseCode
from .rest import ApiError, RestApi

log = logging.getLogger("axon.client")
Json = dict[str, Any]
_decode = msgspec.json.Decoder().decode
_PING = _encode(Ping()).decode()


@dataclass
class ClientState:
    """What a device keeps between runs to resume: its positions and the history epoch."""

    user_seq: int | None = None  # None until the first welcome: a new device asks for no user-event replay
    convs: dict[str, int] = field(default_factory=dict)
    epoch: str | None = None


@dataclass(frozen=True)
class Ack:
    id: str
    message_id: str
    conv: str
    seq: int
    at: str
    duplicate: bool


@dataclass(frozen=True)
class Event:
    """Something the application should see: ``kind`` is the frame type
    (``event``, ``user_event``, ``typing``, ``presence``, ``receipt``, ``profile``)."""

    kind: str
    type: str
    conv: str | None
    seq: int
    data: Json
    frame: Json


class SendFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ClientClosed(Exception):
    """The client was closed, or the server ended this device for good (revoked, unauthenticated)."""


class _Dropped(Exception):
    """The connection ended before it was synced: retry with backoff."""


@dataclass
class _Pending:
    frame: bytes
    future: asyncio.Future[Ack]


class AxonClient:
    def __init__(self, base_url: str, token: str, *, state: ClientState | None = None,
                 resume_limit: int | None = None, max_backoff: float = 5.0, ca_file: str | None = None,
                 fingerprint: str | None = None,
                 on_wipe: Callable[[], Awaitable[None]] | None = None) -> None:
        """``ca_file``/``fingerprint``: how to trust an https server (see ``axon.client.tls``).
        ``on_wipe``: deletes whatever the application stored for this device (its saved ``ClientState``,
        caches); awaited when the server orders this device to wipe, before the wipe is confirmed."""
        self.base_url = base_url.rstrip("/")
        self.rest = RestApi(self.base_url, token, ca_file=ca_file, fingerprint=fingerprint)
        self.on_wipe = on_wipe
        self.wiped = False
        self.state = state or ClientState()
        self.resume_limit = resume_limit
        self.max_backoff = max_backoff
        self.conversations: dict[str, Json] = {}
        self.user: Json | None = None
        self.synced = asyncio.Event()
        self.connections = 0
        self.truncated: list[tuple[str, int]] = []  # (conversation, first seq received) after a truncated resume
        self.fatal: str | None = None
        self._tracker = SeqTracker(self.state.convs)
        self.state.convs = self._tracker.applied  # what the device stores is what it applied (SeqTracker copies)
        self._outbox: dict[str, _Pending] = {}
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._run_task: asyncio.Task[None] | None = None
        self._delivered_dirty = asyncio.Event()
        self._delivered_convs: set[str] = set()  # conversations with new events since the last report
        self._closing = False
        self._heartbeat = (15.0, 45.0)
        self._watched: list[str] = []

    @classmethod
    async def login(cls, base_url: str, login: str, password: str, org: str | None = None,
                    **kwargs: Any) -> AxonClient:
        rest = RestApi(base_url, ca_file=kwargs.get("ca_file"), fingerprint=kwargs.get("fingerprint"))
        try:
            session = await rest.login(login, password, org)
        finally:
            await rest.close()
        client = cls(base_url, session["token"], **kwargs)
        client.user = session["user"]
        return client

    # --- lifecycle -----------------------------------------------------------------

    async def connect(self, timeout: float = 30.0) -> AxonClient:
        """Start the connection (kept alive until ``close``) and wait until it is synced."""
        if self._run_task is None:
            self._run_task = asyncio.create_task(self._run(), name="axon-client")
        await self.wait_synced(timeout)
        return self

    async def wait_synced(self, timeout: float = 30.0) -> None:
        waiter = asyncio.ensure_future(self.synced.wait())
        tasks: set[asyncio.Future[Any]] = {waiter}
        if self._run_task is not None:
            tasks.add(self._run_task)
        done, _ = await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            if self.fatal:
                raise ClientClosed(self.fatal)
            raise TimeoutError("not synced in time")

    async def close(self) -> None:
        self._closing = True
        if self._run_task is not None:
            self._run_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._run_task
        for pending in self._outbox.values():
            if not pending.future.done():
                pending.future.set_exception(ClientClosed("client closed"))
        await self.rest.close()

    async def drop_connection(self) -> None:
        """Abort the socket without a closing handshake, as a network failure would (for tests)."""
        ws = self._ws
        if ws is not None:
            ws.transport.abort()

    @property
    def live(self) -> bool:
        return self._ws is not None and self.synced.is_set()

    # --- sending -------------------------------------------------------------------

    def send_nowait(self, conv: str, text: str, *, reply_to: str | None = None,
                    client_msg_id: str | None = None, forward_of: tuple[str, int] | None = None,
                    attachments: list[str] | None = None) -> asyncio.Future[Ack]:
        """Queue a message; the future resolves with the durable ack (retried across reconnects).

        ``forward_of`` (conversation id, seq) forwards that message instead (``text`` then "").
        ``attachments``: ids of files uploaded into ``conv`` (``RestApi.upload``); ``text`` may be ""."""
        if self.fatal:
            raise ClientClosed(self.fatal)
        msg_id = client_msg_id or str(uuid.uuid4())
        source = ForwardOf(*forward_of) if forward_of else None
        frame = Send(msg_id, conv, text, reply_to or None, source, list(attachments or []))
        existing = self._outbox.get(msg_id)
        if existing is not None:
            return existing.future
        pending = _Pending(_encode(frame), asyncio.get_running_loop().create_future())
        self._outbox[msg_id] = pending
        if self.live:
            self._transmit(pending.frame)
        return pending.future

    async def send(self, conv: str, text: str, *, reply_to: str | None = None,
                   client_msg_id: str | None = None, forward_of: tuple[str, int] | None = None,
                   attachments: list[str] | None = None) -> Ack:
        return await self.send_nowait(conv, text, reply_to=reply_to, client_msg_id=client_msg_id,
                                      forward_of=forward_of, attachments=attachments)

    @property
    def unacked(self) -> int:
        return len(self._outbox)

    async def mark_read(self, conv: str, seq: int) -> None:
        await self._send_frame(Read(conv, seq))

    async def typing(self, conv: str) -> None:
        await self._send_frame(Typing(conv))

    async def watch_presence(self, user_ids: list[str]) -> None:
        """Follow these users' presence (kept across reconnects)."""
        self._watched = list(user_ids)
        await self._send_frame(PresenceSub(user_ids))

    async def set_presence(self, state: str) -> None:
        await self._send_frame(Presence(state))

    async def _send_frame(self, frame: Frame) -> None:
        if self._ws is None:
            raise ConnectionError("not connected")
        await self._ws.send(_encode(frame).decode())

    def _transmit(self, frame: bytes) -> None:
        ws = self._ws
        if ws is None:
            return
        task = asyncio.ensure_future(ws.send(frame.decode()))
        task.add_done_callback(_ignore_failure)

    # --- receiving -----------------------------------------------------------------

    async def next_event(self, timeout: float | None = None) -> Event:
        return await asyncio.wait_for(self._events.get(), timeout)

    async def events(self) -> AsyncIterator[Event]:
        while True:
            yield await self._events.get()

    async def wipe(self) -> None:
        """Forget everything this device keeps for the account, then confirm the wipe to the server.

        Called when the server orders it (close code 4004; a REST call answering ``wipe_requested``
        means the same: call this). Cleared in place, so an application holding the ``ClientState``
        sees it empty: positions, history epoch, the outbox (unsent messages fail), received events,
        conversations, the user and the token; then ``on_wipe`` deletes what the application stored.
        The confirmation is sent only after all that succeeded, and at most once.
        """
        self.fatal = self.fatal or FATAL_CLOSE_CODES[CloseCode.WIPE]
        self.state.user_seq, self.state.epoch = None, None
        self._tracker = SeqTracker({})
        self.state.convs = self._tracker.applied
        for pending in self._outbox.values():
            if not pending.future.done():
                pending.future.set_exception(ClientClosed("device wiped"))
        self._outbox.clear()
        while not self._events.empty():
            self._events.get_nowait()
        self.conversations.clear()
        self.truncated.clear()
        self._delivered_convs.clear()
        self.user = None
        if self.on_wipe is not None:
            await self.on_wipe()
        if not self.wiped and self.rest.token:
            await self.rest.confirm_wipe()  # the server revokes the token; the REST client forgets it
        self.wiped = True

    def position(self, conv: str) -> int:
        return self._tracker.position(conv)

    # --- the connection loop ---------------------------------------------------------

    async def _run(self) -> None:
        while not self._closing and not self.fatal:
            retrying = AsyncRetrying(
                wait=wait_random_exponential(multiplier=0.05, max=self.max_backoff),
                retry=retry_if_exception_type((_Dropped, OSError, InvalidHandshake, asyncio.TimeoutError)),
                reraise=True,
            )
            try:
                async for attempt in retrying:
                    with attempt:
                        await self._connection()
            except InvalidURI as exc:
                self.fatal = str(exc)
            if not self._closing and not self.fatal:
                # A live connection ended: spread the reconnects of many clients a little.
                await asyncio.sleep(random.uniform(0, 0.1))
        for pending in self._outbox.values():
            if not pending.future.done():
                pending.future.set_exception(ClientClosed(self.fatal or "closed"))

    async def _connection(self) -> None:
        url = self.base_url.replace("http", "ws", 1) + "/api/v1/ws"
        self.synced.clear()
        was_synced = False
        try:
            async with websockets.connect(url, max_size=None, ping_interval=None, compression=None,
                                          open_timeout=10, ssl=await self.rest.tls_context()) as ws:
                self.connections += 1
                self._ws = ws
                await ws.send(_encode(self._hello()).decode())
                helpers = [asyncio.create_task(self._heartbeats(ws)), asyncio.create_task(self._flush_delivered(ws))]
                try:
                    async for raw in ws:
                        self._last_frame = asyncio.get_running_loop().time()
                        await self._handle(raw)
                        was_synced = was_synced or self.synced.is_set()
                finally:
                    for helper in helpers:
                        helper.cancel()
                    await asyncio.gather(*helpers, return_exceptions=True)
                code = ws.close_code
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
        finally:
            self._ws = None
            self.synced.clear()
        if code in FATAL_CLOSE_CODES:
            self.fatal = FATAL_CLOSE_CODES[code]
            if code == CloseCode.WIPE:
                try:
                    await self.wipe()
                except Exception:  # e.g. the confirmation could not be sent: ``wiped`` stays False, retry wipe()
                    log.exception("the ordered wipe did not complete")
            return
        if not was_synced:
            raise _Dropped()

    def _hello(self) -> Hello:
        # user_seq None (left out on the wire): a device without stored state, no user-event replay.
        return Hello(token=self.rest.token or "", user_seq=self.state.user_seq, convs=dict(self._tracker.applied),
                     epoch=self.state.epoch, resume_limit=self.resume_limit or None, client="axon-python-sdk")

    async def _heartbeats(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        self._last_frame = loop.time()
        while True:
            interval, timeout = self._heartbeat  # this welcome's once synced; until then the last one's
            beating = self.synced.is_set()
            if beating:
                await asyncio.sleep(min(interval, timeout / 3))
            else:  # not synced yet: beat only once the welcome said how often, but a mute server is dead too
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.synced.wait(), timeout / 3)
            if loop.time() - self._last_frame > timeout:
                ws.transport.abort()  # the server went silent: treat as dead and reconnect
                return
            if beating:
                await ws.send(_PING)

    async def _flush_delivered(self, ws: ClientConnection) -> None:
        while True:
            await self._delivered_dirty.wait()
            self._delivered_dirty.clear()
            convs, self._delivered_convs = self._delivered_convs, set()
            applied = self._tracker.applied
            report = {c: applied[c] for c in convs if c in applied}
            await ws.send(_encode(Delivered(report)).decode())
            await asyncio.sleep(0.1)

    # --- frames --------------------------------------------------------------------

    async def _handle(self, raw: str | bytes) -> None:
        """Decode a server frame once, into its typed struct, and apply it."""
        try:
            frame = server.decode_server_frame(raw)
        except msgspec.ValidationError as exc:
            log.debug("ignoring a frame this SDK does not know: %s", exc)  # a newer server's frame type
            return
        except msgspec.DecodeError as exc:  # not JSON at all: a broken proxy or server, not a reason to drop
            log.warning("ignoring a frame that is not JSON: %s", exc)
            return
        match frame:
            case server.Event():
                await self._apply_event(frame)
            case server.UserEventFrame():
                self._apply_user_event(frame)
            case server.Batch():
                await self._apply_batch(frame)
            case server.Ack():
                self._acked(frame)
            case server.Welcome():
                self._welcome(frame)
            case server.Synced():
                self._synced()
            case server.Error():
                self._error(frame)
            case server.Typing() | server.Presence() | server.Receipt() | server.Profile():
                notice = msgspec.to_builtins(frame)
                self._events.put_nowait(Event(notice["t"], notice["t"], notice.get("conv"), 0, notice, notice))

    def _welcome(self, frame: server.Welcome) -> None:
        if self.state.epoch is not None and frame.epoch != self.state.epoch:
            # Another history (a restored database): our positions mean nothing there.
            self._tracker = SeqTracker()
            self.state.convs = self._tracker.applied
            self.state.user_seq = None
        self.state.epoch = frame.epoch
        self.user = frame.user
        self._heartbeat = (float(frame.heartbeat_interval), float(frame.heartbeat_timeout))
        if self.state.user_seq is None:
            self.state.user_seq = frame.user_seq
        for conv in frame.conversations:
            self.conversations[conv["id"]] = conv
            self._tracker.applied.setdefault(conv["id"], conv["last_seq"])

    def _synced(self) -> None:
        self.synced.set()
        if self._watched:
            self._transmit(_encode(PresenceSub(self._watched)))
        for pending in list(self._outbox.values()):
            self._transmit(pending.frame)

    async def _apply_batch(self, frame: server.Batch) -> None:
        if frame.user_events is not None:
            for item in frame.user_events:
                self._apply_user_event(_user_event_decoder.decode(item))
            return
        assert frame.conv is not None and frame.events is not None
        if frame.truncated and frame.from_seq is not None:
            self.truncated.append((frame.conv, frame.from_seq))
            self._tracker.applied[frame.conv] = frame.from_seq - 1
        for item in frame.events:
            await self._apply_event(_event_decoder.decode(item))

    async def _apply_event(self, frame: server.Event) -> None:
        conv = frame.conv
        if self._hand_over(conv, self._tracker.offer(conv, frame.seq, frame)):
            self._delivered_convs.add(conv)
            self._delivered_dirty.set()
        gap = self._tracker.gap(conv)
        if gap is not None:
            await self._fill_gap(conv, gap.first_missing - 1, gap.last_missing)

    def _hand_over(self, conv: str, ready: list[object]) -> int:
        """Give the application the events that are next in seq order (their data decoded here, once)."""
        for item in ready:
            assert isinstance(item, server.Event)
            frame = _event_as_json(item)
            self._events.put_nowait(Event("event", item.type, conv, item.seq, frame["data"], frame))
        return len(ready)

    async def _fill_gap(self, conv: str, after: int, upto: int) -> None:
        try:
            page = await self.rest.events(conv, after, upto - after)
        except (ApiError, OSError):
            log.warning("could not fill gap %s %d..%d", conv, after + 1, upto)
            return
        for item in page["items"]:
            event = _event_decoder.decode(_encode_json(item))  # the REST page holds the same event frames
            self._hand_over(conv, self._tracker.offer(conv, event.seq, event))

    def _apply_user_event(self, frame: server.UserEventFrame) -> None:
        if self.state.user_seq is not None and frame.seq <= self.state.user_seq:
            return
        self.state.user_seq = frame.seq
        data = _decode(frame.data)
        if frame.type == "conversation.joined":
            summary = data["conversation"]
            self.conversations[summary["id"]] = summary
            self._tracker.applied.setdefault(summary["id"], summary["last_seq"])
        elif frame.type == "conversation.left":
            self.conversations.pop(data["conversation_id"], None)
            self._tracker.applied.pop(data["conversation_id"], None)
        as_json = {"t": "user_event", **msgspec.structs.asdict(frame), "data": data}
        self._events.put_nowait(Event("user_event", frame.type, None, frame.seq, data, as_json))

    def _acked(self, frame: server.Ack) -> None:
        pending = self._outbox.pop(frame.id, None)
        if pending is not None and not pending.future.done():
            pending.future.set_result(Ack(frame.id, frame.message_id, frame.conv, frame.seq, frame.at,
                                          frame.duplicate))

    def _error(self, frame: server.Error) -> None:
        error = frame.error
        send_id = frame.id
        if send_id is None or send_id not in self._outbox:
            as_json = msgspec.to_builtins(frame)
            self._events.put_nowait(Event("error", error.code, None, 0, as_json["error"], as_json))
            return
        if error.code == "rate_limited":
            delay = float((error.details or {}).get("retry_after", 0.1))
            frame_bytes = self._outbox[send_id].frame
            asyncio.get_running_loop().call_later(delay, self._transmit, frame_bytes)
            return  # kept in the outbox and sent again, with the same id, once allowed
        if error.code == "internal_error":
            return  # kept in the outbox: re-sent after the next (re)connect
        pending = self._outbox.pop(send_id)
        if not pending.future.done():
            pending.future.set_exception(SendFailed(error.code, error.message))


_event_decoder = msgspec.json.Decoder(server.Event)
_user_event_decoder = msgspec.json.Decoder(server.UserEventFrame)
_encode_json = msgspec.json.Encoder().encode


def _event_as_json(frame: server.Event) -> Json:
    """The ``event`` frame as plain JSON data (``Event.frame`` of the public record), its data decoded."""
    return {"t": "event", **msgspec.structs.asdict(frame), "data": _decode(frame.data)}


def _ignore_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()
