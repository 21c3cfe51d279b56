"""Token-bucket rate limiting as pure arithmetic.

A bucket holds up to ``burst`` tokens and refills at ``rate`` tokens per second.
Each attempt takes one token; with none left the caller must wait
``(1 - tokens) / rate`` seconds. State is just (tokens, last_time), so the same
maths serves in-memory limits and could be stored anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bucket:
    tokens: float
    updated: float


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    bucket: Bucket
    retry_after: float


def take(bucket: Bucket | None, now: float, rate: float, burst: float, cost: float = 1.0) -> Decision:
    if bucket is None:
        tokens = burst
    else:
        tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
    if tokens >= cost - 1e-6:  # waiting exactly retry_after must be enough despite float rounding
        return Decision(True, Bucket(tokens - cost, now), 0.0)
    return Decision(False, Bucket(tokens, now), (cost - tokens) / rate)


class RateLimiter:
    """Keyed buckets in memory, dropping buckets that have refilled completely."""

    def __init__(self, rate: float, burst: float, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[str, Bucket] = {}

    def peek(self, key: str, now: float, cost: float = 1.0) -> Decision:
        """Would an attempt be allowed now? Takes nothing (for limits that count only failures)."""
        return take(self._buckets.get(key), now, self.rate, self.burst, cost)

    def check(self, key: str, now: float, cost: float = 1.0) -> Decision:
        decision = take(self._buckets.get(key), now, self.rate, self.burst, cost)
        self._buckets[key] = decision.bucket
        if len(self._buckets) > self.max_keys:
            self._evict_full(now)
        return decision

    def _evict_full(self, now: float) -> None:
        full_after = self.burst / self.rate
        stale = [k for k, b in self._buckets.items() if now - b.updated >= full_after]
        for key in stale:
            del self._buckets[key]
        while len(self._buckets) > self.max_keys:
            self._buckets.pop(next(iter(self._buckets)))
