"""W2 room-size curve: one room, N online receivers + 1 sender, N = 10 -> 5,000.

How W2's figures grow with the room: for each size (ascending) the sender and N receivers
connect to a room of exactly that size (the previous size's connections are closed first, so
the server holds N + 1 connections), then the same phases run at every size:

* ``deliveries:<per s>:<seconds>`` — a fixed offered *delivery* rate: the sender sends
  ``rate / N`` msg/s, so every size offers the server the same deliveries per second and
  the curve shows what a bigger fan-out costs per delivery (CPU) and in latency (the last
  receiver of one message waits for the N - 1 before it);
* ``msgs:<msg/s>:<seconds>`` — a fixed message rate (offered deliveries grow with N);
* ``window:<deliveries>:<in flight>`` — as fast as possible, at most ``in flight`` messages
  whose echo has not come back; ``deliveries / N`` messages (at least ``in flight``).

Per size and phase: deliveries/s, deliveries per server CPU-second, p50/p99, loss and
duplicates, server CPU and RSS, other tenants' CPU. Axon rooms over 1,000 members are
provisioned in chunks (``bench.provision``); ejabberd's MUC rooms form on join.
"""

from __future__ import annotations

import math
import time
from typing import Any

from .. import session


def add_arguments(p: Any) -> None:
    p.add_argument("--sizes", default="10,100,500,1000,2000,5000", help="receivers per room (ascending)")
    p.add_argument("--phases", default="deliveries:10000:10,window:100000:20",
                   help="deliveries:<per s>:<s>, msgs:<msg/s>:<s> or window:<deliveries>:<in flight>, comma-separated")
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--pause", type=float, default=2)
    p.add_argument("--idle-timeout", type=float, default=10)
    p.add_argument("--max-s", type=float, default=120)


def plans_for(spec: str, receivers: int, room: str, recv_per_worker: list[int], args: Any) -> list[dict]:
    """One plan per worker; the sender (uid 0) lives in worker 0."""
    kind, a, b = spec.split(":")
    if kind == "window":
        window = int(b)
        n = max(window, math.ceil(int(a) / receivers))
        sender: tuple = (0, room, n, window)
        mode, max_s = "window", args.max_s
    elif kind in ("deliveries", "msgs"):
        rate = float(a) / receivers if kind == "deliveries" else float(a)
        n = max(1, round(rate * float(b)))
        sender = (0, room, n, rate, 0.0)
        mode, max_s = "schedule", n / rate + args.max_s
    else:
        raise SystemExit(f"unknown phase {spec!r}")
    return [{"mode": mode, "senders": [sender] if w == 0 else [], "expected": r * n,
             "idle_timeout_s": args.idle_timeout, "max_s": max_s} for w, r in enumerate(recv_per_worker)]


def run(args: Any) -> dict[str, Any]:
    return session.per_server(args, "w2-rooms", _rooms)


def _rooms(args: Any, target: Any) -> dict[str, Any]:
    sizes = sorted(int(x) for x in args.sizes.split(","))
    rooms = {f"s{n}": list(range(n + 1)) for n in sizes}  # u0 sends, u1..uN receive
    cfg, prov = target.provision(list(range(max(sizes) + 1)), rooms, "w2r")
    coord = session.target_coordinator(target, cfg, args)
    points = []
    try:
        for n in sizes:
            room = f"s{n}"
            per = coord.split([(u, [room]) for u in range(1, n + 1)])
            per[0].insert(0, (0, [room]))
            conn = coord.connect(per, args.concurrency)
            recv_per_worker = [sum(1 for (u, _) in m if u != 0) for m in per]
            print(f"W2-rooms {target.name} {n}: {conn['ok']} connected ({conn['connects_per_s']}/s)", flush=True)
            phases = []
            for spec in args.phases.split(","):
                time.sleep(args.pause)
                phase = coord.run_phase(spec, plans_for(spec, n, room, recv_per_worker, args))
                phase["receivers"] = sum(recv_per_worker)
                phases.append(phase)
            points.append({"receivers": n, "connect": conn, "phases": phases, "close": coord.close()})
    finally:
        coord.shutdown()
    return {**session.meta(args, "w2-rooms", target), "server": target.name, "provision": prov,
            "sizes": sizes, "points": points}
