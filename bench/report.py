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
    if name == "files":
        from .files import table as files_table

        return files_table(result)
    if name == "search-quality":
        from .search_quality import table as search_quality_table

        return search_quality_table(result)
    if name == "ai-events":
        from .ai_events import table as ai_events_table

        return ai_events_table(result)
    if name == "search":
        from .search_bench import table as search_table

        return search_table(result)
    if "servers" in result:
        return multi_table(name, result)
    return {"w1": _w1, "w2": _fanout, "w3": _fanout, "w2-rooms": _rooms, "w4": _w4, "w5": _w5, "w6": _w6}[name](result)


def _w1_rows(r: dict[str, Any]) -> tuple[list[str], list[tuple[Any, list[Any]]]]:
    rows = [(s["n"], [s["n"], f"{s['connect']['ok']}/{s['held']}", s["connect"]["connects_per_s"],
                      s["connect"]["server_cpu_ms_per_connect"], _f(s["connect"]["connect_latency"].get("p99_ms"), 1),
                      round(s["rss_kib_after"] / 1024, 1), s["kib_per_conn"], s["idle_server_cpu_pct"],
                      s["connect"]["other_cpu_pct"]]) for s in r["steps"]]
    return ["connections held", "new ok/held", "connects/s", "server CPU ms/connect", "connect p99 ms",
            "server RSS MiB", "KiB/conn", "idle CPU %", "other CPU %"], rows


def _w1(r: dict[str, Any]) -> str:
    header, rows = _w1_rows(r)
    return "W1 idle connections (token login: WS upgrade + hello until synced; rooms of 10)\n" + _rows(
        header, [row for _k, row in rows])


FANOUT_HEADER = ["phase", "sent", "deliveries/s", "lost/dup", "p50 ms", "p99 ms", "max ms", "server CPU %",
                 "loadgen CPU %", "deliveries per server CPU-s", "peak RSS MiB", "other CPU %"]


def _phase_row(p: dict[str, Any]) -> list[Any]:
    lat = p.get("latency") or {}
    return [p["phase"], f"{p['sent']}", p.get("deliveries_per_s"), f"{p['lost']}/{p['dups']}",
            _f(lat.get("p50_ms"), 2), _f(lat.get("p99_ms"), 2), _f(lat.get("max_ms"), 1),
            p.get("server_cpu_pct_active") or p["server_cpu_pct"], p["loadgen_cpu_pct"],
            _f(p.get("deliveries_per_server_cpu_s"), 0), round(p["server_peak_rss_kib"] / 1024, 1),
            _other(p["other_cpu_pct"])]


def _other(pct: float | None) -> str:
    """Other tenants' CPU; above 10 % the phase was contaminated (flagged, not hidden)."""
    return "-" if pct is None else f"{pct:,.1f}" + (" ⚠" if pct > 10 else "")


def _fanout_rows(r: dict[str, Any]) -> tuple[list[str], list[tuple[Any, list[Any]]]]:
    return FANOUT_HEADER, [(p["phase"], _phase_row(p)) for p in r["phases"]]


def _fanout(r: dict[str, Any]) -> str:
    head = f"{r['workload'].upper()} (connect: {r['connect']['ok']} ok, {r['connect']['connects_per_s']}/s)"
    return head + "\n" + _rows(FANOUT_HEADER, [_phase_row(p) for p in r["phases"]])


def _rooms_rows(r: dict[str, Any]) -> tuple[list[str], list[tuple[Any, list[Any]]]]:
    rows = [((pt["receivers"], p["phase"]), [pt["receivers"], *_phase_row(p)]) for pt in r["points"]
            for p in pt["phases"]]
    return ["receivers", *FANOUT_HEADER], rows


def _rooms(r: dict[str, Any]) -> str:
    header, rows = _rooms_rows(r)
    return f"W2 room-size curve ({r.get('server', 'axon')}; one sender, N online receivers)\n" + _rows(
        header, [row for _k, row in rows])


# --- several servers of one run, side by side -------------------------------------------------------


def multi_table(name: str, result: dict[str, Any]) -> str:
    """One row per (step or phase, server), servers interleaved; fan-out rows carry Axon ÷ other per CPU-s."""
    producer = {"w1": _w1_rows, "w2": _fanout_rows, "w3": _fanout_rows, "w2-rooms": _rooms_rows}[name]
    per: dict[str, dict[Any, list[Any]]] = {}
    keys: list[Any] = []
    header: list[str] = []
    eff: dict[str, dict[Any, float | None]] = {}
    for server, sub in result["servers"].items():
        header, rows = producer(sub)
        per[server] = dict(rows)
        keys += [k for k, _row in rows if k not in keys]
        if name != "w1":
            phases = sub["phases"] if name != "w2-rooms" else [p for pt in sub["points"] for p in pt["phases"]]
            ks = [k for k, _row in rows]
            eff[server] = {k: p.get("deliveries_per_server_cpu_s") for k, p in zip(ks, phases, strict=True)}
    out_rows = []
    for k in keys:
        for server in per:
            if k not in per[server]:
                continue
            row = [server, *per[server][k]]
            if eff:
                mine, theirs = eff[server].get(k), (eff.get("ejabberd") or {}).get(k)
                row.append(f"{mine / theirs:.1f}×" if server != "ejabberd" and mine and theirs else "")
            out_rows.append(row)
    extra = ["per CPU-s ÷ ejabberd"] if eff else []
    conns = ", ".join(f"{s}: {_connect_summary(sub)}" for s, sub in result["servers"].items())
    title = f"{name.upper()} — {' vs '.join(result['servers'])}, same run ({result.get('started', '')}; {conns})"
    return title + "\n" + _rows(["server", *header, *extra], out_rows)


def _connect_summary(sub: dict[str, Any]) -> str:
    if "connect" in sub:
        return f"{sub['connect']['ok']} connected at {sub['connect']['connects_per_s']}/s"
    if "steps" in sub:
        return f"{sub['steps'][-1]['held']} held"
    return f"{len(sub.get('points', []))} room sizes"


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
    """Fallback only: the figures of the peers' earlier, separate run (results without a same-run ejabberd)."""
    rows = []
    for server in ("ejabberd", "prosody"):
        for p in peers.w2_phases(server):
            rows.append([server, p["phase"], p["deliveries_per_s"], _f(p["p50_ms"], 2), _f(p["p99_ms"], 2),
                         p["lost"], _f(p["deliveries_per_server_cpu_s"], 0)])
    return "Peers (an earlier, separate run: ../shared/bench-peers; same-run figures: --servers)\n" + _rows(
        ["server", "W2 phase", "deliveries/s", "p50 ms", "p99 ms", "lost", "deliveries per server CPU-s"], rows)


# --- charts ---------------------------------------------------------------------------------------


def _by_server(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return result["servers"] if "servers" in result else {result.get("server", "axon"): result}


def chart(name: str, result: dict[str, Any], path: str) -> str | None:
    if name.startswith("search") or name == "ai-events":  # tables only
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    wide = name == "w2-rooms"
    fig, axes = plt.subplots(1, 3 if wide else 2, figsize=(17 if wide else 12, 4.5))
    from .files import chart as _chart_files

    {"w1": _chart_w1, "w2": _chart_fanout, "w3": _chart_fanout, "w2-rooms": _chart_rooms, "w4": _chart_w4,
     "w5": _chart_w5, "w6": _chart_w6, "files": _chart_files}[name](result, axes)
    servers = " vs ".join(_by_server(result)) if name in ("w1", "w2", "w3", "w2-rooms") else "axon"
    fig.suptitle(f"{servers} {name.upper()} — {result.get('started', '')} — {result.get('cpu_split', '')}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _chart_w1(r: dict[str, Any], ax: Any) -> None:
    servers = _by_server(r)
    for server, sub in servers.items():
        n = [s["held"] for s in sub["steps"]]
        ax[0].plot(n, [s["kib_per_conn"] for s in sub["steps"]], "o-", label=f"{server} KiB/conn")
        ax[1].plot(n, [s["connect"]["connects_per_s"] for s in sub["steps"]], "o-", label=f"{server} connects/s")
    if "ejabberd" not in servers:  # fallback: the peers' earlier run
        for server in ("ejabberd", "prosody"):
            ax[0].axhline(peers.figure(server, "w1")["kib_per_conn"], ls="--", lw=1,
                          label=f"{server} @10k (peers' run)")
        ax[1].axhline(149.3, ls="--", lw=1, label="ejabberd password logins/s (peers' run)")
    ax[0].axhline(35, color="red", lw=1, label="target 35")
    ax[0].set(xlabel="connections held", ylabel="server RSS KiB / connection", yscale="log")
    ax[0].legend(fontsize=7)
    ax[1].axhline(1000, color="red", lw=1, label="target 1,000/s")
    ax[1].set(xlabel="connections held", ylabel="connects / s")
    ax[1].legend(fontsize=7)


def _chart_fanout(r: dict[str, Any], ax: Any) -> None:
    servers = _by_server(r)
    labels: list[str] = []
    for sub in servers.values():
        labels += [p["phase"] for p in sub["phases"] if p.get("latency") and p["phase"] not in labels]
    x = list(range(len(labels)))
    width = 0.8 / (2 * len(servers))
    for i, (server, sub) in enumerate(servers.items()):
        ph = {p["phase"]: p for p in sub["phases"] if p.get("latency")}
        for key, style in (("p50_ms", "o-"), ("p99_ms", "s-"), ("max_ms", "^:")):
            ax[0].plot(x, [ph[lbl]["latency"][key] if lbl in ph else None for lbl in labels], style,
                       label=f"{server} {key.replace('_ms', '')}")
        for j, (key, what) in enumerate((("deliveries_per_s", "deliveries/s"),
                                         ("deliveries_per_server_cpu_s", "deliveries per server CPU-s"))):
            off = -0.4 + width * (2 * i + j + 0.5)
            ax[1].bar([k + off for k in x], [(ph.get(lbl) or {}).get(key) or 0 for lbl in labels], width,
                      label=f"{server} {what}")
    ax[0].set(ylabel="send→receive latency ms", yscale="log")
    ax[0].set_xticks(x, labels, fontsize=7)
    if r["workload"] == "w2":
        ax[0].axhline(10, color="red", lw=1, label="target p99 10 ms")
    ax[0].legend(fontsize=7)
    if r["workload"] == "w2" and "ejabberd" not in servers:  # fallback: the peers' earlier run
        ej = {p["phase"]: p for p in peers.w2_phases("ejabberd")}
        ax[1].plot(x, [(ej.get(lbl) or {}).get("deliveries_per_server_cpu_s") or 0 for lbl in labels], "k_",
                   ms=30, label="ejabberd per CPU-s (peers' run)")
    ax[1].set_xticks(x, labels, fontsize=7)
    ax[1].legend(fontsize=7)


def _chart_rooms(r: dict[str, Any], ax: Any) -> None:
    """Per phase kind: latency, deliveries/s and deliveries per server CPU-s against room size."""
    for server, sub in _by_server(r).items():
        specs = [p["phase"] for p in sub["points"][0]["phases"]] if sub["points"] else []
        for spec in specs:
            pts = [(pt["receivers"], next(p for p in pt["phases"] if p["phase"] == spec)) for pt in sub["points"]]
            n = [k for k, _p in pts]
            kind = spec.split(":")[0]
            if kind != "window":  # queueing dominates the window phase's latency; plot the paced ones
                ax[0].plot(n, [p["latency"].get("p50_ms") for _k, p in pts], "o-", label=f"{server} p50 {spec}")
                ax[0].plot(n, [p["latency"].get("p99_ms") for _k, p in pts], "s--", label=f"{server} p99 {spec}")
            ax[1].plot(n, [p.get("deliveries_per_s") for _k, p in pts], "o-", label=f"{server} {spec}")
            ax[2].plot(n, [p.get("deliveries_per_server_cpu_s") for _k, p in pts], "o-", label=f"{server} {spec}")
    ax[0].set(xlabel="receivers in the room", ylabel="send→receive latency ms", xscale="log", yscale="log")
    ax[1].set(xlabel="receivers in the room", ylabel="deliveries / s", xscale="log")
    ax[2].set(xlabel="receivers in the room", ylabel="deliveries per server CPU-s", xscale="log")
    for a in ax:
        a.legend(fontsize=7)


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
    same_run_peers = False
    for path in sorted(glob.glob(os.path.join(RESULTS_DIR, "w*.json")) + glob.glob(os.path.join(RESULTS_DIR,
                                                                                                "files*.json"))):
        with open(path) as fh:
            result = json.load(fh)
        name = result.get("workload") or os.path.basename(path).split(".")[0].split("-")[0]
        same_run_peers |= "servers" in result
        print(f"\n## {os.path.basename(path)}\n")
        print(table(name, result))
        print(f"chart: {chart(name, result, path.replace('.json', '.png'))}")
    if not same_run_peers:
        print("\n" + peers_table())
