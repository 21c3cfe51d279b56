"""py-spy sampling of the server under load, and a top-frames summary of the collapsed stacks.

``--profile SECONDS`` (with ``--profile-delay``) runs ``py-spy record --format raw``
against the node's pid while the workload's phases run; the raw file
(``bench/results/profile-<workload>.txt``, one ``frame;frame;... count`` line
per stack, loadable in speedscope or flamegraph.pl) is summarised into the
functions with the most *self* samples and the most *inclusive* samples.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from .session import RESULTS_DIR

_LINE = re.compile(r":\d+\)$")


def _py_spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


class Profiler:
    def __init__(self, pid: int, name: str, duration: float, delay: float, rate: int = 100) -> None:
        self.path = os.path.join(RESULTS_DIR, f"profile-{name}.txt")
        self.cmd = [_py_spy() or "py-spy", "record", "--pid", str(pid), "--duration", str(int(duration)),
                    "--rate", str(rate), "--format", "raw", "--nonblocking", "-o", self.path]
        self.proc: subprocess.Popen[bytes] | None = None
        self.timer = threading.Timer(delay, self._start)
        self.timer.start()
        self.duration, self.delay = duration, delay

    @classmethod
    def maybe(cls, args: Any, node: Any, name: str) -> Profiler | None:
        if not getattr(args, "profile", 0) or node is None or node.pid is None:  # None: not a Python server
            return None
        return cls(node.pid, name, args.profile, args.profile_delay)

    def _start(self) -> None:
        os.makedirs(RESULTS_DIR, exist_ok=True)
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def finish(self) -> dict[str, Any]:
        self.timer.join()
        if self.proc is None:
            return {"error": "py-spy did not start"}
        try:
            _out, err = self.proc.communicate(timeout=self.duration + 30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return {"error": "py-spy did not finish"}
        if not os.path.exists(self.path):
            return {"error": err.decode(errors="replace")[-500:]}
        return {"path": os.path.relpath(self.path), "delay_s": self.delay, "duration_s": self.duration,
                **summarise(self.path)}


def summarise(path: str, top: int = 25) -> dict[str, Any]:
    """Self and inclusive sample counts per function (line numbers dropped) from a raw py-spy file."""
    self_count: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    with open(path) as fh:
        for line in fh:
            stack, _, count_s = line.rstrip("\n").rpartition(" ")
            if not stack or not count_s.isdigit():
                continue
            count = int(count_s)
            frames = [_LINE.sub(")", fr) for fr in stack.split(";")]
            total += count
            threads[frames[0]] += count
            self_count[frames[-1]] += count
            for fr in set(frames[1:]):
                incl[fr] += count

    def rows(counter: Counter[str]) -> list[dict[str, Any]]:
        return [{"frame": k, "samples": v, "pct": round(100 * v / total, 1)} for k, v in counter.most_common(top)]

    return {"samples": total, "roots": rows(threads), "top_self": rows(self_count), "top_inclusive": rows(incl)}
