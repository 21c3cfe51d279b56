"""The Redis bus keeps trying while Redis is away, on the node's clock, and tells the node when it is
back (messages may have been lost meanwhile, so sessions reconcile)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

import pytest

from axon.bus.base import Envelope, Topic
from axon.bus.redis import RedisBus
from axon.testing.clock import FakeClock
from tests.support.people import eventually


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once the socket is closed


async def test_an_unreachable_redis_is_retried_after_the_pause_and_never_busy_loops(
        caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    bus = RedisBus(f"redis://127.0.0.1:{_closed_port()}/0", clock, retry_after=5.0)
    runner = asyncio.create_task(bus.run())
    try:
        with caplog.at_level(logging.ERROR, logger="axon.bus.redis"):
            await clock.until_sleeping()  # the first attempt failed: parked on the clock, not spinning
            assert len(caplog.records) == 1
            clock.advance(4.9)
            await clock.until_sleeping()
            assert len(caplog.records) == 1  # not before the pause is over
            clock.advance(0.1)
            await eventually(lambda: len(caplog.records) == 2)  # then exactly one more attempt
            await clock.until_sleeping()
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await bus.close()


async def test_a_node_hears_its_own_publications_and_is_told_when_its_subscription_came_back() -> None:
    from redis.asyncio import Redis

    url = os.environ.get("AXON_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    clock = FakeClock()
    bus = RedisBus(url, clock, retry_after=1.0)
    received: list[Envelope] = []
    reconnected: list[bool] = []
    bus.attach(received.extend)
    bus.on_reconnect(lambda: reconnected.append(True))
    runner = asyncio.create_task(bus.run())
    admin = Redis.from_url(url)
    try:
        first = Envelope(Topic.CONVERSATION, "c_bus_test", 7, b'{"t":"event"}', "message.new")
        await eventually(lambda: bus._connected_before)  # type: ignore[attr-defined]
        await bus.publish([first])
        await eventually(lambda: first in received)
        assert reconnected == []  # the first subscription is not a reconnect
        # Redis drops this node's subscription, as on a restart (only this node's: other tests' nodes
        # may share the server).
        for client in await admin.client_list(_type="pubsub"):
            if client["name"] == bus.client_name:
                await admin.client_kill_filter(_id=client["id"])
        await clock.until_sleeping()
        clock.advance(1.0)
        await eventually(lambda: reconnected == [True])
        second = Envelope(Topic.CONVERSATION, "c_bus_test", 8, b'{"t":"event"}', "message.new")
        await bus.publish([second])
        await eventually(lambda: second in received)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await bus.close()
        await admin.aclose()
