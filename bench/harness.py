"""Load-generator worker processes (protocol independent), after the peers' harness.

The coordinator forks ``Pool(n)`` workers; each owns a share of the clients and
runs commands sent over a pipe: ``connect`` (log in + join, bounded
concurrency), ``run`` (a send plan: windowed, fixed-rate schedule, or
acked-window), ``close``. A protocol adapter (``bench.adapters.<name>``)
supplies ``make_client(cfg, uid)``; the client implements
``connect_and_login / join / start_streaming / send / is_alive / close``.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing as mp
import os
import random
import time
from array import array
from typing import Any

from .senders import run_acked, run_schedule, run_window
from .stats import Scanner, Stats


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system


class Worker:
    def __init__(self, wid: int, adapter_name: str, cfg: dict[str, Any]) -> None:
        self.wid = wid
        self.adapter = importlib.import_module(f"bench.adapters.{adapter_name}")
        self.cfg = cfg
        self.clients: dict[int, Any] = {}
        self.stats = Stats()

    async def connect(self, members: list[tuple[int, list[str]]], concurrency: int, timeout_s: float) -> dict:
        """members: (uid, [room, ...]) pairs; at most ``concurrency`` logins in flight."""
        sem = asyncio.Semaphore(concurrency)
        fails: list[tuple[int, str]] = []
        t0, cpu0 = time.monotonic(), _cpu_s()
        before = len(self.clients)
        deadline = t0 + timeout_s
        lat = array("q")

        async def one(uid: int, rooms: list[str]) -> None:
            async with sem:
                left = deadline - time.monotonic()
                if left <= 0:
                    fails.append((uid, "phase deadline"))
                    return
                client = self.adapter.make_client(self.cfg, uid)
                start = time.monotonic_ns()
                try:
                    await asyncio.wait_for(self._login_join(client, rooms), min(left, 120))
                    self.clients[uid] = client
                    lat.append((time.monotonic_ns() - start) // 1000)
                except Exception as exc:  # noqa: BLE001 - counted and sampled, never fatal
                    fails.append((uid, repr(exc)[:300]))
                    client.close()

        await asyncio.gather(*(one(u, r) for u, r in members))
        return {"ok": len(self.clients) - before, "held": len(self.clients), "failed": len(fails),
                "fail_samples": fails[:5],
                "wall_s": time.monotonic() - t0, "cpu_s": _cpu_s() - cpu0, "lat_us": lat.tobytes()}

    async def _login_join(self, client: Any, rooms: list[str]) -> None:
        await client.connect_and_login()
        for room in rooms:
            await client.join(room)
        client.start_streaming(Scanner(client.uid, self.stats))

    def _reset_stats(self) -> None:
        self.stats = Stats()
        for client in self.clients.values():
            client.scanner.stats = self.stats
            client.scanner.last_seq.clear()
            client.errors = 0

    async def run(self, plan: dict[str, Any]) -> dict:
        """plan: mode, t0_ns, hard_deadline_ns, senders, expected, idle_timeout_s."""
        self._reset_stats()
        cpu0, wall0 = _cpu_s(), time.monotonic_ns()
        t0 = plan["t0_ns"]
        await asyncio.sleep(max(0.0, (t0 - time.monotonic_ns()) / 1e9))  # all workers start at t0
        runner = {"window": run_window, "schedule": run_schedule, "acked": run_acked}[plan["mode"]]
        sent = await runner(self.clients, plan) if plan["senders"] else {"sent": 0}
        await self._await_deliveries(plan)
        st = self.stats
        return {"wid": self.wid, **sent, "deliveries": st.deliveries, "echoes": st.echoes,
                "expected": plan["expected"], "first_recv_ns": st.first_recv_ns, "last_recv_ns": st.last_recv_ns,
                "bad_markers": st.bad, "dups": st.dups, "reorders": st.reorders,
                "server_errors": sum(c.errors for c in self.clients.values()),
                "alive_clients": sum(1 for c in self.clients.values() if c.is_alive()),
                "clients": len(self.clients), "cpu_s": _cpu_s() - cpu0,
                "wall_s": (time.monotonic_ns() - wall0) / 1e9, "lat_us": st.lat_us.tobytes()}

    async def _await_deliveries(self, plan: dict[str, Any]) -> None:
        """Until all expected deliveries arrived, ``idle_timeout_s`` without progress, or the deadline."""
        idle = plan["idle_timeout_s"] * 1e9
        last_n, last_change = -1, time.monotonic_ns()
        while True:
            now = time.monotonic_ns()
            n = self.stats.deliveries
            if n >= plan["expected"] or now >= plan["hard_deadline_ns"]:
                return
            if n != last_n:
                last_n, last_change = n, now
            elif now - last_change > idle:
                return
            await asyncio.sleep(0.05)  # noqa: ASYNC110 - polls a counter the protocol callbacks bump

    async def close(self) -> dict:
        for client in self.clients.values():
            client.close()
        await asyncio.sleep(0.5)
        n = len(self.clients)
        self.clients.clear()
        return {"closed": n}


def worker_main(wid: int, adapter_name: str, cfg: dict[str, Any], conn: Any) -> None:
    import resource

    import uvloop

    uvloop.install()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    random.seed(wid)

    async def main() -> None:
        worker = Worker(wid, adapter_name, cfg)
        loop = asyncio.get_running_loop()
        while True:
            cmd, arg = await loop.run_in_executor(None, conn.recv)
            if cmd == "exit":
                conn.send({"bye": wid})
                return
            if cmd == "connect":
                res = await worker.connect(*arg)
            elif cmd == "run":
                res = await worker.run(arg)
            elif cmd == "close":
                res = await worker.close()
            else:
                res = {"error": f"unknown command {cmd}"}
            conn.send(res)

    asyncio.run(main())


class Pool:
    """``n`` forked worker processes; ``call`` sends one command to each and gathers the replies."""

    def __init__(self, n: int, adapter_name: str, cfg: dict[str, Any]) -> None:
        ctx = mp.get_context("fork")
        self.conns, self.procs = [], []
        for wid in range(n):
            a, b = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(wid, adapter_name, cfg, b), daemon=True)
            proc.start()
            self.conns.append(a)
            self.procs.append(proc)

    def call(self, cmd: str, args_per_worker: list[Any]) -> list[Any]:
        for conn, arg in zip(self.conns, args_per_worker, strict=True):
            conn.send((cmd, arg))
        return [conn.recv() for conn in self.conns]

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def shutdown(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("exit", None))
            except (OSError, EOFError):
                pass
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
