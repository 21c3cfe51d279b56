"""Per-user counts shared between nodes through Redis, so that limits hold across the cluster.

Each node adds what it counted (e.g. a user's sends) since its last share to a Redis counter of the
current window (``INCRBY`` on ``axon:usage:<what>:<user>:<window>``, expiring after a few windows),
every ``interval`` seconds, and learns the cluster's total from the answer. A user over the
allowance is refused on every node for the rest of the window. Windows follow the wall clock, so
all nodes agree on them as far as their clocks agree. If Redis is unreachable the nodes keep their
own limits and log it: the sharing tightens limits, it is never needed for a send to work.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("axon.usage")


class RedisUsage:
    def __init__(self, url: str, what: str, *, window: float = 10.0, interval: float = 0.2,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self._redis = Redis.from_url(url)
        self._what = what
        self.window = window
        self.interval = interval
        self._now = wall_clock

    async def run(self, counted: Callable[[], dict[str, int]], allowance: int,
                  over: Callable[[str, float], None]) -> None:
        """Share ``counted()`` every interval; call ``over(user, seconds left)`` for users past ``allowance``."""
        try:
            while True:
                await asyncio.sleep(self.interval)
                counts = counted()
                if counts:
                    try:
                        await self.share(counts, allowance, over)
                    except (RedisError, OSError) as exc:
                        log.warning("could not share %s counts through Redis: %s", self._what, exc)
        finally:
            await self._redis.aclose()

    async def share(self, counts: dict[str, int], allowance: int, over: Callable[[str, float], None]) -> None:
        now = self._now()
        window = int(now // self.window)
        left = self.window - (now % self.window)
        pipe = self._redis.pipeline(transaction=False)
        for user, n in counts.items():
            key = f"axon:usage:{self._what}:{user}:{window}"
            pipe.incrby(key, n)
            pipe.expire(key, math.ceil(self.window * 3))
        totals = (await pipe.execute())[::2]
        for user, total in zip(counts, totals, strict=True):
            if int(total) > allowance:
                over(user, left)
