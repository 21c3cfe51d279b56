"""The peers' figures measured on this machine (``../shared/bench-peers``, beside the repository), for comparison only.

Read from the peers' result JSON when present; otherwise the headline values
transcribed from their RESULTS.md. Never re-measured by this suite.
"""

from __future__ import annotations

import json
import os
from typing import Any

PEERS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "shared", "bench-peers", "results")  # ../shared/bench-peers/results

# Transcribed from ../shared/bench-peers/RESULTS.md (quiet-machine tables).
FALLBACK: dict[str, dict[str, Any]] = {
    "ejabberd": {
        "w1": {"n": 10000, "kib_per_conn": 366.1, "connects_per_s": 149.3, "ms_per_connect": 12.37,
               "auth": "SASL PLAIN"},
        "w2": [{"phase": "rate:20:600", "deliveries_per_s": 10012.3, "p50_ms": 9.63, "p99_ms": 20.87, "lost": 0,
                "deliveries_per_server_cpu_s": 21322},
               {"phase": "rate:35:1050", "deliveries_per_s": 17507.0, "p50_ms": 10.81, "p99_ms": 22.43, "lost": 0,
                "deliveries_per_server_cpu_s": 19112},
               {"phase": "window:2000:100", "deliveries_per_s": 31741.8, "p50_ms": 1567.58, "p99_ms": 1977.18,
                "lost": 0, "deliveries_per_server_cpu_s": 23154}],
        "w3": {"deliveries_per_s": 4500.0, "p50_ms": 1.09, "p99_ms": 3.41, "lost": 0, "server_cpu_pct": 46.8,
               "deliveries_per_server_cpu_s": 9517},
    },
    "prosody": {
        "w1": {"n": 10000, "kib_per_conn": 35.2, "connects_per_s": 77.7, "ms_per_connect": 12.79, "auth": "SASL PLAIN"},
        "w2": [{"phase": "rate:20:600", "deliveries_per_s": 4067.6, "p50_ms": 21828.85, "p99_ms": 45310.26, "lost": 0,
                "deliveries_per_server_cpu_s": 4069}],
        "w3": {"deliveries_per_s": 4411.7, "p50_ms": 1207.6, "p99_ms": 3180.78, "lost": 0, "server_cpu_pct": 99.1,
               "deliveries_per_server_cpu_s": 4412},
    },
}


def _load(name: str) -> dict[str, Any] | None:
    path = os.path.join(PEERS_DIR, name)
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def w2_phases(server: str) -> list[dict[str, Any]]:
    data = _load(f"{server}_w2.json")
    if data is None:
        return FALLBACK.get(server, {}).get("w2", [])
    return [{"phase": p["phase"], "deliveries_per_s": p.get("deliveries_per_s"), "p50_ms": p["latency"].get("p50_ms"),
             "p99_ms": p["latency"].get("p99_ms"), "lost": p.get("loss"),
             "deliveries_per_server_cpu_s": p.get("deliveries_per_server_cpu_s")} for p in data["result"]["phases"]]


def figure(server: str, workload: str) -> Any:
    return FALLBACK.get(server, {}).get(workload)
