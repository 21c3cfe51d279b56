"""``python -m bench <workload> [options]``: run one workload (or ``all``), print its table,
write ``bench/results/<workload>.json`` and a chart; ``report`` re-renders from saved results.

``--servers axon,ejabberd`` runs W1, W2, W2-rooms and W3 against each server in turn in the same
invocation (same CPU placement, phases and load generator); the result file then holds both
(default name ``<workload>-axon-ejabberd.json``). W4-W6 exercise Axon's durable store,
catch-up and history API, which have no counterpart in the XMPP set-up: Axon only."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from . import ai_events, files, report, search_bench, search_quality, session
from .workloads import catchup, durable, fanout, history, rooms, w1_idle

WORKLOADS: dict[str, tuple[Any, Any]] = {
    "w1": (w1_idle.add_arguments, w1_idle.run),
    "w2": (fanout.add_w2_arguments, fanout.run_w2),
    "w2-rooms": (rooms.add_arguments, rooms.run),
    "w3": (fanout.add_w3_arguments, fanout.run_w3),
    "w4": (durable.add_arguments, durable.run),
    "w5": (catchup.add_arguments, catchup.run),
    "w6": (history.add_arguments, history.run),
    "files": (files.add_arguments, files.run),
    "search-quality": (search_quality.add_arguments, search_quality.run),
    "search": (search_bench.add_arguments, search_bench.run),
    "ai-events": (ai_events.add_arguments, ai_events.run),
}
MULTI_SERVER = {"w1", "w2", "w2-rooms", "w3"}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="target a running node (http://host:port) instead of starting one")
    p.add_argument("--server-pid", type=int, help="pid of that node, for CPU/RSS sampling")
    p.add_argument("--admin-password", help="admin password of that node")
    p.add_argument("--workers", type=int, default=2, help="load-generator processes")
    p.add_argument("--no-pin", action="store_true", help="do not pin server / load generator to separate CPUs")
    p.add_argument("--profile", type=float, default=0, help="py-spy the server for this many seconds (W2, W3)")
    p.add_argument("--profile-delay", type=float, default=5, help="seconds after the first phase starts")
    p.add_argument("--servers", default="axon",
                   help="comma-separated: axon, ejabberd (W1, W2, W2-rooms, W3; one after the other, same run)")
    p.add_argument("--label", default="", help="suffix of the results file name")
    p.add_argument("--quiet-wait", type=float, default=60, help="wait at most this long for a quiet machine first")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = ap.add_subparsers(dest="workload", required=True)
    for name, (add_args, _run) in WORKLOADS.items():
        p = sub.add_parser(name, help=(_run.__module__ and sys.modules[_run.__module__].__doc__ or "").split("\n")[0])
        add_args(p)
        _common(p)
    p_all = sub.add_parser("all", help="W1-W6 and W2-rooms with their defaults, one after the other")
    _common(p_all)
    sub.add_parser("report", help="print the tables and redraw the charts from bench/results/*.json")
    return ap


def result_name(name: str, args: argparse.Namespace) -> str:
    servers = session.servers(args)
    suffix = [args.label] if args.label else ([] if servers == ["axon"] else servers)
    return "-".join([name, *suffix])


def run_one(name: str, args: argparse.Namespace) -> None:
    if name not in MULTI_SERVER and session.servers(args) != ["axon"]:
        if args.workload != "all":
            raise SystemExit(f"{name} is Axon-only (durable store / catch-up / history): drop --servers")
        print(f"{name}: Axon only (no XMPP counterpart)", flush=True)
        args = argparse.Namespace(**{**vars(args), "servers": "axon"})
    quiet = session.wait_quiet(args.quiet_wait)
    t0 = time.monotonic()
    result = WORKLOADS[name][1](args)
    result["machine_before"] = quiet
    result["elapsed_s"] = round(time.monotonic() - t0, 1)
    path = session.save(result, result_name(name, args))
    print(report.table(name, result))
    chart = report.chart(name, result, path.replace(".json", ".png"))
    print(f"\nresults: {path}" + (f"\nchart:   {chart}" if chart else ""))


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.workload == "report":
        report.render_all()
        return
    session.servers(args)  # fail early on a typo
    if "ejabberd" in session.servers(args):
        from .peer_server import INSTALL_HINT, installed

        if not installed():
            raise SystemExit(INSTALL_HINT)
    session.pin_loadgen(args)
    if args.workload == "all":
        for name, (add_args, _run) in WORKLOADS.items():
            if name in ("files", "search-quality", "search", "ai-events"):  # their own runs (1 GB files; search; AI)
                continue
            defaults = argparse.ArgumentParser()
            add_args(defaults)
            run_one(name, argparse.Namespace(**{**vars(defaults.parse_args([])), **vars(args)}))
        return
    run_one(args.workload, args)


if __name__ == "__main__":
    main()
