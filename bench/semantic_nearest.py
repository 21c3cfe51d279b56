"""Nearest-neighbour choices for semantic search, measured (docs/search.md, "Semantic search").

One query = the top 20 of an organisation's vectors restricted to the conversations the searcher
may read (here 20 of 200 conversations, 10 % of the rows), as ``services/semantic_index`` answers it.
Compared: numpy brute force over the float32 matrix with a conversation mask (what Axon does),
``usearch`` HNSW (f16; no filter in its Python API: over-fetch, then filter) and ``sqlite-vec``
(vec0, brute force in SQLite, conversation as a partition key). Vectors are random unit vectors
(timings do not depend on content; recall of the approximate index is the worst case there).

    python -m bench.semantic_nearest 10000 100000 [--skip usearch,sqlite-vec]

(numpy's BLAS on one thread, as ``axon/__init__.py`` sets it for a node.)
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse  # noqa: E402
import resource  # noqa: E402
import sqlite3  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from axon.services.semantic_index import OrgVectors  # noqa: E402
from axon.store.search_vectors import StoredVector  # noqa: E402

DIMS, CONVERSATIONS, VISIBLE, K, QUERIES = 512, 200, 20, 20, 200


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def corpus(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    m = rng.standard_normal((n, DIMS), dtype=np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m, rng.integers(0, CONVERSATIONS, n).astype(np.int32)


def timed(search: Callable[[np.ndarray], list[int]], queries: np.ndarray) -> tuple[float, float, list[list[int]]]:
    found, took = [], []
    for q in queries:
        t = time.perf_counter()
        found.append(search(q))
        took.append((time.perf_counter() - t) * 1000)
    return float(np.percentile(took, 50)), float(np.percentile(took, 99)), found


def numpy_brute(m: np.ndarray, conv: np.ndarray) -> tuple[Callable[[np.ndarray], list[int]], float]:
    t = time.perf_counter()
    vectors = OrgVectors(DIMS)
    half = m.astype("<f2")
    for start in range(0, len(m), 10_000):  # as a node reads them: pages of stored float16 rows
        vectors.apply(StoredVector(str(i), f"c{conv[i]}", 1, half[i].tobytes())
                      for i in range(start, min(start + 10_000, len(m))))
    build = time.perf_counter() - t
    visible = tuple(f"c{c}" for c in range(VISIBLE))
    return (lambda q: [int(h.message_id) for h in vectors.nearest(q, visible, K, -1.0)]), build


def usearch_hnsw(m: np.ndarray, conv: np.ndarray) -> tuple[Callable[[np.ndarray], list[int]], float]:
    from usearch.index import Index

    t = time.perf_counter()
    index = Index(ndim=DIMS, metric="ip", dtype="f16")
    index.add(np.arange(len(m)), m, threads=2)
    build = time.perf_counter() - t

    def search(q: np.ndarray) -> list[int]:
        fetch = K * 20  # a 10 % subset: over-fetch, then keep the visible ones
        keys = index.search(q, fetch, threads=1).keys
        return [int(k) for k in keys if conv[k] < VISIBLE][:K]

    return search, build


def sqlite_vec(m: np.ndarray, conv: np.ndarray) -> tuple[Callable[[np.ndarray], list[int]], float]:
    import sqlite_vec as sv

    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    sv.load(db)
    t = time.perf_counter()
    db.execute(f"CREATE VIRTUAL TABLE v USING vec0(conversation integer partition key, embedding float[{DIMS}] "
               "distance_metric=cosine)")
    db.executemany("INSERT INTO v(rowid, conversation, embedding) VALUES (?, ?, ?)",
                   ((i, int(conv[i]), m[i].tobytes()) for i in range(len(m))))
    db.commit()
    build = time.perf_counter() - t

    def search(q: np.ndarray) -> list[int]:
        found: list[tuple[float, int]] = []
        for c in range(VISIBLE):  # one KNN per partition, merged
            found += [(d, r) for r, d in db.execute(
                "SELECT rowid, distance FROM v WHERE embedding MATCH ? AND k = ? AND conversation = ?",
                (q.tobytes(), K, c))]
        return [r for _, r in sorted(found)[:K]]

    return search, build


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--skip", default="")
    args = parser.parse_args()
    print("| vectors | method | build s | query p50 ms | query p99 ms | RSS growth MiB | recall@20 |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        m, conv = corpus(n)
        queries = m[np.random.default_rng(1).integers(0, n, QUERIES)] + 0.0
        exact: list[list[int]] | None = None
        for name, make in (("numpy brute force", numpy_brute), ("usearch HNSW f16", usearch_hnsw),
                           ("sqlite-vec vec0", sqlite_vec)):
            if name.split()[0] in args.skip:
                continue
            if name.startswith("sqlite-vec") and not hasattr(sqlite3.Connection, "enable_load_extension"):
                print(f"| {n:,} | {name} | this Python's sqlite3 cannot load extensions (Axon's SQLite driver) |")
                continue
            before = rss_mib()
            search, build = make(m, conv)
            p50, p99, found = timed(search, queries)
            grown = rss_mib() - before
            exact = exact or found
            recall = np.mean([len(set(a) & set(b)) / max(1, len(b)) for a, b in zip(found, exact, strict=True)])
            print(f"| {n:,} | {name} | {build:.1f} | {p50:.2f} | {p99:.2f} | {grown:.0f} | {recall:.2f} |", flush=True)
            del search
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
