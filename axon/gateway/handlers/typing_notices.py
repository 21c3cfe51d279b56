"""``typing``: forwarded to the conversation's other members, at most once per interval."""

from __future__ import annotations

from ...domain.clock import Clock
from ...protocol import client as f
from ...services.core import Signals
from ..registry import FrameContext, FrameRegistry

TYPING_INTERVAL = 3.0  # seconds between forwarded notices, per connection and conversation (docs/protocol.md)


def register(registry: FrameRegistry, *, clock: Clock, signals: Signals) -> None:
    registry.add(f.Typing, TypingNotices(clock, signals).typing)


class TypingNotices:
    def __init__(self, clock: Clock, signals: Signals) -> None:
        self._clock = clock
        self._signals = signals

    def typing(self, ctx: FrameContext, frame: f.Typing) -> None:
        if not ctx.follows(frame.conv):
            ctx.error("not_found", "Conversation not found.")
            return
        now = self._clock.monotonic()
        forwarded: dict[str, float] = ctx.handler_state.setdefault(__name__, {})  # conversation -> when
        if now - forwarded.get(frame.conv, -1e9) < TYPING_INTERVAL:
            return
        forwarded[frame.conv] = now
        self._signals.typing(frame.conv, ctx.actor.user_id)
