"""Sends per user and per device: one budget whichever device or protocol is used, and a cluster-wide refusal."""

from __future__ import annotations

import pytest

from axon.domain.errors import RateLimited
from axon.domain.model import Actor
from axon.services.send_limits import SendLimits, SendRates
from axon.testing.clock import FakeClock

RATES = SendRates(per_user=1.0, user_burst=5, per_device=1.0, device_burst=3)
PHONE, LAPTOP = Actor("u_ann", "o_1", "d_phone"), Actor("u_ann", "o_1", "d_laptop")
OTHER = Actor("u_bob", "o_1", "d_bob")


def sends(limits: SendLimits, actor: Actor, n: int) -> list[bool]:
    allowed = []
    for _ in range(n):
        try:
            limits.take(actor)
            allowed.append(True)
        except RateLimited:
            allowed.append(False)
    return allowed


def test_a_device_has_its_own_burst_and_the_user_one_for_all_devices() -> None:
    limits = SendLimits(FakeClock(), RATES)
    assert sends(limits, PHONE, 4) == [True, True, True, False]
    assert sends(limits, LAPTOP, 3) == [True, True, False]  # the user's five are used up across devices
    assert sends(limits, OTHER, 3) == [True, True, True]  # someone else is not affected


def test_a_refusal_says_how_long_to_wait_and_the_budget_refills() -> None:
    clock = FakeClock()
    limits = SendLimits(clock, RATES)
    sends(limits, PHONE, 3)
    with pytest.raises(RateLimited) as refused:
        limits.take(PHONE)
    assert refused.value.retry_after == pytest.approx(1.0) and "this device" in refused.value.message
    clock.advance(1.0)
    assert sends(limits, PHONE, 1) == [True]


def test_a_cluster_wide_block_refuses_every_device_until_it_ends_and_counts_are_handed_over_once() -> None:
    clock = FakeClock()
    limits = SendLimits(clock, RATES)
    sends(limits, PHONE, 2)
    sends(limits, OTHER, 1)
    assert limits.counted_since_last_share() == {"u_ann": 2, "u_bob": 1}
    assert limits.counted_since_last_share() == {}
    limits.block("u_ann", 4.0)
    with pytest.raises(RateLimited) as refused:
        limits.take(LAPTOP)
    assert refused.value.retry_after == pytest.approx(4.0)
    clock.advance(4.0)
    assert sends(limits, LAPTOP, 1) == [True]


def test_the_cluster_allowance_is_a_burst_and_the_rate_over_the_window() -> None:
    assert SendRates(per_user=20, user_burst=100).window_allowance(10.0) == 300
