"""The gateway of one node: its sessions, the routing hub, presence, heartbeats,
and the bridge from committed events to the bus."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from typing import Any

from ..bus.base import Bus, Envelope, Topic
from ..config import Settings
from ..domain.clock import Clock
from ..domain.errors import ValidationFailed
from ..domain.model import Actor
from ..protocol.close_codes import CloseCode
from ..protocol.codec import encode
from ..protocol.events import conversation_event_frame, user_event_frame
from ..services.auth import Auth
from ..services.markers import Markers
from ..services.messages import Messages
from ..services.people import People
from ..services.sync import Sync
from ..store import accounts
from ..store.writer import Committed
from .hub import Hub
from .presence import PresenceTracker
from .session import Session

log = logging.getLogger("axon.gateway")
MAX_PRESENCE_WATCH = 1000


class BusSignals:
    """``services.core.Signals`` over the bus: ephemeral notices reach every node."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._pending: list[Envelope] = []
        self._flush_scheduled = False

    def typing(self, conversation_id: str, user_id: str) -> None:
        frame = encode({"t": "typing", "conv": conversation_id, "user_id": user_id})
        self._publish(Envelope(Topic.TYPING, conversation_id, 0, frame, sender=user_id))

    def receipt(self, conversation_id: str, user_id: str, read_seq: int) -> None:
        frame = encode({"t": "receipt", "conv": conversation_id, "user_id": user_id, "read_seq": read_seq})
        self._publish(Envelope(Topic.RECEIPT, conversation_id, 0, frame, sender=user_id))

    def device_revoked(self, device_id: str) -> None:
        self._publish(Envelope(Topic.DEVICE_REVOKED, device_id, 0, b""))

    def presence(self, user_id: str, state: dict[str, Any]) -> None:
        self._publish(Envelope(Topic.PRESENCE, user_id, 0, encode(state)))

    def _publish(self, envelope: Envelope) -> None:
        # Coalesce the signals of one loop iteration into one bus publish.
        self._pending.append(envelope)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        batch, self._pending, self._flush_scheduled = self._pending, [], False
        task = asyncio.ensure_future(self._bus.publish(batch))
        task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("publishing signals failed", exc_info=task.exception())


def envelopes_for(committed: Committed) -> list[Envelope]:
    """Encode each committed event once, in commit order."""
    out = [Envelope(Topic.CONVERSATION, e.conversation_id, e.seq, conversation_event_frame(e), e.type)
           for e in committed.conversation_events]
    out += [Envelope(Topic.USER, e.user_id, e.seq, user_event_frame(e), e.type) for e in committed.user_events]
    return out


class Gateway:
    def __init__(self, *, settings: Settings, clock: Clock, bus: Bus, auth: Auth, messages: Messages,
                 markers: Markers, sync: Sync, signals: BusSignals, people: People) -> None:
        self.settings = settings
        self.clock = clock
        self.bus = bus
        self.auth = auth
        self.messages = messages
        self.markers = markers
        self.sync = sync
        self.signals = signals
        self.people = people
        self.node_id = "n_" + secrets.token_hex(6)
        self.hub = Hub()
        self.presence = PresenceTracker(clock, signals.presence)
        self._last_seen: dict[str, int] = {}
        self._reconcile_task: asyncio.Future[None] | None = None
        bus.attach(self.hub.dispatch)
        bus.attach(self._forget_revoked_tokens)
        bus.on_reconnect(self._reconcile_soon)

    def _forget_revoked_tokens(self, envelopes: list[Envelope]) -> None:
        # Revocations made on other nodes: stop honouring those tokens here too.
        for env in envelopes:
            if env.topic == Topic.DEVICE_REVOKED:
                self.auth.core.tokens.forget_device(env.key)

    async def publish_committed(self, committed: Committed) -> None:
        await self.bus.publish(envelopes_for(committed))

    def new_session(self, transport: Any, address: str) -> Session:
        session = Session(self, transport, address)
        session.start()
        return session

    def attach(self, session: Session) -> None:
        self.hub.add(session)

    def detach(self, session: Session) -> None:
        self.hub.remove(session)
        self.presence.remove(session)
        if session.device_id:
            self._last_seen[session.device_id] = self.clock.now_ms()

    async def watch_presence(self, session: Session, user_ids: list[str]) -> None:
        if len(user_ids) > MAX_PRESENCE_WATCH:
            raise ValidationFailed(f"At most {MAX_PRESENCE_WATCH} users.", field="users")
        actor: Actor | None = session.actor
        assert actor is not None
        visible = await self.people.visible_user_ids(actor, user_ids)
        self.hub.watch_presence(session, visible)
        for user_id in visible:
            session.push(self.presence.state(user_id))

    async def run_heartbeats(self) -> None:
        """Close sessions that have been silent longer than the heartbeat timeout."""
        timeout = self.settings.heartbeat_timeout
        while True:
            await asyncio.sleep(max(timeout / 4, 0.05))
            deadline = self.clock.monotonic() - timeout
            for session in self.hub.sessions():
                if session.last_received < deadline:
                    session.close(CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout")
            await self._store_last_seen()

    async def _store_last_seen(self) -> None:
        if not self._last_seen:
            return
        seen, self._last_seen = self._last_seen, {}
        try:
            await self.sync.core.write(lambda tx: accounts.touch_devices(tx.conn, seen))
        except Exception:
            log.exception("could not store last-seen times")

    async def run_reconciliation(self) -> None:
        """Safety net for an at-most-once bus: a conversation that goes quiet right after a lost
        bus message would otherwise leave its live sessions behind until the next event or
        reconnect. Periodically compare every followed conversation's last seq with what each
        local session was handed, and let sessions that are behind read the rest."""
        while True:
            await asyncio.sleep(self.settings.reconcile_interval * random.uniform(0.8, 1.2))
            try:
                await self.reconcile()
            except Exception:
                log.exception("reconciliation failed")

    def _reconcile_soon(self) -> None:
        self._reconcile_task = asyncio.ensure_future(self.reconcile())  # kept: one at a time

    async def reconcile(self) -> None:
        followed = list(self.hub.by_conversation)
        if not followed:
            return
        latest = await self.sync.latest_seqs(followed)
        for conversation_id, last_seq in latest.items():
            for session in tuple(self.hub.by_conversation.get(conversation_id, ())):
                session.repair(conversation_id, last_seq)

    def close_all(self, code: int = CloseCode.RESTARTING) -> None:
        for session in self.hub.sessions():
            session.close(code, "server shutting down")
