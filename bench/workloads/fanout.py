"""W2 (fan-out: one room, N online receivers) and W3 (chat mix: users in rooms of 10, 1 msg/s each).

Same plans as the peers' ``run.py``: fixed-rate phases stamp the *intended*
send time (no coordinated omission); the window phase keeps at most W
messages whose echo has not come back. A phase ends when all expected
deliveries arrived, after ``--idle-timeout`` s without progress, or at its
deadline. Loss = expected - delivered; duplicates and out-of-order
deliveries are counted per (receiver, sender). ``--servers axon,ejabberd`` runs the same
body against each server in turn (``bench.session.per_server``).
"""

from __future__ import annotations

import random
import time
from typing import Any

from .. import session
from ..profiling import Profiler


def add_w2_arguments(p: Any) -> None:
    p.add_argument("--receivers", type=int, default=500)
    p.add_argument("--phases", default="rate:20:600,rate:35:1050,window:2000:100",
                   help="rate:<msg/s>:<count> or window:<count>:<in flight>, comma-separated")
    _common(p)


def add_w3_arguments(p: Any) -> None:
    p.add_argument("--users", type=int, default=500)
    p.add_argument("--room-size", type=int, default=10)
    p.add_argument("--rate", type=float, default=1.0, help="msg/s per user")
    p.add_argument("--duration", type=float, default=60)
    _common(p)


def _common(p: Any) -> None:
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--pause", type=float, default=3)
    p.add_argument("--idle-timeout", type=float, default=10)
    p.add_argument("--max-s", type=float, default=120)


def _phase_plans(coord: Any, spec: str, sender: int, room: str, recv_per_worker: list[int], args: Any) -> list[dict]:
    kind, *vals = spec.split(":")
    plans = []
    for w in range(coord.nw):
        if kind == "window":
            n, window = int(vals[0]), int(vals[1])
            senders = [(sender, room, n, window)] if w == 0 else []
            max_s = args.max_s
        else:
            rate, n = float(vals[0]), int(vals[1])
            senders = [(sender, room, n, rate, 0.0)] if w == 0 else []
            max_s = n / rate + args.max_s
        plans.append({"mode": "window" if kind == "window" else "schedule", "senders": senders,
                      "expected": recv_per_worker[w] * n, "idle_timeout_s": args.idle_timeout, "max_s": max_s})
    return plans


def run_w2(args: Any) -> dict[str, Any]:
    return session.per_server(args, "w2", _w2)


def _w2(args: Any, target: Any) -> dict[str, Any]:
    nrecv, sender, room = args.receivers, 0, "w2"
    cfg, prov = target.provision(list(range(nrecv + 1)), {room: list(range(nrecv + 1))}, "w2")
    coord = session.target_coordinator(target, cfg, args)
    try:
        per = coord.split([(u, [room]) for u in range(1, nrecv + 1)])
        per[0].insert(0, (sender, [room]))
        conn = coord.connect(per, args.concurrency)
        recv_per_worker = [sum(1 for (u, _) in m if u != sender) for m in per]
        profiler = Profiler.maybe(args, target.node, "w2")
        phases = []
        for spec in args.phases.split(","):
            time.sleep(args.pause)
            phase = coord.run_phase(spec, _phase_plans(coord, spec, sender, room, recv_per_worker, args))
            phase["receivers"] = sum(recv_per_worker)
            phases.append(phase)
        close = coord.close()
    finally:
        coord.shutdown()
    result = {**session.meta(args, "w2", target), "server": target.name, "provision": prov,
              "receivers": sum(recv_per_worker), "connect": conn, "phases": phases, "close": close}
    if profiler:
        result["profile"] = profiler.finish()
    return result


def run_w3(args: Any) -> dict[str, Any]:
    return session.per_server(args, "w3", _w3)


def _w3(args: Any, target: Any) -> dict[str, Any]:
    users, size, rate, dur = args.users, args.room_size, args.rate, args.duration
    n_msgs = int(rate * dur)
    rooms = {f"r{i}": list(range(i * size, min(users, (i + 1) * size))) for i in range((users + size - 1) // size)}
    cfg, prov = target.provision(list(range(users)), rooms, "w3")
    coord = session.target_coordinator(target, cfg, args)
    try:
        per = coord.split([(u, [f"r{u // size}"]) for u in range(users)])
        conn = coord.connect(per, args.concurrency)
        rnd = random.Random(42)
        plans = []
        for w in range(coord.nw):
            senders, expected = [], 0
            for (u, member_rooms) in per[w]:
                expected += (len(rooms[member_rooms[0]]) - 1) * n_msgs
                senders.append((u, member_rooms[0], n_msgs, rate, rnd.random() / rate))
            plans.append({"mode": "schedule", "senders": senders, "expected": expected,
                          "idle_timeout_s": args.idle_timeout, "max_s": dur + args.max_s})
        time.sleep(args.pause)
        profiler = Profiler.maybe(args, target.node, "w3")
        phase = coord.run_phase(f"chat:{users}u:{size}/room:{rate}/s:{dur}s", plans)
        close = coord.close()
    finally:
        coord.shutdown()
    result = {**session.meta(args, "w3", target), "server": target.name, "provision": prov, "users": users,
              "room_size": size, "rate_per_user": rate, "duration_s": dur, "connect": conn, "phases": [phase],
              "close": close}
    if profiler:
        result["profile"] = profiler.finish()
    return result
