"""An ``Embedder`` that runs another embedder in a child process at the lowest CPU priority.

Why a process: the model's tokenizer is pure Python, so embedding in a thread of the node holds the
GIL for most of a batch, and every send, delivery and ack waits for it — a burst of sends lost about a
fifth of its throughput to background embedding (W4 in docs/benchmarks.md, "Search"). In a child
process the node's interpreter never waits for it, and at nice 19 the kernel gives the child only the
CPU the node leaves idle. Only texts go over and 2 KiB vectors come back, so the pipe costs little.

Contract:
- ``embed`` blocks its calling thread (never the event loop: callers run it in a worker thread, as
  for any ``Embedder``) and returns what the wrapped embedder would have returned.
- The child starts on the first ``embed`` (spawned, never forked from a process with threads and an
  event loop), builds the embedder there, and stays for the next calls. It exits within a second of
  its parent's death (a watchdog thread in the child), so a ``kill -9`` of the node leaves no orphan
  holding the model. (Not ``PR_SET_PDEATHSIG``: it follows the thread that started the child, not the
  process.)
- If the child dies (out of memory, killed), the call that saw it fails and the next call starts a
  new child; the durable consumer retries its page, so no vector is lost.
- ``close`` stops the child; an ``embed`` after it starts a new one.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..services.ports import Embedder

NICENESS = 19
PARENT_CHECK_S = 1.0

# The child's embedder, built once by the initializer (a module global: the child has nothing else).
_embedder: Embedder | None = None


class ProcessEmbedder:
    def __init__(self, build: Callable[[], Embedder], dimensions: int) -> None:
        """``build`` makes the embedder in the child: a module-level function (it is pickled by name)."""
        self.dimensions = dimensions
        self._build = build
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> list[bytes]:
        if not texts:
            return []
        pool = self._started()
        try:
            return pool.submit(_embed, texts).result()
        except BrokenProcessPool:
            self._discard(pool)  # the next call starts a new child
            raise

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_start_child, initargs=(self._build, os.getpid()))
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


def _start_child(build: Callable[[], Embedder], parent_pid: int) -> None:
    global _embedder
    with contextlib.suppress(OSError):
        os.nice(NICENESS - os.nice(0))
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), name="parent-watch", daemon=True).start()
    _embedder = build()


def _exit_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)  # the node is gone: nobody will ever read another vector


def _embed(texts: list[str]) -> list[bytes]:
    assert _embedder is not None, "the child's initializer builds the embedder"
    return _embedder.embed(texts)
