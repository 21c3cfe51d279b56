"""Presence on this node: a user is online if any device is online, away if all
connected devices are away, offline (with last seen) when none is connected.
Ephemeral: changes are published as signals, never stored.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Protocol

from ..domain.clock import Clock, iso_from_ms
from ..protocol.server import Presence


class Device(Hashable, Protocol):
    """A connected device, as presence counts it."""

    user_id: str


ONLINE, AWAY, OFFLINE = "online", "away", "offline"
DEVICE_STATES = (ONLINE, AWAY)


def combine(states: list[str]) -> str:
    if not states:
        return OFFLINE
    return ONLINE if ONLINE in states else AWAY


class PresenceTracker:
    def __init__(self, clock: Clock, on_change: Callable[[str, Presence], None]) -> None:
        self._clock = clock
        self._on_change = on_change
        self._sessions: dict[str, dict[Device, str]] = {}
        self._last_seen: dict[str, int] = {}

    def set(self, session: Device, state: str) -> None:
        before = self.state(session.user_id).state
        self._sessions.setdefault(session.user_id, {})[session] = state
        self._notify_if_changed(session.user_id, before)

    def remove(self, session: Device) -> None:
        states = self._sessions.get(session.user_id)
        if not states or session not in states:
            return
        before = self.state(session.user_id).state
        del states[session]
        if not states:
            del self._sessions[session.user_id]
            self._last_seen[session.user_id] = self._clock.now_ms()
        self._notify_if_changed(session.user_id, before)

    def state(self, user_id: str) -> Presence:
        current = combine(list(self._sessions.get(user_id, {}).values()))
        return Presence(user_id, current, None if current != OFFLINE else iso_from_ms(self._last_seen.get(user_id)))

    def _notify_if_changed(self, user_id: str, before: str) -> None:
        after = self.state(user_id)
        if after.state != before:
            self._on_change(user_id, after)
