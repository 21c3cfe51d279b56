"""``typing``: forwarded to the conversation's other members, at most once per interval."""

from __future__ import annotations

from ...domain.clock import Clock
from ...protocol import client as f
from ...services.core import Signals
from ..registry import FrameContext, FrameRegistry

TYPING_INTERVAL = 3.0  # seconds between forwarded notices, per user and conversation (docs/protocol.md)
_FORGET_AFTER = 4096  # remembered (user, conversation) pairs before the expired ones are dropped


def register(registry: FrameRegistry, *, clock: Clock, signals: Signals) -> None:
    registry.add(f.Typing, TypingNotices(clock, signals).typing)


class TypingNotices:
    """One per node: a user typing on two devices at once is still one notice per interval."""

    def __init__(self, clock: Clock, signals: Signals) -> None:
        self._clock = clock
        self._signals = signals
        self._forwarded: dict[tuple[str, str], float] = {}  # (user, conversation) -> when

    def typing(self, ctx: FrameContext, frame: f.Typing) -> None:
        if not ctx.follows(frame.conv):
            ctx.error("not_found", "Conversation not found.")
            return
        now = self._clock.monotonic()
        key = (ctx.actor.user_id, frame.conv)
        if now - self._forwarded.get(key, -1e9) < TYPING_INTERVAL:
            return
        if len(self._forwarded) >= _FORGET_AFTER:
            self._forwarded = {k: at for k, at in self._forwarded.items() if now - at < TYPING_INTERVAL}
        self._forwarded[key] = now
        self._signals.typing(frame.conv, ctx.actor.user_id)
