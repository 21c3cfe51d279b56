"""Handlers of client frames, one module per family; each registers its frames in ``register``.

A new family (call signalling, upload progress, …) is a struct per frame in
``axon/protocol`` and a module here, listed once in ``build_registry``.
"""

from __future__ import annotations

from ...domain.clock import Clock
from ...services.markers import Markers
from ...services.messages import Messages
from ...services.people import People
from ...services.ports import Signals
from ..hub import Hub
from ..presence import PresenceTracker
from ..registry import FrameRegistry
from . import messaging, ping, presence, typing_notices


def build_registry(*, clock: Clock, messages: Messages, markers: Markers, signals: Signals, people: People,
                   hub: Hub, tracker: PresenceTracker) -> FrameRegistry:
    registry = FrameRegistry()
    messaging.register(registry, messages=messages, markers=markers)
    typing_notices.register(registry, clock=clock, signals=signals)
    presence.register(registry, hub=hub, tracker=tracker, people=people)
    ping.register(registry)
    return registry
