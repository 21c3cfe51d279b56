"""Token-bucket maths: burst, refill, the advertised wait, and bounded memory."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axon.domain.ratelimit import Bucket, RateLimiter, take

T0 = 1000.0


def attempts(bucket: Bucket | None, times: list[float], rate: float, burst: float) -> list[bool]:
    allowed = []
    for now in times:
        decision = take(bucket, now, rate, burst)
        bucket = decision.bucket
        allowed.append(decision.allowed)
    return allowed


def test_a_new_bucket_allows_a_full_burst_then_refuses() -> None:
    assert attempts(None, [T0] * 6, rate=1.0, burst=5) == [True] * 5 + [False]


def test_refusal_says_exactly_how_long_to_wait() -> None:
    empty = Bucket(tokens=0.0, updated=T0)
    assert take(empty, T0, rate=4.0, burst=10).retry_after == 0.25
    partial = Bucket(tokens=0.5, updated=T0)
    assert take(partial, T0, rate=2.0, burst=10).retry_after == 0.25
    assert take(partial, T0, rate=2.0, burst=10, cost=3).retry_after == 1.25


def test_allowed_attempts_have_no_wait() -> None:
    assert take(None, T0, rate=1.0, burst=1).retry_after == 0.0


def test_tokens_refill_at_the_rate() -> None:
    empty = Bucket(tokens=0.0, updated=T0)
    assert not take(empty, T0 + 0.25, rate=2.0, burst=5).allowed
    assert take(empty, T0 + 0.5, rate=2.0, burst=5).allowed
    assert attempts(empty, [T0 + 1.0] * 3, rate=2.0, burst=5) == [True, True, False]


def test_refill_stops_at_the_burst() -> None:
    empty = Bucket(tokens=0.0, updated=T0)
    assert attempts(empty, [T0 + 3600] * 4, rate=1.0, burst=3) == [True, True, True, False]


def test_refused_attempts_do_not_use_up_tokens() -> None:
    bucket = Bucket(tokens=0.5, updated=T0)
    for _ in range(10):
        bucket = take(bucket, T0, rate=1.0, burst=5).bucket
    assert take(bucket, T0 + 0.5, rate=1.0, burst=5).allowed


def test_cost_takes_several_tokens() -> None:
    decision = take(None, T0, rate=1.0, burst=5, cost=3)
    assert decision.allowed and decision.bucket.tokens == 2
    assert not take(decision.bucket, T0, rate=1.0, burst=5, cost=3).allowed


rates = st.sampled_from([0.1, 0.5, 1.0, 2.0, 3.0, 10.0, 50.0])
bursts = st.integers(1, 20)
gaps = st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=60)


@given(rate=rates, burst=bursts, gaps=gaps)
def test_never_allows_more_than_burst_plus_refill(rate: float, burst: int, gaps: list[float]) -> None:
    times = [T0 + sum(gaps[: i + 1]) for i in range(len(gaps))]
    allowed = attempts(None, times, rate, burst)
    for i in range(len(times)):
        # Over any stretch of attempts, at most burst + rate * elapsed get through.
        for j in range(i, len(times)):
            granted = sum(allowed[i : j + 1])
            # the limiter forgives a millionth of a token of float rounding
            assert granted <= burst + rate * (times[j] - times[i]) + 1e-6


@given(rate=rates, burst=st.integers(2, 20), tokens=st.floats(0, 0.999), updated=st.floats(0, 1e6),
       cost=st.sampled_from([1, 2]))
def test_waiting_the_advertised_time_is_enough(
    rate: float, burst: int, tokens: float, updated: float, cost: int
) -> None:
    refused = take(Bucket(tokens, updated), updated, rate, burst, cost)
    assert not refused.allowed
    assert refused.retry_after > 0
    assert take(refused.bucket, updated + refused.retry_after, rate, burst, cost).allowed


@given(rate=rates, burst=bursts, tokens=st.floats(0, 0.999), wait_fraction=st.floats(0, 0.99))
def test_retrying_before_the_advertised_time_is_refused(
    rate: float, burst: int, tokens: float, wait_fraction: float
) -> None:
    refused = take(Bucket(tokens, T0), T0, rate, burst)
    early = take(refused.bucket, T0 + refused.retry_after * wait_fraction, rate, burst)
    assert not early.allowed
    assert math.isclose(early.retry_after, refused.retry_after * (1 - wait_fraction), abs_tol=1e-9)


# --- RateLimiter ---------------------------------------------------------------------


def test_keys_have_separate_buckets() -> None:
    limiter = RateLimiter(rate=1.0, burst=1)
    assert limiter.check("alice", T0).allowed
    assert not limiter.check("alice", T0).allowed
    assert limiter.check("bob", T0).allowed


def test_buckets_that_have_refilled_are_evicted_first() -> None:
    limiter = RateLimiter(rate=1.0, burst=1, max_keys=2)
    limiter.check("busy", T0)
    limiter.check("idle", T0)
    assert limiter.check("busy", T0 + 9.5).allowed  # "busy" is the oldest key but has just spent its token
    limiter.check("new", T0 + 10)  # over max_keys: "idle" refilled long ago and can go
    assert not limiter.check("busy", T0 + 10).allowed
    assert not limiter.check("new", T0 + 10).allowed
    assert limiter.check("idle", T0 + 10).allowed


@pytest.mark.parametrize("max_keys", [1, 3, 10])
def test_memory_stays_bounded_even_when_every_bucket_is_busy(max_keys: int) -> None:
    limiter = RateLimiter(rate=1.0, burst=1, max_keys=max_keys)
    for i in range(50):
        limiter.check(f"k{i}", T0)
        assert len(limiter._buckets) <= max_keys
    assert not limiter.check("k49", T0).allowed  # the newest key is never the one dropped


def test_peeking_answers_like_an_attempt_but_takes_nothing() -> None:
    limiter = RateLimiter(rate=0.1, burst=2)
    assert all(limiter.peek("acct", T0).allowed for _ in range(5))  # peeks never use the burst up
    limiter.check("acct", T0)
    limiter.check("acct", T0)
    refused = limiter.peek("acct", T0)
    assert not refused.allowed and refused.retry_after == pytest.approx(10.0)
