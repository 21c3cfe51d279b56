"""A node's look for devices revoked elsewhere: each revocation handled once, and a failed look retried."""

from __future__ import annotations

import asyncio

from axon.gateway.revocations import OVERLAP_MS, RevocationWatch
from axon.testing.clock import FakeClock


class Devices:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.revoked: dict[str, int] = {}
        self.wipe: set[str] = set()
        self.failing = False

    async def revoked_since(self, since_ms: int) -> list[tuple[str, int, bool]]:
        if self.failing:
            raise ConnectionError("database away")
        return [(d, at, d in self.wipe) for d, at in self.revoked.items() if at >= since_ms]


async def test_each_revocation_is_handled_once_and_a_failed_look_is_retried() -> None:
    clock = FakeClock()
    devices = Devices(clock)
    handled: list[str] = []
    watch = RevocationWatch(clock, 1.0, devices.revoked_since, lambda device, wipe: handled.append(device))
    task = asyncio.create_task(watch.run())
    await clock.until_sleeping()
    devices.revoked["d_phone"] = clock.now_ms()
    clock.advance(1.0)
    await clock.until_sleeping()
    assert handled == ["d_phone"]
    clock.advance(1.0)  # still inside the overlap window: seen again, not handled again
    await clock.until_sleeping()
    assert handled == ["d_phone"]
    devices.failing = True
    devices.revoked["d_laptop"] = clock.now_ms()
    clock.advance(1.0)
    await clock.until_sleeping()  # the failed look was logged and the loop goes on
    devices.failing = False
    clock.advance(1.0)
    await clock.until_sleeping()
    assert handled == ["d_phone", "d_laptop"]
    clock.advance(OVERLAP_MS / 1000 + 2)
    await clock.until_sleeping()
    assert handled == ["d_phone", "d_laptop"]
    task.cancel()


async def test_a_wipe_order_made_elsewhere_closes_the_sessions_as_wiped() -> None:
    clock = FakeClock()
    devices = Devices(clock)
    handled: list[tuple[str, bool]] = []
    watch = RevocationWatch(clock, 1.0, devices.revoked_since, lambda device, wipe: handled.append((device, wipe)))
    devices.revoked.update(d_lost=clock.now_ms(), d_old=clock.now_ms())
    devices.wipe.add("d_lost")
    await watch.look()
    assert sorted(handled) == [("d_lost", True), ("d_old", False)]
