"""XMPP adapter (ejabberd): raw TCP, no TLS, SASL PLAIN, resource bind, MUC groupchat.

Same contract as ``bench.adapters.axon`` and the same wire behaviour as the peers' adapter
(``../shared/bench-peers/bench/adapters/xmpp.py``), so ejabberd's figures from this suite
compare with theirs: ``connect_and_login`` = TCP connect + stream + SASL PLAIN + stream
restart + bind + session; ``join(room)`` = MUC presence (no history) until the self-presence
(status 110); ``send`` = one ``groupchat`` message whose body is the marker. The MUC reflects
every message to its sender too: that echo is the sender's "ack" (the window sender counts
echoes through the scanner, exactly as with Axon's echo).

cfg keys (``bench.peer_server.Ejabberd.adapter_cfg``): ``host``, ``port``, ``domain``,
``muc_domain``, ``password``, ``api_url`` (mod_http_api, for ``provision``).

XMPP needs no parsing on the hot path: after ``start_streaming`` every received chunk goes to
the scanner as it is (markers contain no XML special characters, so they arrive verbatim).
"""

from __future__ import annotations

import asyncio
import base64
import socket
from typing import Any

_STREAM = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
           "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>")
_ERRORS = (b"type='error'", b'type="error"')


class XmppError(Exception):
    pass


class _Proto(asyncio.Protocol):
    """Buffers bytes until a pattern shows up (login, join); then hands every chunk to a scanner."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[bytes, bytes]] | None = None
        self.patterns: tuple[bytes, ...] = ()
        self.on_data: Any = None
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if self.on_data is not None:
            self.on_data(data)
            return
        self.buf += data
        self._check()

    def _check(self) -> None:
        w = self.waiter
        if w is None or w.done():
            return
        for p in self.patterns:
            i = self.buf.find(p)
            if i >= 0:
                w.set_result((p, bytes(self.buf[:i + len(p)])))
                del self.buf[:i + len(p)]
                return

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        w = self.waiter
        if w is not None and not w.done():
            w.set_exception(XmppError(f"connection lost; last bytes {bytes(self.buf[-300:])!r}"))

    async def expect(self, *patterns: bytes) -> tuple[bytes, bytes]:
        """The first of ``patterns`` to arrive, and everything up to it (consumed from the buffer)."""
        if self.closed:
            raise XmppError("closed")
        self.patterns = patterns
        self.waiter = asyncio.get_running_loop().create_future()
        self._check()
        return await self.waiter


class Client:
    def __init__(self, cfg: dict[str, Any], uid: int) -> None:
        self.cfg = cfg
        self.uid = uid
        self.user = f"u{uid}"
        self.p: _Proto | None = None
        self.scanner: Any = None
        self.ack_cb: Any = None  # the contract's; XMPP has no per-message ack (W4 is Axon-only)
        self.errors = 0
        self._room_prefix = b"<message to='"
        self._room_suffix = f"@{cfg['muc_domain']}' type='groupchat'><body>".encode()

    def _write(self, s: str) -> None:
        assert self.p is not None and self.p.transport is not None
        self.p.transport.write(s.encode())

    async def _open_stream(self) -> None:
        assert self.p is not None
        self._write(_STREAM % self.cfg["domain"])
        await self.p.expect(b"</stream:features>")

    async def connect_and_login(self) -> None:
        loop = asyncio.get_running_loop()
        _tr, self.p = await loop.create_connection(_Proto, self.cfg["host"], self.cfg["port"])
        await self._open_stream()
        plain = base64.b64encode(b"\0%s\0%s" % (self.user.encode(), self.cfg["password"].encode())).decode()
        self._write(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth>")
        p, _ = await self.p.expect(b"<success", b"<failure")
        if p != b"<success":
            raise XmppError(f"{self.user}: SASL PLAIN failed")
        await self.p.expect(b">")  # the rest of <success .../>
        await self._open_stream()  # the stream restarts after SASL
        self._write("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                    "<resource>bench</resource></bind></iq>")
        p, got = await self.p.expect(b"</bind>", *_ERRORS)
        if p != b"</bind>":
            raise XmppError(f"{self.user}: bind failed: {got[-300:]!r}")
        # RFC 3921 session: optional in ejabberd 23, but the peers' run sent it (same work per login).
        self._write("<iq type='set' id='s1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
        await self.p.expect(b"id='s1'", b'id="s1"')

    async def join(self, room: str) -> None:
        assert self.p is not None
        jid = f"{room}@{self.cfg['muc_domain']}"
        self._write(f"<presence to='{jid}/{self.user}'><x xmlns='http://jabber.org/protocol/muc'>"
                    f"<history maxstanzas='0'/></x></presence>")
        p, got = await self.p.expect(b"code='110'", b'code="110"', *_ERRORS)
        if p in _ERRORS:
            raise XmppError(f"{self.user}: join {jid} failed: {got[-400:]!r}")

    def start_streaming(self, scanner: Any) -> None:
        assert self.p is not None
        self.scanner = scanner
        rest = bytes(self.p.buf)
        self.p.buf.clear()
        self.p.on_data = self._on_bytes
        if rest:
            self._on_bytes(rest)

    def _on_bytes(self, data: bytes) -> None:
        self.scanner.feed(data)
        if b"type='error'" in data or b'type="error"' in data:
            self.errors += data.count(b"type='error'") + data.count(b'type="error"')

    def send(self, room: str, marker: bytes) -> None:
        assert self.p is not None and self.p.transport is not None
        self.p.transport.write(b"%s%s%s%s</body></message>"
                               % (self._room_prefix, room.encode(), self._room_suffix, marker))

    def is_alive(self) -> bool:
        return self.p is not None and not self.p.closed

    def close(self) -> None:
        if self.p is not None and self.p.transport is not None and not self.p.closed:
            try:
                self.p.transport.write(b"</stream:stream>")
            except (OSError, RuntimeError):
                pass
            self.p.transport.close()


def make_client(cfg: dict[str, Any], uid: int) -> Client:
    return Client(cfg, uid)


async def provision(cfg: dict[str, Any], uids: list[int], concurrency: int = 8) -> dict[str, Any]:
    """Register ``u<uid>`` through mod_http_api ``register`` (an existing account counts as ``exists``).

    Rooms need no provisioning: a MUC room is created by its first occupant's join.
    """
    import httpx

    sem = asyncio.Semaphore(concurrency)
    counts: dict[str, Any] = {}
    errors: list[str] = []

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as http:
        async def one(uid: int) -> None:
            async with sem:
                r = await http.post(cfg["api_url"] + "/register",
                                    json={"user": f"u{uid}", "host": cfg["domain"], "password": cfg["password"]})
            if r.status_code == 200:
                kind = "created"
            elif "already registered" in r.text or r.status_code == 409:
                kind = "exists"
            else:
                kind = "error"
                errors.append(f"{r.status_code} {r.text[:200]}")
            counts[kind] = counts.get(kind, 0) + 1

        await asyncio.gather(*(one(u) for u in uids))
    if errors:
        counts["error_samples"] = errors[:3]
    return counts
