"""Heartbeats, reconciliation and the hello deadline run on the injected clock: tested without real time."""

from __future__ import annotations

import asyncio
from typing import Any

from axon.domain.errors import Unauthenticated
from axon.gateway.heartbeats import Heartbeats
from axon.gateway.hub import Hub
from axon.gateway.limits import SessionLimits
from axon.gateway.reconcile import Reconciler
from axon.gateway.session import Session, SessionServices
from axon.gateway.state import State
from axon.protocol.close_codes import CloseCode
from axon.testing.clock import FakeClock
from axon.testing.transport import MemoryTransport


class Connection:
    def __init__(self, clock: FakeClock) -> None:
        self.last_received = clock.monotonic()
        self.closed: int | None = None
        self.repairs: list[tuple[str, int]] = []

    def close(self, code: int, reason: str = "") -> None:
        self.closed = code

    def repair(self, conversation_id: str, last_seq: int) -> None:
        self.repairs.append((conversation_id, last_seq))


async def _stopped(task: asyncio.Task[Any]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_session_silent_past_the_timeout_is_closed_on_the_next_beat_and_chores_run_each_beat() -> None:
    clock = FakeClock()
    chatty, silent = Connection(clock), Connection(clock)
    beats: list[float] = []

    async def store_last_seen() -> None:
        beats.append(clock.monotonic())

    heartbeats = Heartbeats(clock, 40.0, lambda: [chatty, silent], store_last_seen)
    assert heartbeats.interval == 10.0
    task = asyncio.create_task(heartbeats.run())
    for _ in range(4):
        await clock.until_sleeping()
        clock.advance(10.0)
        chatty.last_received = clock.monotonic()
    await clock.until_sleeping()
    assert silent.closed is None and len(beats) == 4  # exactly 40 s of silence: not yet over the timeout
    clock.advance(10.0)
    await clock.until_sleeping()
    assert silent.closed == CloseCode.HEARTBEAT_TIMEOUT and chatty.closed is None and len(beats) == 5
    await _stopped(task)


async def test_reconciliation_repairs_followers_each_jittered_interval() -> None:
    clock = FakeClock()
    a, b = Connection(clock), Connection(clock)
    followers = {"c_1": {a, b}, "c_2": {b}}
    asked: list[list[str]] = []

    async def latest(ids: list[str]) -> dict[str, int]:
        asked.append(sorted(ids))
        return {"c_1": 5, "c_2": 9}

    reconciler = Reconciler(clock, 60.0, followers, latest, jitter=lambda interval: interval * 1.2)
    task = asyncio.create_task(reconciler.run())
    await clock.until_sleeping()
    clock.advance(71.0)
    await asyncio.sleep(0)
    assert asked == []  # the jittered interval (72 s) has not passed
    clock.advance(1.0)
    await clock.until_sleeping()
    assert asked == [["c_1", "c_2"]]
    assert a.repairs == [("c_1", 5)] and sorted(b.repairs) == [("c_1", 5), ("c_2", 9)]
    await _stopped(task)


async def test_a_bus_reconnect_reconciles_at_once_and_a_failure_does_not_stop_the_loop() -> None:
    clock = FakeClock()
    calls = 0
    done = asyncio.Event()

    async def latest(ids: list[str]) -> dict[str, int]:
        nonlocal calls
        calls += 1
        done.set()
        if calls == 1:
            raise ConnectionError("database away")
        return {}

    reconciler = Reconciler(clock, 60.0, {"c_1": set()}, latest)
    task = asyncio.create_task(reconciler.run())
    for expected in (1, 2):
        done.clear()
        reconciler.bus_reconnected()
        await done.wait()
        assert calls == expected
    await _stopped(task)


def _services(clock: FakeClock, authenticate: Any, finished: list[Session]) -> SessionServices:
    limits = SessionLimits(hello_timeout=10.0, outbound_queue=64, max_frame_bytes=65536, frame_rate=50,
                           frame_burst=200, resume_limit=2000, heartbeat_interval=15, heartbeat_timeout=45,
                           max_text_bytes=16384)
    return SessionServices("n_test", limits, clock, authenticate, None, Hub(), None, None,  # type: ignore[arg-type]
                           finished.append)


async def test_no_hello_within_the_deadline_gets_not_ready_and_close_4001() -> None:
    clock, transport, finished = FakeClock(), MemoryTransport(), []
    session = Session(transport, "127.0.0.1", _services(clock, None, finished))
    session.start()
    await clock.until_sleeping()
    clock.advance(9.9)
    await asyncio.sleep(0)
    assert transport.writes == [] and session.state is State.AWAITING_HELLO
    clock.advance(0.1)
    frames = await transport.until_frames(1)
    assert frames == [{"t": "error", "error": {"code": "not_ready", "message": "Send hello first."}}]
    assert session.state is State.CLOSED and session.close_code == CloseCode.UNAUTHENTICATED
    assert await transport.until_closed() == (CloseCode.UNAUTHENTICATED, "no hello")
    await session.finish()
    assert finished == [session] and len(session._tasks) == 0  # noqa: SLF001 - every task awaited


async def test_a_bad_token_is_answered_and_closed_and_finish_awaits_every_task() -> None:
    clock, transport, finished = FakeClock(), MemoryTransport(), []

    async def refuse(token: str, address: str) -> Any:
        raise Unauthenticated("Unknown token.")

    session = Session(transport, "127.0.0.1", _services(clock, refuse, finished))
    session.start()
    await session.handle(b'{"t":"hello","token":"nope","ref":"h"}')
    assert transport.frames[0]["error"]["code"] == "unauthenticated" and transport.frames[0]["ref"] == "h"
    assert session.close_code == CloseCode.UNAUTHENTICATED
    await session.finish()
    assert finished == [session] and len(session._tasks) == 0  # noqa: SLF001


async def test_a_device_ordered_to_wipe_is_told_so_and_closed_with_4004() -> None:
    clock, transport, finished = FakeClock(), MemoryTransport(), []

    async def wipe_ordered(token: str, address: str) -> Any:
        raise Unauthenticated("Wipe this device.", code="wipe_requested")

    session = Session(transport, "127.0.0.1", _services(clock, wipe_ordered, finished))
    session.start()
    await session.handle(b'{"t":"hello","token":"lost-laptop","ref":"h"}')
    assert transport.frames[0]["error"]["code"] == "wipe_requested"
    assert session.close_code == CloseCode.WIPE
    await session.finish()
