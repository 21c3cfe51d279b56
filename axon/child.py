"""Background CPU work in a child process at the lowest CPU priority: ``ChildProcess``.

Why a process: the models behind the AI helpers and semantic search (the sentence encoder's
tokenizer, the date-time recognizers) are pure Python, so run in a thread of the node they hold its
GIL for most of a batch, and every send, delivery and ack waits for them — a burst of sends lost
about a fifth of its throughput to background embedding (docs/search.md, "Speed"). In a child
process the node's interpreter never waits for them, and at nice 19 the kernel gives the child only
the CPU the node leaves idle. Only arguments and results cross the pipe.

Contract:
- ``call(method, *args)`` blocks its calling thread (never the event loop: callers run it in a
  worker thread) and returns what ``build()``'s object returns from ``method(*args)`` in the child;
  an exception raised there is raised here.
- The child starts on the first call (spawned, never forked from a process with threads and an
  event loop), builds its object once, and stays for the next calls. It exits within a second of
  its parent's death (a watchdog thread), so a ``kill -9`` of the node leaves no orphan holding a
  model. (Not ``PR_SET_PDEATHSIG``: it follows the thread that started the child, not the process.)
- If the child dies (out of memory, killed), the call that saw it raises ``ChildLost`` and the next
  call starts a new child; durable consumers retry their page on it, so nothing is lost.
- ``close`` stops the child; a call after it starts a new one.
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
from typing import Any

from .services.ports import ChildLost

NICENESS = 19
PARENT_CHECK_S = 1.0

# The child's object, built once by the initializer (a module global: the child has nothing else).
_built: Any = None


class ChildProcess:
    def __init__(self, build: Callable[[], Any], niceness: int = NICENESS) -> None:
        """``build`` makes the object in the child: a module-level callable (it is pickled by name).
        ``niceness`` is the child's CPU priority (19, the lowest, unless the operator says otherwise:
        on a machine that is always busy a nice-19 child may wait minutes for its turn)."""
        self._build = build
        self._niceness = niceness
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def call(self, method: str, *args: Any) -> Any:
        pool = self._started()
        try:
            return pool.submit(_call, method, args).result()
        except BrokenProcessPool as exc:
            self._discard(pool)  # the next call starts a new child
            raise ChildLost(f"the background process died during {method}") from exc

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_child,
                    initargs=(self._build, os.getpid(), self._niceness))
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


def _start_child(build: Callable[[], Any], parent_pid: int, niceness: int) -> None:
    global _built
    with contextlib.suppress(OSError):
        os.nice(niceness - os.nice(0))
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), name="parent-watch", daemon=True).start()
    _built = build()


def _exit_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)  # the node is gone: nobody will ever read another result


def _call(method: str, args: tuple[Any, ...]) -> Any:
    assert _built is not None, "the child's initializer builds its object"
    return getattr(_built, method)(*args)
