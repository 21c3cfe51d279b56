"""W6: history page of 50 (``GET /conversations/{id}/messages?limit=50``) as stored messages grow.

One conversation (two members) is filled up to each size in ``--sizes``
(``--fill bulk``, the default: the server's own send operation applied in this
process to the node's SQLite file, see ``bulkfill``; ``--fill ws``: acked sends
over the WebSocket, about 10k/s); at each size ``--requests`` sequential requests (one HTTP/1.1
keep-alive connection, a lean h11 client) fetch (a) the newest page and (b) a page before a
random seq (deep history), timed on the client's monotonic clock. The growth
curve is p50/p99 per size.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from typing import Any

import h11

from .. import session
from ..adapters import axon
from ..stats import percentiles
from .bulkfill import bulk_fill
from .fill import fill


def add_arguments(p: Any) -> None:
    p.add_argument("--sizes", default="100000,1000000,3000000,10000000", help="stored messages, one point each")
    p.add_argument("--fill", choices=("bulk", "ws"), default="bulk", help="how messages are stored (see above)")
    p.add_argument("--requests", type=int, default=500, help="requests per kind and size")
    p.add_argument("--window", type=int, default=512, help="sends in flight while filling")
    p.add_argument("--max-fill-s", type=float, default=1200, help="stop growing after this much filling")


class KeepAliveClient:
    """GET over one HTTP/1.1 keep-alive connection, parsed with h11 (nothing more).

    httpx added about 1 ms per request on the client's side, as much as the
    server's whole answer: the timings would measure the load generator.
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.headers = [("host", f"{host}:{port}"), ("authorization", f"Bearer {token}")]
        self.conn = h11.Connection(h11.CLIENT)
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def get(self, target: str) -> bytes:
        self.sock.sendall(self.conn.send(h11.Request(method="GET", target=target, headers=self.headers))
                          + self.conn.send(h11.EndOfMessage()))
        status, body = 0, bytearray()
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(self.sock.recv(1 << 20))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
        self.conn.start_next_cycle()
        if status != 200:
            raise RuntimeError(f"GET {target}: HTTP {status}: {bytes(body[:200])!r}")
        return bytes(body)

    def close(self) -> None:
        self.sock.close()


def measure(base_url: str, token: str, conv: str, stored: int, n: int) -> dict[str, Any]:
    rnd = random.Random(stored)
    out: dict[str, Any] = {}
    host, port = base_url.split("://", 1)[1].rsplit(":", 1)
    client = KeepAliveClient(host, int(port), token)
    try:
        for kind in ("newest", "random"):
            lat: list[int] = []
            items = 0
            for _ in range(n):
                target = f"/api/v1/conversations/{conv}/messages?limit=50"
                if kind == "random":
                    target += f"&before_seq={rnd.randint(60, stored)}"
                t0 = time.monotonic_ns()
                body = client.get(target)
                lat.append((time.monotonic_ns() - t0) // 1000)
                items += len(json.loads(body)["items"])
            out[kind] = {**percentiles(lat), "avg_items": round(items / n, 1)}
    finally:
        client.close()
    return out


def run(args: Any) -> dict[str, Any]:
    node = None
    try:
        with session.node_for(args) as node:
            state_file, prov = session.provision(node, [0, 1], {"h": [0, 1]}, "w6")
            host, port = node.host_port
            cfg = {"host": host, "port": port, "state_file": state_file}
            state = axon.state(cfg)
            conv, token = state["rooms"]["h"], state["tokens"]["0"]
            points, stored, fill_s = [], 0, 0.0
            for size in [int(s) for s in args.sizes.split(",")]:
                if fill_s > args.max_fill_s:
                    print(f"W6: stopping before {size}: filling took {fill_s:.0f} s so far", flush=True)
                    break
                if args.fill == "bulk" and node.data_dir:
                    f = bulk_fill(_db_path(node), token, conv, size - stored, first_index=stored)
                else:
                    f = asyncio.run(fill(cfg, 0, ["h"], size - stored, args.window, timeout_s=args.max_fill_s))
                stored += f["stored"]
                fill_s += f["s"]
                m = measure(node.url or "", token, conv, stored, args.requests)
                point = {"stored": stored, "fill": f, **m, "db_bytes": _db_size(node)}
                print(f"W6 {stored} stored (fill {f['msgs_per_s']} msg/s): newest p50 {m['newest']['p50_ms']:.2f} "
                      f"p99 {m['newest']['p99_ms']:.2f} ms; random p50 {m['random']['p50_ms']:.2f} "
                      f"p99 {m['random']['p99_ms']:.2f} ms", flush=True)
                points.append(point)
            result = {**session.meta(args, "w6", node), "provision": prov, "points": points}
        return result
    finally:
        if node is not None:
            _remove_database(node)  # 10M messages are about 10 GB: do not leave them in /tmp


def _db_path(node: Any) -> str:
    import os

    return os.path.join(node.data_dir, "data", "axon.db")


def _remove_database(node: Any) -> None:
    import glob
    import os

    if node.data_dir:
        for path in glob.glob(_db_path(node) + "*"):
            os.remove(path)


def _db_size(node: Any) -> int | None:
    import os

    if not node.data_dir:
        return None
    total = 0
    for root, _dirs, files in os.walk(os.path.join(node.data_dir, "data")):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files if f.startswith("axon.db"))
    return total
