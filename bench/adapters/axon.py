"""Axon adapter: JSON frames over the WebSocket ``/api/v1/ws`` (``docs/protocol.md``).

cfg keys: ``host``, ``port``, ``state_file`` (JSON written by ``bench.provision``:
``tokens`` uid -> device token, ``rooms`` room name -> conversation id),
``parse_frames`` (False: stream raw bytes to the scanner, the cheapest; True:
parse frames so that ``ack``/``error`` replies reach ``ack_cb``, used by W4),
``ping_interval`` (seconds; the protocol's heartbeat, default 15).

Login is token-only: ``connect_and_login`` = TCP connect + WebSocket upgrade +
``hello {token}`` and wait for ``synced``; the password hash never runs here
(tokens were made once by ``POST /auth/login`` at provisioning).
``join(room)`` checks that the provisioned conversation is in ``welcome`` (the
membership was created over REST). Each message's text is the marker; its
``client_msg_id`` is ``<process prefix><counter>.<t_ns>`` so that an ack tells
when its send left.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from typing import Any

from .. import wsproto

_STATES: dict[str, dict[str, Any]] = {}
_PREFIX = b"b%x" % (os.getpid() ^ (time.time_ns() & 0xFFFFFF))
_ACK = b'{"t":"ack"'
_ERR = b'{"t":"error"'
_ID = b'"id":"'
_PING = b'{"t":"ping"}'


class AxonError(Exception):
    pass


def state(cfg: dict[str, Any]) -> dict[str, Any]:
    path = cfg["state_file"]
    if path not in _STATES:
        with open(path) as fh:
            _STATES[path] = json.load(fh)
    return _STATES[path]


def sent_ns_of(payload: bytes) -> int | None:
    """The send time carried in the ``id`` of an ack or error frame."""
    i = payload.find(_ID)
    if i < 0:
        return None
    j = payload.find(b'"', i + 6)
    try:
        return int(payload[i + 6:j].rsplit(b".", 1)[1])
    except (IndexError, ValueError):
        return None


class Client:
    def __init__(self, cfg: dict[str, Any], uid: int) -> None:
        self.cfg = cfg
        self.uid = uid
        self.ws: wsproto.WsProtocol | None = None
        self.welcome: dict[str, Any] = {}
        self.conv_ids: set[str] = set()
        self.scanner: Any = None
        self.ack_cb: Any = None
        self.errors = 0
        self.counter = 0
        self._reader: wsproto.FrameReader | None = None
        self._ping: asyncio.TimerHandle | None = None

    async def connect_and_login(self, convs: dict[str, int] | None = None) -> None:
        token = state(self.cfg)["tokens"][str(self.uid)]
        self.ws = await wsproto.connect(self.cfg["host"], self.cfg["port"], "/api/v1/ws")
        self.ws.send(json.dumps({"t": "hello", "token": token, "convs": convs or {},
                                 "client": "axon-bench/1"}).encode())
        while True:
            _op, payload = await self.ws.next_frame()
            if payload.startswith(b'{"t":"welcome"'):
                self.welcome = json.loads(payload)
                self.conv_ids = {c["id"] for c in self.welcome["conversations"]}
            elif payload.startswith(b'{"t":"synced"'):
                return
            elif payload.startswith(_ERR):
                raise AxonError(payload[:300].decode(errors="replace"))

    async def join(self, room: str) -> None:
        conv = state(self.cfg)["rooms"][room]
        if conv not in self.conv_ids:
            raise AxonError(f"u{self.uid} is not a member of {room} ({conv})")

    def start_streaming(self, scanner: Any) -> None:
        assert self.ws is not None
        self.scanner = scanner
        if self.cfg.get("parse_frames"):
            self._reader = wsproto.FrameReader()
            self.ws.stream_to = self._on_frames
        else:
            self.ws.stream_to = self._on_bytes
        interval = float(self.cfg.get("ping_interval", 15))
        self._ping = asyncio.get_running_loop().call_later(random.uniform(0, interval), self._send_ping, interval)

    def _on_bytes(self, data: bytes) -> None:
        self.scanner.feed(data)
        if b'"t":"error"' in data:
            self.errors += data.count(b'"t":"error"')

    def _on_frames(self, data: bytes) -> None:
        assert self._reader is not None
        for _op, payload in self._reader.feed(data):
            if payload.startswith(_ACK):
                self._acked(payload, True)
            elif payload.startswith(_ERR):
                self.errors += 1
                self._acked(payload, False)
            else:
                self.scanner.feed(payload)

    def _acked(self, payload: bytes, ok: bool) -> None:
        sent_ns = sent_ns_of(payload)
        if sent_ns is not None and self.ack_cb is not None:
            self.ack_cb(sent_ns, ok)

    def _send_ping(self, interval: float) -> None:
        if self.is_alive():
            self.ws.send(_PING)  # type: ignore[union-attr]
            self._ping = asyncio.get_running_loop().call_later(interval, self._send_ping, interval)

    def send(self, room: str, marker: bytes) -> None:
        assert self.ws is not None
        self.counter += 1
        conv = state(self.cfg)["rooms"][room].encode()
        self.ws.send(b'{"t":"send","id":"%s%x.%d","conv":"%s","text":"%s"}'
                     % (_PREFIX, self.counter, time.monotonic_ns(), conv, marker))

    def is_alive(self) -> bool:
        return self.ws is not None and not self.ws.closed

    def close(self) -> None:
        if self._ping is not None:
            self._ping.cancel()
        if self.ws is not None:
            self.ws.close()


def make_client(cfg: dict[str, Any], uid: int) -> Client:
    return Client(cfg, uid)


async def provision(cfg: dict[str, Any], uids: list[int]) -> dict[str, Any]:
    """Create accounts ``u<uid>`` and log each in once (the peers' contract; rooms: ``bench.provision``)."""
    from ..provision import Provisioner

    async with Provisioner(cfg["base_url"], cfg["admin_password"]) as prov:
        tokens = await prov.users(uids)
    return {"created": len(tokens)}
