"""Markdown tables (printed, and pasted into docs/benchmarks.md) and PNG charts (matplotlib, Agg)."""

from __future__ import annotations

import glob
import json
import os
from typing import Any

from . import peers
from .session import RESULTS_DIR


def _f(x: Any, nd: int = 1) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _rows(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_f(c) if not isinstance(c, str) else c for c in r) + " |" for r in rows]
    return "\n".join(lines)


def table(name: str, result: dict[str, Any]) -> str:
    return {"w1": _w1, "w2": _fanout, "w3": _fanout, "w4": _w4, "w5": _w5, "w6": _w6}[name](result)


def _w1(r: dict[str, Any]) -> str:
    rows = [[s["n"], f"{s['connect']['ok']}/{s['held']}", s["connect"]["connects_per_s"],
             s["connect"]["server_cpu_ms_per_connect"], _f(s["connect"]["connect_latency"].get("p99_ms"), 1),
             round(s["rss_kib_after"] / 1024, 1), s["kib_per_conn"], s["idle_server_cpu_pct"],
             s["connect"]["other_cpu_pct"]] for s in r["steps"]]
    return "W1 idle connections (token login: WS upgrade + hello until synced; rooms of 10)\n" + _rows(
        ["connections held", "new ok/held", "connects/s", "server CPU ms/connect", "connect p99 ms",
         "server RSS MiB", "KiB/conn", "idle CPU %", "other CPU %"], rows)


def _fanout(r: dict[str, Any]) -> str:
    rows = []
    for p in r["phases"]:
        lat = p.get("latency") or {}
        rows.append([p["phase"], f"{p['sent']}", p.get("deliveries_per_s"), f"{p['lost']}/{p['dups']}",
                     _f(lat.get("p50_ms"), 2), _f(lat.get("p99_ms"), 2), _f(lat.get("max_ms"), 1),
                     p.get("server_cpu_pct_active") or p["server_cpu_pct"], p["loadgen_cpu_pct"],
                     _f(p.get("deliveries_per_server_cpu_s"), 0), round(p["server_peak_rss_kib"] / 1024, 1),
                     p["other_cpu_pct"]])
    head = f"{r['workload'].upper()} (connect: {r['connect']['ok']} ok, {r['connect']['connects_per_s']}/s)"
    return head + "\n" + _rows(["phase", "sent", "deliveries/s", "lost/dup", "p50 ms", "p99 ms", "max ms",
                                "server CPU %", "loadgen CPU %", "deliveries per server CPU-s", "peak RSS MiB",
                                "other CPU %"], rows)


def _w4(r: dict[str, Any]) -> str:
    rows = []
    for backend, b in r["backends"].items():
        for p in b["phases"]:
            lat = p.get("ack_latency") or {}
            rows.append([backend, p["in_flight"], p["acked"], p.get("acked_per_s"), _f(lat.get("p50_ms"), 2),
                         _f(lat.get("p99_ms"), 2), p["rejected"], p["server_cpu_pct"], p.get("db_cpu_pct"),
                         _f(p.get("acked_per_server_cpu_s"), 0), p["other_cpu_pct"]])
    return "W4 durable acked sends (100 conversations, one sender each)\n" + _rows(
        ["db", "in flight", "acked", "acked msgs/s", "ack p50 ms", "ack p99 ms", "errors", "server CPU %",
         "db CPU %", "acked per server CPU-s", "other CPU %"], rows)


def _w5(r: dict[str, Any]) -> str:
    rows = [[p["missed"], p["welcome_ms_median"], p["synced_ms_median"], p["synced_ms_max"],
             "yes" if p["events_ok"] else "NO"] for p in r["points"]]
    return f"W5 catch-up over 20 conversations (fill {r['fill']['msgs_per_s']} msg/s)\n" + _rows(
        ["missed events", "welcome ms (median)", "synced + applied ms (median)", "max ms", "all applied, no gap/dup"],
        rows)


def _w6(r: dict[str, Any]) -> str:
    rows = [[p["stored"], _f(p["newest"]["p50_ms"], 2), _f(p["newest"]["p99_ms"], 2), _f(p["random"]["p50_ms"], 2),
             _f(p["random"]["p99_ms"], 2), round((p["db_bytes"] or 0) / 2**20, 1), p["fill"]["msgs_per_s"]]
            for p in r["points"]]
    return "W6 history page of 50 (one conversation, sequential requests)\n" + _rows(
        ["stored messages", "newest p50 ms", "newest p99 ms", "random-deep p50 ms", "random-deep p99 ms",
         "db MiB", "fill msg/s"], rows)


def peers_table() -> str:
    rows = []
    for server in ("ejabberd", "prosody"):
        for p in peers.w2_phases(server):
            rows.append([server, p["phase"], p["deliveries_per_s"], _f(p["p50_ms"], 2), _f(p["p99_ms"], 2),
                         p["lost"], _f(p["deliveries_per_server_cpu_s"], 0)])
    return "Peers (measured in the peers' run, /work/shared/bench-peers, not re-run)\n" + _rows(
        ["server", "W2 phase", "deliveries/s", "p50 ms", "p99 ms", "lost", "deliveries per server CPU-s"], rows)


# --- charts ---------------------------------------------------------------------------------------


def chart(name: str, result: dict[str, Any], path: str) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    {"w1": _chart_w1, "w2": _chart_fanout, "w3": _chart_fanout, "w4": _chart_w4, "w5": _chart_w5,
     "w6": _chart_w6}[name](result, axes)
    fig.suptitle(f"Axon {name.upper()} — {result.get('started', '')} — {result.get('cpu_split', '')}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _chart_w1(r: dict[str, Any], ax: Any) -> None:
    n = [s["held"] for s in r["steps"]]
    ax[0].plot(n, [s["kib_per_conn"] for s in r["steps"]], "o-", label="Axon KiB/conn")
    for server in ("ejabberd", "prosody"):
        ax[0].axhline(peers.figure(server, "w1")["kib_per_conn"], ls="--", lw=1, label=f"{server} @10k (peers' run)")
    ax[0].axhline(35, color="red", lw=1, label="target 35")
    ax[0].set(xlabel="connections held", ylabel="server RSS KiB / connection", yscale="log")
    ax[0].legend(fontsize=7)
    ax[1].plot(n, [s["connect"]["connects_per_s"] for s in r["steps"]], "o-", label="Axon token connects/s")
    ax[1].axhline(1000, color="red", lw=1, label="target 1,000/s")
    ax[1].axhline(149.3, ls="--", lw=1, label="ejabberd password logins/s (peers' run)")
    ax[1].set(xlabel="connections held", ylabel="connects / s")
    ax[1].legend(fontsize=7)


def _chart_fanout(r: dict[str, Any], ax: Any) -> None:
    phases = [p for p in r["phases"] if p.get("latency")]
    x = list(range(len(phases)))
    labels = [p["phase"] for p in phases]
    for key, style in (("p50_ms", "o-"), ("p99_ms", "s-"), ("max_ms", "^:")):
        ax[0].plot(x, [p["latency"][key] for p in phases], style, label=key.replace("_ms", ""))
    ax[0].set(ylabel="send→receive latency ms", yscale="log")
    ax[0].set_xticks(x, labels, fontsize=7)
    if r["workload"] == "w2":
        ax[0].axhline(10, color="red", lw=1, label="target p99 10 ms")
    ax[0].legend(fontsize=7)
    offered = [p["deliveries_per_s"] or 0 for p in phases]
    ax[1].bar([i - 0.2 for i in x], offered, 0.4, label="deliveries/s achieved")
    ax[1].bar([i + 0.2 for i in x], [p.get("deliveries_per_server_cpu_s") or 0 for p in phases], 0.4,
              label="deliveries per server CPU-s")
    if r["workload"] == "w2":
        ej = {p["phase"]: p for p in peers.w2_phases("ejabberd")}
        ax[1].plot(x, [(ej.get(lbl) or {}).get("deliveries_per_server_cpu_s") or 0 for lbl in labels], "k_",
                   ms=30, label="ejabberd per CPU-s (peers' run)")
    ax[1].set_xticks(x, labels, fontsize=7)
    ax[1].legend(fontsize=7)


def _chart_w4(r: dict[str, Any], ax: Any) -> None:
    for backend, b in r["backends"].items():
        inflight = [p["in_flight"] for p in b["phases"]]
        ax[0].plot(inflight, [p["acked_per_s"] for p in b["phases"]], "o-", label=backend)
        ax[1].plot(inflight, [p["ack_latency"].get("p50_ms") for p in b["phases"]], "o-", label=f"{backend} p50")
        ax[1].plot(inflight, [p["ack_latency"].get("p99_ms") for p in b["phases"]], "s--", label=f"{backend} p99")
    ax[0].axhline(20000, color="red", lw=1, label="target 20,000/s")
    ax[0].set(xlabel="sends in flight", ylabel="acked msgs / s", xscale="log")
    ax[1].set(xlabel="sends in flight", ylabel="ack latency ms", xscale="log", yscale="log")
    ax[0].legend(fontsize=7)
    ax[1].legend(fontsize=7)


def _chart_w5(r: dict[str, Any], ax: Any) -> None:
    missed = [p["missed"] for p in r["points"]]
    ax[0].plot(missed, [p["synced_ms_median"] for p in r["points"]], "o-", label="synced + applied (median)")
    ax[0].plot(missed, [p["synced_ms_max"] for p in r["points"]], "s--", label="max")
    ax[0].axhline(1000, color="red", lw=1, label="target 1 s")
    ax[0].set(xlabel="missed events (20 conversations)", ylabel="ms")
    ax[0].legend(fontsize=7)
    ax[1].plot(missed, [p["missed"] / p["synced_ms_median"] * 1000 for p in r["points"]], "o-")
    ax[1].set(xlabel="missed events", ylabel="events / s during catch-up")


def _chart_w6(r: dict[str, Any], ax: Any) -> None:
    stored = [p["stored"] for p in r["points"]]
    for kind, ax_ in (("newest", ax[0]), ("random", ax[1])):
        ax_.plot(stored, [p[kind]["p50_ms"] for p in r["points"]], "o-", label="p50")
        ax_.plot(stored, [p[kind]["p99_ms"] for p in r["points"]], "s-", label="p99")
        ax_.axhline(5, color="red", lw=1, label="target p99 5 ms")
        ax_.set(xlabel="stored messages", ylabel="ms", xscale="log", title=f"{kind} page of 50")
        ax_.legend(fontsize=7)


def render_all() -> None:
    for path in sorted(glob.glob(os.path.join(RESULTS_DIR, "w*.json"))):
        name = os.path.basename(path).split(".")[0].split("-")[0]
        with open(path) as fh:
            result = json.load(fh)
        print(f"\n## {os.path.basename(path)}\n")
        print(table(name, result))
        print(f"chart: {chart(name, result, path.replace('.json', '.png'))}")
    print("\n" + peers_table())
