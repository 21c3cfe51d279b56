"""``ping``: answered with ``pong`` (receiving it already counted as a heartbeat)."""

from __future__ import annotations

from ...protocol import client as f
from ...protocol.server import Pong
from ..registry import FrameContext, FrameRegistry


def register(registry: FrameRegistry) -> None:
    registry.add(f.Ping, ping)


def ping(ctx: FrameContext, frame: f.Ping) -> None:
    ctx.reply(Pong(frame.ref))
