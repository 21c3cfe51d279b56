"""Storing many messages fast through the public WebSocket API (W5, W6 set-up).

One connection, ``window`` sends un-acked, conversations in round-robin;
returns when every send was acked (bounded by ``timeout_s``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ..adapters import axon
from ..stats import Scanner, Stats, make_marker


class FillError(Exception):
    pass


async def fill(cfg: dict[str, Any], uid: int, rooms: list[str], per_room: int, window: int = 256,
               timeout_s: float = 600) -> dict[str, Any]:
    client = axon.make_client({**cfg, "parse_frames": True}, uid)
    await client.connect_and_login()
    client.start_streaming(Scanner(uid, Stats()))
    wake = asyncio.Event()
    counts = {"inflight": 0, "acked": 0, "rejected": 0}

    def on_ack(_sent_ns: int, ok: bool) -> None:
        counts["inflight"] -= 1
        counts["acked" if ok else "rejected"] += 1
        wake.set()

    client.ack_cb = on_ack
    t0 = time.monotonic()
    deadline = t0 + timeout_s
    total = per_room * len(rooms)
    try:
        for i in range(total):
            while counts["inflight"] >= window:
                await _wait(wake, client, deadline)
            client.send(rooms[i % len(rooms)], make_marker(uid, i, time.monotonic_ns()))
            counts["inflight"] += 1
        while counts["inflight"] > 0:
            await _wait(wake, client, deadline)
    finally:
        client.close()
    elapsed = time.monotonic() - t0
    return {"stored": counts["acked"], "rejected": counts["rejected"], "s": round(elapsed, 2),
            "msgs_per_s": round(counts["acked"] / elapsed, 1)}


async def _wait(wake: asyncio.Event, client: Any, deadline: float) -> None:
    if not client.is_alive() or time.monotonic() > deadline:
        raise FillError("connection lost or fill deadline passed")
    wake.clear()
    try:
        await asyncio.wait_for(wake.wait(), 1)
    except TimeoutError:
        pass
