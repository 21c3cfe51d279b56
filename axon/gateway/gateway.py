"""The gateway of one node: it talks to sockets. It owns the sessions, the routing hub,
presence, heartbeats, reconciliation and last-seen times; everything else is a service.

Node-wide background work is exposed as ``run_*`` coroutines that the runtime
(``axon.app``) owns, awaits and cancels; timers run on the injected clock.
"""

from __future__ import annotations

import logging
import secrets

from ..bus.base import Bus, Envelope, Topic
from ..config import Settings
from ..domain.clock import Clock
from ..protocol.close_codes import CloseCode
from ..services.auth import Auth
from ..services.devices import Devices
from ..services.markers import Markers
from ..services.messages import Messages
from ..services.people import People
from ..services.sync import Sync
from .handlers import build_registry
from .heartbeats import Heartbeats
from .hub import Hub
from .limits import SessionLimits
from .presence import PresenceTracker
from .reconcile import Reconciler
from .revocations import RevocationWatch
from .session import Session, SessionServices
from .signals import BusSignals
from .transport import Transport

log = logging.getLogger("axon.gateway")
LIVE_SEEN_EVERY_MS = 600_000  # connected devices' last-seen times are refreshed this often


class Gateway:
    def __init__(self, *, settings: Settings, clock: Clock, bus: Bus, auth: Auth, messages: Messages,
                 markers: Markers, sync: Sync, signals: BusSignals, people: People, devices: Devices) -> None:
        self.clock = clock
        self.auth = auth
        self.devices = devices
        self.signals = signals
        self.node_id = "n_" + secrets.token_hex(6)
        self.hub = Hub()
        self.presence = PresenceTracker(clock, signals.presence)
        handlers = build_registry(clock=clock, messages=messages, markers=markers, signals=signals, people=people,
                                  hub=self.hub, tracker=self.presence)
        self._sessions = SessionServices(self.node_id, SessionLimits.from_settings(settings), clock,
                                         auth.authenticate, sync, self.hub, self.presence, handlers, self.detach)
        self._live_seen_at = clock.now_ms()
        self.heartbeats = Heartbeats(clock, settings.heartbeat_timeout, self.hub.sessions, self._store_last_seen)
        self.reconciler = Reconciler(clock, settings.reconcile_interval, self.hub.by_conversation, sync.latest_seqs)
        self.revocations = RevocationWatch(clock, settings.revocation_poll_interval, devices.revoked_since,
                                           self._revoke_locally)
        bus.attach(self.hub.dispatch)
        bus.attach(self._forget_revoked_tokens)
        bus.on_reconnect(self.reconciler.bus_reconnected)

    def _forget_revoked_tokens(self, envelopes: list[Envelope]) -> None:
        # Revocations made on other nodes: stop honouring those tokens here too.
        for env in envelopes:
            if env.topic == Topic.DEVICE_REVOKED:
                self.devices.forget_token_of(env.key)

    def _revoke_locally(self, device_id: str, wipe: bool) -> None:
        self.devices.forget_token_of(device_id)
        for session in tuple(self.hub.by_device.get(device_id, ())):
            session.revoke(wipe=wipe)

    async def run_revocation_watch(self) -> None:
        """End the sessions of devices revoked elsewhere (the shell, another node), until cancelled."""
        await self.revocations.run()

    def new_session(self, transport: Transport, address: str) -> Session:
        session = Session(transport, address, self._sessions)
        session.start()
        return session

    def detach(self, session: Session) -> None:
        self.hub.remove(session)
        self.presence.remove(session)
        if session.device_id:
            self.devices.sightings.note(session.device_id, session.address, self.clock.now_ms())

    async def run_heartbeats(self) -> None:
        """Close silent sessions and store last-seen times, until cancelled."""
        await self.heartbeats.run()

    async def run_reconciliation(self) -> None:
        """Repair sessions left behind by a lost bus message, until cancelled."""
        await self.reconciler.run()

    async def run_signals(self) -> None:
        """Publish ephemeral signals (typing, receipts, presence, revocations), until cancelled."""
        await self.signals.run()

    async def _store_last_seen(self) -> None:
        now = self.clock.now_ms()
        if now - self._live_seen_at >= LIVE_SEEN_EVERY_MS:  # connected devices are in use: their sign-in stays fresh
            self._live_seen_at = now
            for session in self.hub.sessions():
                if session.device_id:
                    self.devices.sightings.note(session.device_id, session.address, now)
        try:
            await self.devices.store_sightings()  # REST requests and connects noted since the last beat
        except Exception:
            log.exception("could not store last-seen times")

    def close_all(self, code: int = CloseCode.RESTARTING) -> None:
        for session in self.hub.sessions():
            session.close(code, "server shutting down")
