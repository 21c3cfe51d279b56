"""Latency markers, the byte scanner that finds them, and percentiles.

A marker is ASCII ``BM|<sender uid>|<seq>|<t_ns>|E`` with ``t_ns =
time.monotonic_ns()`` (CLOCK_MONOTONIC is shared by every process on the
machine, so sender and receiver processes read the same clock). The scanner
byte-searches raw socket data, so no JSON parse is needed per delivery.
Same format and logic as the peers' harness, so latencies are comparable.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable

MARK = b"BM|"
END = b"|E"


def make_marker(uid: int, seq: int, t_ns: int) -> bytes:
    return b"BM|%d|%d|%d|E" % (uid, seq, t_ns)


class Stats:
    """Receive accounting shared by all scanners of one worker process."""

    def __init__(self) -> None:
        self.deliveries = 0
        self.echoes = 0
        self.lat_us = array("q")
        self.last_recv_ns = 0
        self.first_recv_ns = 0
        self.bad = 0
        # (sender uid, seq) pairs seen per receiver are not kept (memory);
        # duplicates are detected per (receiver, sender) by a seq high-water mark.
        self.dups = 0
        self.reorders = 0


class Scanner:
    """Finds markers in one connection's byte stream (markers may be split across reads)."""

    __slots__ = ("uid", "stats", "pending", "echo_cb", "last_seq")

    def __init__(self, uid: int, stats: Stats, echo_cb: Callable[[], None] | None = None) -> None:
        self.uid = uid
        self.stats = stats
        self.pending = b""
        self.echo_cb = echo_cb
        self.last_seq: dict[int, int] = {}

    def feed(self, data: bytes) -> None:
        if self.pending:
            data = self.pending + data
            self.pending = b""
        i = data.find(MARK)
        if i < 0:
            self.pending = data[-2:]
            return
        now = time.monotonic_ns()
        st = self.stats
        while i >= 0:
            j = data.find(END, i + 3)
            if j < 0:
                self.pending = data[i:]
                break
            try:
                s_uid_b, seq_b, t_b = data[i + 3:j].split(b"|")
                s_uid, seq, t = int(s_uid_b), int(seq_b), int(t_b)
            except ValueError:
                st.bad += 1
                i = data.find(MARK, j)
                continue
            if s_uid == self.uid:
                st.echoes += 1
                if self.echo_cb is not None:
                    self.echo_cb()
            else:
                self._delivery(st, s_uid, seq, now - t)
            i = data.find(MARK, j)
        else:
            self.pending = data[-2:]
        if st.first_recv_ns == 0:
            st.first_recv_ns = now
        st.last_recv_ns = now

    def _delivery(self, st: Stats, s_uid: int, seq: int, lat_ns: int) -> None:
        last = self.last_seq.get(s_uid, -1)
        if seq == last:
            st.dups += 1
            return
        if seq < last:
            st.reorders += 1  # an older seq after a newer one: duplicate or out of order
        self.last_seq[s_uid] = seq
        st.deliveries += 1
        st.lat_us.append(lat_ns // 1000)


def percentiles(lat_us: array | list[int]) -> dict[str, float]:
    """p50/p90/p99/p99.9/max/min/mean in ms (nearest-rank, as in the peers' harness)."""
    if not lat_us:
        return {}
    s = sorted(lat_us)
    n = len(s)

    def q(x: float) -> float:
        return s[min(n - 1, int(x * n))] / 1000.0

    return {"n": n, "p50_ms": q(0.50), "p90_ms": q(0.90), "p99_ms": q(0.99), "p999_ms": q(0.999),
            "max_ms": s[-1] / 1000.0, "min_ms": s[0] / 1000.0, "mean_ms": sum(s) / n / 1000.0}
