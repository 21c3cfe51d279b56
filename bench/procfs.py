"""Server-side resource sampling from /proc: CPU seconds, RSS, machine-wide busy time.

Copied from the peers' harness (``../shared/bench-peers/bench/harness.py``) so that
Axon's figures are measured exactly the way ejabberd's and Prosody's were.
"""

from __future__ import annotations

import os
import threading
import time

CLK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pids: list[int]) -> float:
    """utime + stime of the processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                parts = fh.read().rsplit(")", 1)[1].split()
            total += int(parts[11]) + int(parts[12])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total / CLK


def proc_rss_kib(pids: list[int]) -> int:
    """Sum of VmRSS over the processes."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def machine_busy_s() -> float:
    """Machine-wide busy CPU seconds (all processes, all cores) from /proc/stat."""
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK


def descendants(root_pids: list[int]) -> list[int]:
    """The root pids plus all their descendants (by ppid)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
    out: list[int] = []
    stack = list(root_pids)
    while stack:
        pid = stack.pop()
        if pid not in out:
            out.append(pid)
            stack.extend(children.get(pid, []))
    return out


class Sampler(threading.Thread):
    """Samples RSS and CPU of ``pids_fn()`` every ``interval`` seconds (peak RSS, CPU timeline)."""

    def __init__(self, pids_fn, interval: float = 0.5) -> None:
        super().__init__(daemon=True, name="bench-sampler")
        self.pids_fn = pids_fn
        self.interval = interval
        self.stop_event = threading.Event()
        self.peak_rss = 0
        self.samples: list[tuple[float, int, float]] = []

    def run(self) -> None:
        while not self.stop_event.is_set():
            pids = self.pids_fn()
            rss = proc_rss_kib(pids)
            self.peak_rss = max(self.peak_rss, rss)
            self.samples.append((time.monotonic(), rss, proc_cpu_s(pids)))
            self.stop_event.wait(self.interval)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(2)

    def cpu_pct_between(self, t0: float, t1: float) -> float | None:
        """Server CPU % over the samples taken in [t0, t1] (the active span of a phase)."""
        pts = [(t, c) for (t, _r, c) in self.samples if t0 - 0.6 <= t <= t1 + 0.6]
        if len(pts) < 2 or pts[-1][0] <= pts[0][0]:
            return None
        return round(100 * (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0]), 1)
