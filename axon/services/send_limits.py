"""How fast one person may send: per user and per device, over REST and the WebSocket alike.

The WebSocket's frame limit is per connection, so three sockets (or REST beside a socket) used to
triple what one person could send. Every send now takes a token from its user's bucket and from its
device's bucket first (``domain.ratelimit``), and a refusal is ``rate_limited`` with the wait.

Several nodes: each node's buckets see only its own connections, so nodes also share their counts
through Redis when it is configured (``axon.bus.redis_usage``): a user whose sends across the cluster
pass what one node would allow in a window is refused on every node until the window ends. The
check stays synchronous (sends from one connection keep their order); the sharing runs beside it, so
the cluster-wide limit holds within one sharing interval.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from ..domain.clock import Clock
from ..domain.errors import RateLimited
from ..domain.model import Actor

MAX_BUCKETS = 200_000  # per kind; beyond it the buckets start again full (a cold start costs nothing but a burst)


@dataclass(frozen=True, slots=True)
class SendRates:
    per_user: float = 20.0  # sends per second, sustained
    user_burst: float = 100.0
    per_device: float = 10.0
    device_burst: float = 60.0

    def window_allowance(self, window: float) -> int:
        """Most sends a user may make in ``window`` seconds across the cluster (a full burst, then the rate)."""
        return math.floor(self.user_burst + self.per_user * window)


class SendLimits:
    def __init__(self, clock: Clock, rates: SendRates) -> None:
        self.clock = clock
        self.rates = rates
        # Token buckets as [tokens, last update] per user and per device: the same arithmetic as
        # ``domain.ratelimit.take``, kept inline because it runs on every send (without the two
        # immutable objects per check, a send's limit costs a third of what it did).
        self._users: dict[str, list[float]] = {}
        self._devices: dict[str, list[float]] = {}
        self._blocked_until: dict[str, float] = {}  # user -> clock.monotonic(): refused cluster-wide
        self._counted: Counter[str] = Counter()  # this node's sends per user since the last share

    def take(self, actor: Actor) -> None:
        """Count one send of ``actor``, or refuse it with how long to wait."""
        now = self.clock.monotonic()
        if self._blocked_until:
            until = self._blocked_until.get(actor.user_id)
            if until is not None:
                if until > now:
                    wait = until - now
                    raise RateLimited(f"Too many messages from you on all your devices; wait {math.ceil(wait)} s.",
                                      retry_after=wait)
                del self._blocked_until[actor.user_id]
        rates = self.rates
        device = _refill(self._devices, actor.device_id, now, rates.per_device, rates.device_burst)
        user = _refill(self._users, actor.user_id, now, rates.per_user, rates.user_burst)
        if device[0] < 1.0 - 1e-6:
            wait = (1.0 - device[0]) / rates.per_device
            raise RateLimited(f"Too many messages from this device; wait {math.ceil(wait)} s.", retry_after=wait)
        if user[0] < 1.0 - 1e-6:
            wait = (1.0 - user[0]) / rates.per_user
            raise RateLimited(f"Too many messages from you on all your devices; wait {math.ceil(wait)} s.",
                              retry_after=wait)
        device[0] -= 1.0
        user[0] -= 1.0
        self._counted[actor.user_id] += 1

    # --- sharing with other nodes -------------------------------------------------

    def counted_since_last_share(self) -> dict[str, int]:
        counted, self._counted = self._counted, Counter()
        return dict(counted)

    def block(self, user_id: str, seconds: float) -> None:
        """Other nodes' counts put the user over the cluster-wide limit: refuse for ``seconds``."""
        until = self.clock.monotonic() + seconds
        self._blocked_until[user_id] = max(until, self._blocked_until.get(user_id, 0.0))


def _refill(buckets: dict[str, list[float]], key: str, now: float, rate: float, burst: float) -> list[float]:
    """The key's bucket with what it gained since its last update (a new key starts full)."""
    bucket = buckets.get(key)
    if bucket is None:
        if len(buckets) >= MAX_BUCKETS:  # rare: every idle bucket is full again after burst / rate
            buckets.clear()
        bucket = buckets[key] = [burst, now]
    else:
        bucket[0] = min(burst, bucket[0] + (now - bucket[1]) * rate)
        bucket[1] = now
    return bucket
