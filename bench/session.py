"""One benchmark session: a server (started fresh or given), provisioning, a coordinator, results on disk.

``--servers axon,ejabberd`` runs a workload's body once per server, one after the other, in the
same invocation, with the same CPU placement, phases and load generator (``per_server``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from .coordinator import Coordinator
from .node import Node
from .provision import provision_all
from .targets import SERVERS, AxonTarget, EjabberdTarget

SERVER_CPU, LOADGEN_CPU = 0, 1
RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def wait_quiet(max_wait_s: float, threshold_pct: float = 20, window_s: float = 3) -> dict[str, Any]:
    """Bounded wait until the machine's busy CPU (all processes) is below the threshold, as the peers did."""
    from .procfs import machine_busy_s

    t0 = time.monotonic()
    while True:
        a = machine_busy_s()
        time.sleep(window_s)
        pct = 100 * (machine_busy_s() - a) / window_s
        waited = time.monotonic() - t0
        if pct < threshold_pct or waited > max_wait_s:
            seen = {"busy_pct": round(pct, 1), "waited_s": round(waited, 1), "quiet": pct < threshold_pct}
            print(f"wait-quiet: {seen}", flush=True)
            return seen


def pin_loadgen(args: Any) -> None:
    """Pin this process (and so the workers it forks) to the load-generator CPU."""
    if not args.no_pin and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {LOADGEN_CPU})


def server_cpus(args: Any) -> set[int] | None:
    return None if args.no_pin or (os.cpu_count() or 1) < 2 else {SERVER_CPU}


@contextlib.contextmanager
def node_for(args: Any, database_url: str | None = None, env: dict[str, str] | None = None) -> Iterator[Node]:
    cpus = server_cpus(args)
    node = Node(url=args.url, pid=args.server_pid, database_url=database_url, cpus=cpus, env=env,
                admin_password=args.admin_password or "bench-admin-password")
    node.start()
    try:
        yield node
    finally:
        node.stop()


def servers(args: Any) -> list[str]:
    names = [s.strip() for s in (getattr(args, "servers", None) or "axon").split(",") if s.strip()]
    unknown = [n for n in names if n not in SERVERS]
    if unknown or not names:
        raise SystemExit(f"--servers: unknown {unknown}; choose from {', '.join(SERVERS)}")
    return names


@contextlib.contextmanager
def server_for(args: Any, name: str) -> Iterator[Any]:
    """A fresh server of that kind on the server CPU, stopped (by its PID) afterwards."""
    if name == "axon":
        with node_for(args) as node:
            yield AxonTarget(node)
        return
    from .peer_server import Ejabberd

    server = Ejabberd(cpus=server_cpus(args)).start()
    print(f"ejabberd started: {server.describe()}", flush=True)
    try:
        yield EjabberdTarget(server)
    finally:
        server.stop()


def per_server(args: Any, workload: str, body: Any) -> dict[str, Any]:
    """``body(args, target)`` for each of ``--servers``; Axon alone keeps the single-server result shape."""
    names = servers(args)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results: dict[str, Any] = {}
    for i, name in enumerate(names):
        before = wait_quiet(args.quiet_wait) if i else None  # the first one waited in __main__
        with server_for(args, name) as target:
            results[name] = body(args, target)
        if before:
            results[name]["machine_before"] = before
    if names == ["axon"]:
        return results["axon"]
    return {**meta(args, workload, None), "started": started, "servers": results}


def target_coordinator(target: Any, cfg: dict[str, Any], args: Any) -> Coordinator:
    return Coordinator(target, cfg, args.workers, adapter=target.adapter)


def provision(node: Node, uids: list[int], rooms: dict[str, list[int]], tag: str) -> tuple[str, dict[str, Any]]:
    """Provision over REST; returns (state file path, timings)."""
    state_file = os.path.join(node.data_dir or "/tmp", f"bench-state-{tag}-{os.getpid()}.json")
    timing = asyncio.run(provision_all(node.url or "", node.admin_password, uids, rooms, state_file))
    print(f"provisioned: {timing}", flush=True)
    return state_file, timing


def coordinator(node: Node, state_file: str, args: Any, **cfg_extra: Any) -> Coordinator:
    host, port = node.host_port
    cfg = {"host": host, "port": port, "state_file": state_file, "base_url": node.url,
           "admin_password": node.admin_password, **cfg_extra}
    return Coordinator(node, cfg, args.workers)


def meta(args: Any, workload: str, node: Any) -> dict[str, Any]:
    """node: a ``Node`` or a target (``describe()``), or None for the envelope of a multi-server run."""
    return {"workload": workload, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "argv": list(sys.argv), "args": {k: v for k, v in vars(args).items() if k != "func"},
            "git": _git_rev(), "node": node.describe() if node else None,
            "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()},
            "cpu_split": "unpinned" if args.no_pin else
            f"server pinned to CPU {SERVER_CPU}; coordinator + {args.workers} load-generator processes "
            f"on CPU {LOADGEN_CPU}"}


def _git_rev() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "axon"], capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("+dirty(axon/)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def save(result: dict[str, Any], name: str, out_dir: str = RESULTS_DIR) -> str:
    os.makedirs(out_dir, exist_ok=True)
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    path = os.path.join(out_dir, f"{name}.json")
    with open(path, "w") as fh:
        json.dump(result, fh, indent=1, default=str)
    return path
