"""Send plans run inside a worker: windowed (one sender, N in flight), fixed-rate
schedule (intended send times, no coordinated omission), and acked-window
(W4: every sender keeps W un-acked sends in flight; ack latency from the id)."""

from __future__ import annotations

import asyncio
import heapq
import time
from array import array
from typing import Any

from .stats import make_marker


async def run_window(clients: dict[int, Any], plan: dict[str, Any]) -> dict:
    """One sender, at most ``window`` messages whose echo has not come back."""
    uid, room, n, window = plan["senders"][0]
    client = clients.get(uid)
    if client is None:
        return {"sent": 0}
    hard = plan["hard_deadline_ns"]
    echoed = [0]
    wake = asyncio.Event()

    def on_echo() -> None:
        echoed[0] += 1
        wake.set()

    client.scanner.echo_cb = on_echo
    first = time.monotonic_ns()
    seq = 0
    while seq < n and time.monotonic_ns() < hard:
        if seq - echoed[0] >= window:
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), 10)
            except TimeoutError:
                break  # stalled: no echo for 10 s
            continue
        client.send(room, make_marker(uid, seq, time.monotonic_ns()))
        seq += 1
        if seq % 32 == 0:
            await asyncio.sleep(0)
    client.scanner.echo_cb = None
    return {"sent": seq, "first_send_ns": first, "last_send_ns": time.monotonic_ns()}


async def run_schedule(clients: dict[int, Any], plan: dict[str, Any]) -> dict:
    """senders: (uid, room, n, rate/s, offset s); each message is stamped with its *intended* time."""
    t0, hard = plan["t0_ns"], plan["hard_deadline_ns"]
    heap = [(t0 + int(off * 1e9), uid, room, 0, n, int(1e9 / rate))
            for (uid, room, n, rate, off) in plan["senders"] if uid in clients]
    heapq.heapify(heap)
    sent = errors = late_max_us = 0
    while heap:
        now = time.monotonic_ns()
        if now >= hard:
            break
        due, uid, room, seq, n, period = heap[0]
        if due > now:
            await asyncio.sleep((due - now) / 1e9)
            continue
        heapq.heappop(heap)
        late_max_us = max(late_max_us, (now - due) // 1000)
        try:
            clients[uid].send(room, make_marker(uid, seq, due))
            sent += 1
        except Exception:  # noqa: BLE001 - a dead connection: counted
            errors += 1
        if seq + 1 < n:
            heapq.heappush(heap, (due + period, uid, room, seq + 1, n, period))
        if sent % 64 == 0:
            await asyncio.sleep(0)
    return {"sent": sent, "send_errors": errors, "first_send_ns": t0, "last_send_ns": time.monotonic_ns(),
            "late_max_us": late_max_us}


async def run_acked(clients: dict[int, Any], plan: dict[str, Any]) -> dict:
    """senders: (uid, room, window); send until ``duration_s`` is over, then wait (bounded) for the acks."""
    stop_ns = plan["t0_ns"] + int(plan["duration_s"] * 1e9)
    lat = array("q")
    counts = {"sent": 0, "acked": 0, "rejected": 0}

    async def one(uid: int, room: str, window: int) -> None:
        client = clients[uid]
        inflight = [0]
        wake = asyncio.Event()

        def on_ack(sent_ns: int, ok: bool) -> None:
            inflight[0] -= 1
            counts["acked" if ok else "rejected"] += 1
            if ok:
                lat.append((time.monotonic_ns() - sent_ns) // 1000)
            wake.set()

        client.ack_cb = on_ack
        seq = 0
        while time.monotonic_ns() < min(stop_ns, plan["hard_deadline_ns"]) and client.is_alive():
            if inflight[0] >= window:
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), 1)
                except TimeoutError:
                    pass
                continue
            client.send(room, make_marker(uid, seq, time.monotonic_ns()))
            inflight[0] += 1
            counts["sent"] += 1
            seq += 1
            if seq % 16 == 0:
                await asyncio.sleep(0)
        while inflight[0] > 0 and time.monotonic_ns() < plan["hard_deadline_ns"] and client.is_alive():
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), 1)
            except TimeoutError:
                pass

    first = time.monotonic_ns()
    await asyncio.gather(*(one(*s) for s in plan["senders"] if s[0] in clients))
    return {**counts, "first_send_ns": first, "last_send_ns": time.monotonic_ns(), "ack_lat_us": lat.tobytes()}
