"""W1: idle authenticated connections, each user in a room of 10.

Connects in steps (default 1,000 -> 5,000 -> 10,000 on the same node) so one
run gives the growth curve. Per step: token-authenticated connects/s (WebSocket
upgrade + ``hello`` until ``synced``), server CPU per connect, RSS growth per
connection (VmRSS after a settle pause minus VmRSS before the first
connection, over all connections held), and idle CPU over 5 s with every
connection held (Axon clients send the protocol's ``ping`` every 15 s; XMPP clients stay
silent). For ejabberd a connect is a SASL PLAIN login (PBKDF2 against the SCRAM-stored
password) + bind + session + MUC join of the user's room.
"""

from __future__ import annotations

import time
from typing import Any

from .. import session


def add_arguments(p: Any) -> None:
    p.add_argument("--sizes", default="1000,5000,10000", help="connection counts (cumulative steps)")
    p.add_argument("--room-size", type=int, default=10)
    p.add_argument("--concurrency", type=int, default=50, help="connects in flight per worker")
    p.add_argument("--settle", type=float, default=5)


def run(args: Any) -> dict[str, Any]:
    return session.per_server(args, "w1", _w1)


def _w1(args: Any, target: Any) -> dict[str, Any]:
    sizes = [int(x) for x in args.sizes.split(",")]
    n, size = max(sizes), args.room_size
    rooms = {f"r{i}": list(range(i * size, min(n, (i + 1) * size))) for i in range((n + size - 1) // size)}
    cfg, prov = target.provision(list(range(n)), rooms, "w1")
    coord = session.target_coordinator(target, cfg, args)
    try:
        time.sleep(2)
        base = coord.snapshot()
        steps, done = [], 0
        for target_n in sizes:
            members = [(u, [f"r{u // size}"]) for u in range(done, target_n)]
            conn = coord.connect(coord.split(members), args.concurrency)
            done = target_n
            time.sleep(args.settle)
            after = coord.snapshot()
            held = conn["held"]
            a = coord.snapshot()
            time.sleep(5)
            idle = coord.delta(a, coord.snapshot())
            step = {"n": target_n, "held": held, "connect": conn, "rss_kib_before": base["server_rss_kib"],
                    "rss_kib_after": after["server_rss_kib"],
                    "kib_per_conn": round((after["server_rss_kib"] - base["server_rss_kib"]) / max(1, held), 2),
                    "idle_server_cpu_pct": idle["server_cpu_pct"], "idle_other_cpu_pct": idle["other_cpu_pct"]}
            print(f"W1 {target.name} step {target_n}: {held} held, {conn['connects_per_s']} conn/s, "
                  f"{step['kib_per_conn']} KiB/conn, idle CPU {step['idle_server_cpu_pct']}%", flush=True)
            steps.append(step)
        close = coord.close()
    finally:
        coord.shutdown()
    return {**session.meta(args, "w1", target), "server": target.name, "provision": prov, "steps": steps,
            "close": close}
