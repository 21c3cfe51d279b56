"""W5: catch-up. A device that missed M messages spread over 20 conversations resumes.

Set-up: users u0 (sender) and u1 (the resuming device), 20 group conversations
with both; u1 connects once to learn its positions and disconnects; u0 stores
``--per-conv`` messages in each conversation over the WebSocket. Then u1 resumes
``--repeats`` times for each M in ``--missed`` (positions = last seq - M/20 per
conversation): connect, ``hello {convs}``, decode every frame, apply every
event (checking the per-conversation seq has no gap and no duplicate) until
``synced``. Reported: time to ``welcome``, time until ``synced`` with all
events applied, events received.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

from .. import session, wsproto
from ..adapters import axon
from .fill import fill


def add_arguments(p: Any) -> None:
    p.add_argument("--convs", type=int, default=20)
    p.add_argument("--per-conv", type=int, default=1000, help="messages stored per conversation")
    p.add_argument("--missed", default="1000,2500,5000,10000,20000", help="total missed messages, one point each")
    p.add_argument("--repeats", type=int, default=5)


async def resume(cfg: dict[str, Any], token: str, positions: dict[str, int], user_seq: int) -> dict[str, Any]:
    t0 = time.monotonic_ns()
    ws = await wsproto.connect(cfg["host"], cfg["port"], "/api/v1/ws")
    ws.send(json.dumps({"t": "hello", "token": token, "user_seq": user_seq, "convs": positions,
                        "resume_limit": 10000}).encode())
    applied = dict(positions)
    events = gaps = frames = 0
    welcome_ns = None
    try:
        while True:
            _op, payload = await ws.next_frame()
            frames += 1
            msg = json.loads(payload)
            kind = msg["t"]
            if kind == "welcome":
                welcome_ns = time.monotonic_ns()
            elif kind == "batch" and "conv" in msg:
                for ev in msg["events"]:
                    gaps += ev["seq"] != applied[ev["conv"]] + 1
                    applied[ev["conv"]] = ev["seq"]
                    events += 1
            elif kind == "synced":
                break
            elif kind == "error":
                raise RuntimeError(payload[:300])
    finally:
        ws.close()
    done = time.monotonic_ns()
    return {"synced_ms": (done - t0) / 1e6, "welcome_ms": ((welcome_ns or done) - t0) / 1e6, "events": events,
            "gaps_or_dups": gaps, "frames": frames}


def run(args: Any) -> dict[str, Any]:
    rooms = {f"c{i}": [0, 1] for i in range(args.convs)}
    with session.node_for(args) as node:
        state_file, prov = session.provision(node, [0, 1], rooms, "w5")
        host, port = node.host_port
        cfg = {"host": host, "port": port, "state_file": state_file}
        probe = axon.make_client(cfg, 1)
        asyncio.run(_probe(probe))
        stored = asyncio.run(fill(cfg, 0, list(rooms), args.per_conv))
        print(f"W5 stored: {stored}", flush=True)
        last = asyncio.run(_last_seqs(cfg))
        points = []
        for missed in [int(m) for m in args.missed.split(",")]:
            per = missed // args.convs
            if per > args.per_conv:
                continue
            positions = {conv: seq - per for conv, seq in last["convs"].items()}
            runs = [asyncio.run(resume(cfg, last["token"], positions, last["user_seq"])) for _ in range(args.repeats)]
            point = {"missed": per * args.convs, "runs": runs,
                     "synced_ms_median": round(statistics.median(r["synced_ms"] for r in runs), 1),
                     "synced_ms_max": round(max(r["synced_ms"] for r in runs), 1),
                     "welcome_ms_median": round(statistics.median(r["welcome_ms"] for r in runs), 1),
                     "events_ok": all(r["events"] == per * args.convs and r["gaps_or_dups"] == 0 for r in runs)}
            print(f"W5 missed {point['missed']}: synced in {point['synced_ms_median']} ms (median), "
                  f"max {point['synced_ms_max']} ms, events ok {point['events_ok']}", flush=True)
            points.append(point)
        return {**session.meta(args, "w5", node), "provision": prov, "fill": stored, "points": points}


async def _probe(client: Any) -> None:
    await client.connect_and_login()
    client.close()


async def _last_seqs(cfg: dict[str, Any]) -> dict[str, Any]:
    """u1's current positions (from a fresh ``welcome``) and its token."""
    client = axon.make_client(cfg, 1)
    await client.connect_and_login()
    client.close()
    w = client.welcome
    return {"convs": {c["id"]: c["last_seq"] for c in w["conversations"]}, "user_seq": w["user_seq"],
            "token": axon.state(cfg)["tokens"]["1"]}
