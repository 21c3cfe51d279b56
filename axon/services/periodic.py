"""A node's periodic jobs (retention, reminders, …): one round now, then one every ``interval``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

from ..domain.clock import Clock


async def every(clock: Clock, interval: float, round_: Callable[[], Awaitable[Any]], log: logging.Logger,
                what: str) -> NoReturn:
    """Run ``round_`` now and then every ``interval`` seconds, for the node's life (the runtime cancels
    it). A failed round is logged and the next one comes: a lost database must not end the node's
    task group."""
    while True:
        try:
            await round_()
        except Exception:
            log.exception("%s failed; trying again in %.0f s", what, interval)
        await clock.sleep(interval)
