"""The servers a workload runs against (``--servers axon,ejabberd``), behind one small interface.

A target starts its server on the server CPU, provisions accounts (and rooms, where the
protocol needs them up front), and names the adapter the load-generator workers load:

* ``axon``: ``bench.node.Node`` + ``bench.provision`` (REST) + ``bench.adapters.axon``;
* ``ejabberd``: ``bench.peer_server.Ejabberd`` + mod_http_api registration +
  ``bench.adapters.xmpp`` (MUC rooms are created by their first occupant's join).

Everything else (phases, worker processes, markers, /proc sampling) is shared, which is what
makes the two servers' figures of one run comparable.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from .node import Node
from .provision import provision_all

SERVERS = ("axon", "ejabberd")


class AxonTarget:
    name = adapter = "axon"

    def __init__(self, node: Node) -> None:
        self.node = node

    def pids(self) -> list[int]:
        return self.node.pids()

    def describe(self) -> dict[str, Any]:
        return {"server": "axon", **self.node.describe()}

    def provision(self, uids: list[int], rooms: dict[str, list[int]], tag: str) -> tuple[dict[str, Any], dict]:
        """Users, device tokens and conversations over REST; returns (worker cfg, timings)."""
        node = self.node
        state_file = os.path.join(node.data_dir or "/tmp", f"bench-state-{tag}-{os.getpid()}.json")
        timing = asyncio.run(provision_all(node.url or "", node.admin_password, uids, rooms, state_file))
        print(f"provisioned (axon): {timing}", flush=True)
        host, port = node.host_port
        return {"host": host, "port": port, "state_file": state_file, "base_url": node.url,
                "admin_password": node.admin_password}, timing


class EjabberdTarget:
    name = "ejabberd"
    adapter = "xmpp"

    def __init__(self, server: Any) -> None:
        self.server = server
        self.node = None  # no Python process to profile

    def pids(self) -> list[int]:
        return self.server.pids()

    def describe(self) -> dict[str, Any]:
        return self.server.describe()

    def provision(self, uids: list[int], rooms: dict[str, list[int]], tag: str) -> tuple[dict[str, Any], dict]:
        from .adapters import xmpp

        cfg = self.server.adapter_cfg()
        t0 = time.monotonic()
        counts = asyncio.run(xmpp.provision(cfg, uids))
        dt = time.monotonic() - t0
        if counts.get("error"):
            raise RuntimeError(f"ejabberd provisioning failed: {counts}")
        timing = {"users": len(uids), "users_s": round(dt, 2), "users_per_s": round(len(uids) / max(dt, 1e-9), 1),
                  "rooms": len(rooms), "rooms_s": 0.0, "accounts": counts}
        print(f"provisioned (ejabberd): {timing}", flush=True)
        return cfg, timing
