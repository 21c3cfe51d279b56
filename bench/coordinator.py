"""The coordinator side of a run: the worker pool, phases, and server/load-generator CPU accounting.

CPU split (2-core box, default): the server under test (Axon node or ejabberd VM) is pinned to CPU 0; the
coordinator and its load-generator worker processes are pinned to CPU 1
(``--no-pin`` leaves both to the scheduler, as the peers' run did). Server CPU
comes from /proc/<pid>/stat of the server's process tree, load-generator CPU
from the workers' /proc entries, and "other" = machine busy time minus both
(other tenants of the machine; > 10 % means a contaminated run).
"""

from __future__ import annotations

import json
import os
import sys
import time
from array import array
from typing import Any

from .harness import Pool
from .procfs import Sampler, machine_busy_s, proc_cpu_s, proc_rss_kib
from .stats import percentiles


class Coordinator:
    def __init__(self, node: Any, cfg: dict[str, Any], workers: int, connect_timeout: float = 600,
                 extra_pids: Any = None, adapter: str = "axon") -> None:
        """node: anything with ``pids()`` (a ``Node`` or a ``bench.targets`` target)."""
        self.node = node
        self.cfg = cfg
        self.nw = workers
        self.connect_timeout = connect_timeout
        self.extra_pids = extra_pids or (lambda: [])
        self.pool = Pool(workers, adapter, cfg)

    def shutdown(self) -> None:
        self.pool.shutdown()

    def server_pids(self) -> list[int]:
        return self.node.pids()

    def snapshot(self) -> dict[str, Any]:
        pids = self.server_pids()
        return {"t": time.monotonic(), "server_cpu_s": proc_cpu_s(pids), "server_rss_kib": proc_rss_kib(pids),
                "db_cpu_s": proc_cpu_s(self.extra_pids()), "loadgen_cpu_s": proc_cpu_s(self.pool.pids()),
                "coord_cpu_s": sum(os.times()[:2]), "machine_busy_s": machine_busy_s()}

    @staticmethod
    def delta(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        wall = b["t"] - a["t"]
        scpu = b["server_cpu_s"] - a["server_cpu_s"]
        lcpu = b["loadgen_cpu_s"] - a["loadgen_cpu_s"]
        dcpu = b["db_cpu_s"] - a["db_cpu_s"]
        ccpu = b["coord_cpu_s"] - a["coord_cpu_s"]
        other = (b["machine_busy_s"] - a["machine_busy_s"]) - scpu - lcpu - dcpu - ccpu

        def pct(x: float) -> float | None:
            return round(100 * x / wall, 1) if wall > 0 else None

        out = {"wall_s": round(wall, 3), "server_cpu_s": round(scpu, 3), "server_cpu_pct": pct(scpu),
               "loadgen_cpu_s": round(lcpu + ccpu, 3), "loadgen_cpu_pct": pct(lcpu + ccpu),
               "other_cpu_pct": pct(other),
               "server_rss_kib_before": a["server_rss_kib"], "server_rss_kib_after": b["server_rss_kib"]}
        if dcpu:
            out.update({"db_cpu_s": round(dcpu, 3), "db_cpu_pct": pct(dcpu)})
        return out

    def split(self, items: list[Any]) -> list[list[Any]]:
        per: list[list[Any]] = [[] for _ in range(self.nw)]
        for i, item in enumerate(items):
            per[i % self.nw].append(item)
        return per

    def connect(self, members_per_worker: list[list[Any]], concurrency: int) -> dict[str, Any]:
        a = self.snapshot()
        res = self.pool.call("connect", [(m, concurrency, self.connect_timeout) for m in members_per_worker])
        b = self.snapshot()
        ok = sum(r["ok"] for r in res)
        lat = array("q")
        for r in res:
            lat.frombytes(r.pop("lat_us"))
        out = {"ok": ok, "held": sum(r["held"] for r in res), "failed": sum(r["failed"] for r in res),
               "fail_samples": [s for r in res for s in r["fail_samples"]][:5],
               "connects_per_s": round(ok / (b["t"] - a["t"]), 1), "connect_latency": percentiles(lat),
               "worker_cpu_s": [round(r["cpu_s"], 2) for r in res]}
        out.update(self.delta(a, b))
        out["server_cpu_ms_per_connect"] = round(1000 * out["server_cpu_s"] / max(1, ok), 3)
        return out

    def run_phase(self, name: str, plans: list[dict[str, Any]]) -> dict[str, Any]:
        """plans: one per worker (``max_s`` becomes the hard deadline); returns the phase record."""
        sampler = Sampler(self.server_pids)
        sampler.start()
        a = self.snapshot()
        t0 = time.monotonic_ns() + int(0.5e9)
        for p in plans:
            p["t0_ns"] = t0
            p["hard_deadline_ns"] = t0 + int(p.pop("max_s") * 1e9)
        res = self.pool.call("run", plans)
        b = self.snapshot()
        sampler.stop()
        out = _merge(name, res, t0)
        out.update(self.delta(a, b))
        out["server_peak_rss_kib"] = sampler.peak_rss
        if (out.get("delivery_span_s") or 0) >= 2:  # the sampler ticks every 0.5 s: shorter spans mislead
            first = out.pop("_first_ns") / 1e9
            out["server_cpu_pct_active"] = sampler.cpu_pct_between(first, first + out["delivery_span_s"])
        out.pop("_first_ns", None)
        if out["server_cpu_s"]:
            if out["deliveries"]:
                out["deliveries_per_server_cpu_s"] = round(out["deliveries"] / out["server_cpu_s"], 1)
            if out.get("acked"):
                out["acked_per_server_cpu_s"] = round(out["acked"] / out["server_cpu_s"], 1)
        print(json.dumps({k: v for k, v in out.items() if "latency" not in k}), file=sys.stderr)
        return out

    def close(self) -> dict[str, Any]:
        a = self.snapshot()
        self.pool.call("close", [None] * self.nw)
        time.sleep(2)
        b = self.snapshot()
        return {"rss_kib_before_close": a["server_rss_kib"], "rss_kib_after_close": b["server_rss_kib"]}


def _merge(name: str, res: list[dict[str, Any]], t0: int) -> dict[str, Any]:
    lat, ack_lat = array("q"), array("q")
    for r in res:
        lat.frombytes(r.pop("lat_us"))
        ack_lat.frombytes(r.pop("ack_lat_us", b""))

    def total(key: str) -> int:
        return sum(r.get(key, 0) for r in res)

    sent, deliveries, expected = total("sent"), total("deliveries"), total("expected")
    first_send = min((r["first_send_ns"] for r in res if r.get("first_send_ns")), default=t0)
    last_send = max((r.get("last_send_ns", 0) for r in res), default=0)
    last_recv = max((r["last_recv_ns"] for r in res), default=0)
    span = (last_recv - first_send) / 1e9 if last_recv > first_send else None
    send_span = (last_send - first_send) / 1e9 if last_send > first_send else None
    out: dict[str, Any] = {
        "phase": name, "sent": sent, "deliveries": deliveries, "expected": expected,
        "lost": expected - deliveries, "dups": total("dups"), "reorders": total("reorders"),
        "loss_pct": round(100.0 * (expected - deliveries) / expected, 4) if expected else None,
        "echoes": total("echoes"), "server_errors": total("server_errors"), "send_errors": total("send_errors"),
        "send_span_s": round(send_span, 3) if send_span else None,
        "delivery_span_s": round(span, 3) if span else None,
        "deliveries_per_s": round(deliveries / span, 1) if span else None,
        "msgs_per_s": round(sent / span, 1) if span else None,
        "latency": percentiles(lat), "max_sender_lateness_ms": max(r.get("late_max_us", 0) for r in res) / 1000.0,
        "alive_clients": total("alive_clients"), "clients": total("clients"), "bad_markers": total("bad_markers"),
        "worker_cpu_s": [round(r["cpu_s"], 2) for r in res], "_first_ns": first_send,
    }
    if any("acked" in r for r in res):
        acked = total("acked")
        out.update({"acked": acked, "rejected": total("rejected"), "ack_latency": percentiles(ack_lat),
                    "acked_per_s": round(acked / send_span, 1) if send_span else None})
    return out
