"""Files: upload and download throughput of 1 MB files (in sequence and concurrently) and of one 1 GB
file (chunked resumable upload, streamed download), and the node's RSS during each phase against its RSS
before: the memory a transfer costs must stay flat, not grow with the file's size.

Each store in ``--stores`` gets a fresh node: ``local`` (``<data_dir>/blobs``) and ``s3`` (a fresh
bucket on moto's S3 server on loopback, the one the tests use: ``tests/support/s3_server.py``).
The wire is the public API only (docs/files.md): ``POST /conversations/{id}/uploads``, ``PUT
/uploads/{id}?offset=N`` in chunks of the ``chunk_size`` the server announces, ``GET
/files/{id}/content``. Every 1 MB file has fresh random content (the store dedupes by SHA-256: a
repeated file would never reach it); the 1 GB file is written to disk first and streamed from it, and
its download is hashed and compared. The node is pinned to CPU 0; this process (and the S3 server)
to CPU 1. RSS is sampled from /proc every 50 ms (``procfs.Sampler``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from . import session
from .adapters import axon
from .procfs import Sampler
from .stats import percentiles

MB = 1_000_000
GB = 1_000_000_000
MiB = 1024 * 1024


def add_arguments(p: Any) -> None:
    p.add_argument("--stores", default="local,s3", help="comma-separated: local, s3 (a fresh node for each)")
    p.add_argument("--small-size", type=int, default=MB, help="bytes of each small file")
    p.add_argument("--small-count", type=int, default=200, help="small files uploaded (then downloaded) per phase")
    p.add_argument("--concurrency", type=int, default=16, help="transfers in flight in the concurrent phases")
    p.add_argument("--large-size", type=int, default=GB, help="bytes of the large file (0: skip it)")
    p.add_argument("--scratch", default=None, help="folder for the large source file (default: a temporary one)")


def run(args: Any) -> dict[str, Any]:
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if unknown := set(stores) - {"local", "s3"}:
        raise SystemExit(f"--stores: unknown {sorted(unknown)}; choose local and/or s3")
    if args.large_size and shutil.disk_usage(args.scratch or tempfile.gettempdir()).free < 5 * args.large_size:
        raise SystemExit("not enough free disk for the large file (5x its size: source, upload, blob, S3 copy)")
    results: dict[str, Any] = {}
    with _large_source(args) as large:
        for store in stores:
            with _store_env(store) as env, session.node_for(args, env=env) as node:
                print(f"files: {store} store, node {node.url} (pid {node.pid})", flush=True)
                try:
                    results[store] = asyncio.run(_measure(args, node, large))
                finally:
                    data_dir = node.data_dir
            if data_dir:  # the node's blobs: a gigabyte and more
                shutil.rmtree(data_dir, ignore_errors=True)
    return {**session.meta(args, "files", None), "stores": results}


@contextlib.contextmanager
def _store_env(store: str) -> Iterator[dict[str, str]]:
    """The node's settings for ``store``; for S3 a fresh server (on the load generator's CPU) and bucket."""
    if store == "local":
        yield {}
        return
    from tests.support.s3_server import S3Server

    server = S3Server().start()
    try:
        if (os.cpu_count() or 1) >= 2 and server.proc is not None:
            os.sched_setaffinity(server.proc.pid, {session.LOADGEN_CPU})
        yield server.env(server.create_bucket("axon-bench-" + secrets.token_hex(4)))
    finally:
        server.stop()


@contextlib.contextmanager
def _large_source(args: Any) -> Iterator[tuple[Path, str] | None]:
    """The large file on disk (random content) and its SHA-256; removed afterwards."""
    if not args.large_size:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="axon-bench-files-", dir=args.scratch))
    path, digest = folder / "large.bin", hashlib.sha256()
    try:
        with path.open("wb") as fh:
            left = args.large_size
            while left:
                block = os.urandom(min(left, 8 * MiB))
                digest.update(block)
                fh.write(block)
                left -= len(block)
        yield path, digest.hexdigest()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Api:
    def __init__(self, base_url: str, token: str, conversation_id: str, concurrency: int) -> None:
        self.conversation_id = conversation_id
        self.http = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/api/v1", timeout=600,
                                      headers={"authorization": f"Bearer {token}"},
                                      limits=httpx.Limits(max_connections=concurrency + 2))

    async def start_upload(self, name: str, size: int) -> dict[str, Any]:
        r = await self.http.post(f"/conversations/{self.conversation_id}/uploads", json={"name": name, "size": size})
        return _json(r, 201)

    async def put_chunk(self, upload_id: str, offset: int, chunk: bytes) -> dict[str, Any]:
        r = await self.http.put(f"/uploads/{upload_id}", params={"offset": offset}, content=chunk,
                                headers={"content-type": "application/octet-stream"})
        return _json(r, 200)

    async def upload_bytes(self, name: str, content: bytes) -> str:
        upload = await self.start_upload(name, len(content))
        step, offset = int(upload["chunk_size"]), 0
        while upload["file"] is None:
            upload = await self.put_chunk(upload["id"], offset, content[offset:offset + step])
            offset = int(upload["offset"])
        return str(upload["file"]["id"])

    async def upload_file(self, name: str, path: Path, size: int) -> str:
        upload = await self.start_upload(name, size)
        step = int(upload["chunk_size"])
        with path.open("rb") as fh:
            while upload["file"] is None:
                offset = int(upload["offset"])
                fh.seek(offset)
                upload = await self.put_chunk(upload["id"], offset, await asyncio.to_thread(fh.read, step))
        return str(upload["file"]["id"])

    async def download(self, file_id: str) -> tuple[int, str]:
        """Bytes received and their SHA-256 (the body is streamed, never held whole)."""
        digest, size = hashlib.sha256(), 0
        async with self.http.stream("GET", f"/files/{file_id}/content") as r:
            if r.status_code != 200:
                raise RuntimeError(f"GET content: HTTP {r.status_code}: {(await r.aread())[:300]!r}")
            async for chunk in r.aiter_raw():
                digest.update(chunk)
                size += len(chunk)
        return size, digest.hexdigest()

    async def close(self) -> None:
        await self.http.aclose()


def _json(r: httpx.Response, status: int) -> dict[str, Any]:
    if r.status_code != status:
        raise RuntimeError(f"{r.request.method} {r.request.url.path}: HTTP {r.status_code}: {r.text[:300]}")
    body: dict[str, Any] = r.json()
    return body


async def _measure(args: Any, node: Any, large: tuple[Path, str] | None) -> dict[str, Any]:
    state_file, _prov = await asyncio.to_thread(session.provision, node, [0, 1], {"files": [0, 1]}, "files")
    host, port = node.host_port
    state = axon.state({"host": host, "port": port, "state_file": state_file})
    api = Api(node.url, state["tokens"]["0"], state["rooms"]["files"], args.concurrency)
    sampler = Sampler(node.pids, interval=0.05)
    sampler.start()
    phases: list[dict[str, Any]] = []
    try:
        await api.upload_bytes("warm-up.bin", os.urandom(args.small_size))  # first-use costs out of the figures
        if args.small_count:
            await _small_phases(phases, sampler, api, args)
        if large is not None:
            path, digest = large
            size = args.large_size
            [large_id] = await _phase(phases, sampler, f"{_label(size)} upload (chunked)", 1, size, 1,
                                      lambda _i: api.upload_file("large.bin", path, size))
            [got] = await _phase(phases, sampler, f"{_label(size)} download", 1, size, 1,
                                 lambda _i: api.download(large_id))
            if got != (size, digest):
                raise RuntimeError(f"the large file came back different: {got} != {(size, digest)}")
    finally:
        sampler.stop()
        await api.close()
    return {"phases": phases, "rss_series": [(round(t, 2), r) for (t, r, _c) in sampler.samples],
            "node": node.describe()}


async def _small_phases(phases: list[dict[str, Any]], sampler: Sampler, api: Api, args: Any) -> None:
    """Small files (fresh random content each) up, then down: one at a time, then ``concurrency`` at once."""
    small, label = args.small_size, _label(args.small_size)
    ids = await _phase(phases, sampler, f"{label} upload, one at a time", args.small_count, small, 1,
                       lambda i: api.upload_bytes(f"small-{i}.bin", os.urandom(small)))
    await _phase(phases, sampler, f"{label} download, one at a time", len(ids), small, 1,
                 lambda i: _checked_size(api.download(ids[i]), small))
    ids = await _phase(phases, sampler, f"{label} upload, {args.concurrency} at once", args.small_count, small,
                       args.concurrency, lambda i: api.upload_bytes(f"par-{i}.bin", os.urandom(small)))
    await _phase(phases, sampler, f"{label} download, {args.concurrency} at once", len(ids), small,
                 args.concurrency, lambda i: _checked_size(api.download(ids[i]), small))


async def _checked_size(download: Any, size: int) -> int:
    got, _digest = await download
    if got != size:
        raise RuntimeError(f"downloaded {got} bytes, expected {size}")
    return int(got)


async def _phase(phases: list[dict[str, Any]], sampler: Sampler, name: str, count: int, size: int,
                 concurrency: int, one: Any) -> list[Any]:
    """Run ``one(i)`` for i < count, ``concurrency`` at a time; note the throughput and the node's RSS."""
    rss_before = _rss_now(sampler)
    slots = asyncio.Semaphore(concurrency)
    latencies_us: list[int] = []

    async def timed(i: int) -> Any:
        async with slots:
            t = time.monotonic_ns()
            result = await one(i)
            latencies_us.append((time.monotonic_ns() - t) // 1000)
            return result

    t0 = time.monotonic()
    results = await asyncio.gather(*(timed(i) for i in range(count)))
    t1 = time.monotonic()
    await asyncio.sleep(0.1)  # one more RSS sample after the last transfer
    peak = max([r for (t, r, _c) in sampler.samples if t0 <= t] + [rss_before])
    phase = {"phase": name, "files": count, "bytes": count * size, "s": round(t1 - t0, 3),
             "mb_per_s": round(count * size / MB / (t1 - t0), 1), "files_per_s": round(count / (t1 - t0), 1),
             "latency": percentiles(latencies_us), "rss_before_kib": rss_before, "rss_peak_kib": peak,
             "server_cpu_pct": sampler.cpu_pct_between(t0, t1), "t0": t0, "t1": t1}
    print(f"  {name}: {phase['mb_per_s']} MB/s, {phase['files_per_s']} files/s, RSS {rss_before // 1024} -> "
          f"peak {peak // 1024} MiB, server CPU {phase['server_cpu_pct']} %", flush=True)
    phases.append(phase)
    return list(results)


def _rss_now(sampler: Sampler) -> int:
    return sampler.samples[-1][1] if sampler.samples else 0


def _label(size: int) -> str:
    return f"{size / GB:g} GB" if size >= GB else f"{size / MB:g} MB"


def table(result: dict[str, Any]) -> str:
    header = ["store", "phase", "files", "MB/s", "files/s", "p50 ms", "p99 ms", "server CPU %", "RSS before MiB",
              "peak RSS MiB", "peak − before MiB"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for store, r in result["stores"].items():
        for p in r["phases"]:
            lat = p["latency"]
            cells = [store, p["phase"], p["files"], p["mb_per_s"], p["files_per_s"], lat.get("p50_ms"),
                     lat.get("p99_ms"), p["server_cpu_pct"], round(p["rss_before_kib"] / 1024, 1),
                     round(p["rss_peak_kib"] / 1024, 1), round((p["rss_peak_kib"] - p["rss_before_kib"]) / 1024, 1)]
            lines.append("| " + " | ".join("" if c is None else str(c) for c in cells) + " |")
    return "\n".join(lines)


def chart(result: dict[str, Any], axes: Any) -> None:
    """The node's RSS over time per store, each phase shaded."""
    for ax, (store, r) in zip(axes, result["stores"].items(), strict=False):
        series = r["rss_series"]
        if not series:
            continue
        start = series[0][0]
        ax.plot([t - start for t, _ in series], [rss / 1024 for _, rss in series], lw=1)
        for i, p in enumerate(r["phases"]):
            ax.axvspan(p["t0"] - start, p["t1"] - start, alpha=0.12, color=f"C{i % 10}", label=p["phase"])
        ax.set_title(f"{store} store: node RSS")
        ax.set_xlabel("s")
        ax.set_ylabel("MiB")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=6, loc="lower right")
