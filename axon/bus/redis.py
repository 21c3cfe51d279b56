"""Redis pub/sub bus for several nodes sharing one PostgreSQL database.

Every node publishes batches on one channel and receives all of them; each
node's hub keeps only what its local connections need. Redis pub/sub is
at-most-once (a node that is briefly disconnected misses messages): sessions
detect the resulting seq jumps and read the gap from the database.

Wire format of one Redis message: a JSON header line per envelope followed by
its frame, repeated: ``<header>\\n<frame>\\n``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable

import msgspec
from redis.asyncio import Redis

from ..domain.clock import Clock, SystemClock
from .base import Envelope, Handler

log = logging.getLogger("axon.bus.redis")
CHANNEL = "axon:bus"


class _Header(msgspec.Struct, array_like=True):
    topic: str
    key: str
    seq: int
    kind: str
    sender: str | None
    size: int
    conversation_id: str = ""
    conversation_seq: int = 0


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(_Header).decode


def pack(envelopes: list[Envelope]) -> bytes:
    parts: list[bytes] = []
    for e in envelopes:
        parts.append(_encode(_Header(e.topic, e.key, e.seq, e.kind, e.sender, len(e.frame),
                                     e.conversation_id, e.conversation_seq)))
        parts.append(e.frame)
    return b"\n".join(parts)


def unpack(data: bytes) -> list[Envelope]:
    out: list[Envelope] = []
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        h = _decode(data[pos:end])
        frame = data[end + 1 : end + 1 + h.size]
        out.append(Envelope(h.topic, h.key, h.seq, frame, h.kind, h.sender, h.conversation_id, h.conversation_seq))
        pos = end + 2 + h.size
    return out


class RedisBus:
    def __init__(self, url: str, clock: Clock | None = None, retry_after: float = 1.0) -> None:
        # Every connection of this node is named, so an operator's CLIENT LIST tells which node holds
        # which connection (and a test can drop exactly one node's subscription).
        self.client_name = f"axon-{secrets.token_hex(4)}"
        self._redis = Redis.from_url(url, client_name=self.client_name)
        self._clock: Clock = clock or SystemClock()
        self._retry_after = retry_after
        self._handlers: list[Handler] = []
        self._reconnect_callbacks: list[Callable[[], None]] = []
        self._connected_before = False

    def attach(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        self._reconnect_callbacks.append(callback)

    async def publish(self, envelopes: list[Envelope]) -> None:
        if envelopes:
            await self._redis.publish(CHANNEL, pack(envelopes))

    async def run(self) -> None:
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis bus disconnected; resubscribing")
                await self._clock.sleep(self._retry_after)

    async def _listen(self) -> None:
        async with self._redis.pubsub() as pubsub:
            await pubsub.subscribe(CHANNEL)
            if self._connected_before:
                for callback in self._reconnect_callbacks:
                    callback()
            self._connected_before = True
            async for message in pubsub.listen():
                if message["type"] != "message":
                    continue
                envelopes = unpack(message["data"])
                for handler in self._handlers:
                    handler(envelopes)

    async def close(self) -> None:
        await self._redis.aclose()
