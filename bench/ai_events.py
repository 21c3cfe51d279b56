"""AI events: exact-minute accuracy of meeting-time extraction on the written set, latency and memory.

The set (``tests/ai_corpus/events.json``, written before any tuning: half Chinese, half English, a
held-out third never tuned on) gives each sentence its reference "now", the sender's time zone and
the expected start to the minute, or no event. Every sentence goes through the product's extractor
(``axon.timeparse.RecognizersExtractor`` behind the ``EventExtractor`` port) as the ``event_hints``
consumer calls it; a sentence counts as right when the start is the expected minute (or when no
event was expected and none was found). Reported per language, for the tuned and the held-out
sentences apart, with the end, all-day and title agreement beside it.

Latency: each sentence ``--repeat`` times after the models are loaded (p50/p99 of one call), and
the load itself (both languages' models, once per process). Memory: this process's resident set
before the recognizer is imported and after its models are loaded (the cost a node pays once).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SET_PATH = Path(__file__).resolve().parent.parent / "tests" / "ai_corpus" / "events.json"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", default=str(SET_PATH), help="the sentences (JSON, as tests/ai_corpus/events.json)")
    p.add_argument("--repeat", type=int, default=5, help="timed calls per sentence")


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def judge(item: dict[str, Any], found: Any) -> dict[str, Any]:
    """How the extractor's answer for ``item`` compares with the expected one."""
    zone = ZoneInfo(item["time_zone"])

    def minute(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")

    got = minute(found.start) if found is not None else None
    verdict = {"text": item["text"], "expected": item["start"], "got": got, "start_ok": got == item["start"]}
    if item["start"] is not None and found is not None:
        verdict["end_ok"] = item.get("end") is None or minute(found.end) == item["end"]
        verdict["all_day_ok"] = found.all_day == bool(item.get("all_day"))
        verdict["title_ok"] = found.title == item["title"]
        verdict["title"] = found.title
    return verdict


def score(verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    events = [v for v in verdicts if v["expected"] is not None]
    silent = [v for v in verdicts if v["expected"] is None]
    found_events = [v for v in events if "title_ok" in v]
    return {"n": len(verdicts), "exact_minute": _share(sum(v["start_ok"] for v in verdicts), len(verdicts)),
            "events": len(events), "events_right": sum(v["start_ok"] for v in events),
            "no_event": len(silent), "false_positives": sum(not v["start_ok"] for v in silent),
            "end_ok": sum(v.get("end_ok", False) for v in found_events),
            "title_ok": sum(v.get("title_ok", False) for v in found_events)}


def _share(right: int, total: int) -> float:
    return round(right / total, 3) if total else 0.0


def run(args: argparse.Namespace) -> dict[str, Any]:
    items = json.loads(Path(args.set).read_text(encoding="utf-8"))["items"]
    before = rss_kib()
    t0 = time.perf_counter()
    from axon.timeparse import RecognizersExtractor

    extractor = RecognizersExtractor()
    extractor.warm()
    load_s = time.perf_counter() - t0
    memory_kib = rss_kib() - before
    verdicts: dict[tuple[str, bool], list[dict[str, Any]]] = {}
    timings: dict[str, list[float]] = {"zh": [], "en": []}
    for item in items:
        now = datetime.fromisoformat(item["now"]).replace(tzinfo=ZoneInfo(item["time_zone"]))
        found = extractor.extract(item["text"], now, None)
        verdicts.setdefault((item["lang"], bool(item["held_out"])), []).append(judge(item, found))
        for _ in range(args.repeat):
            began = time.perf_counter()
            extractor.extract(item["text"], now, None)
            timings[item["lang"]].append((time.perf_counter() - began) * 1000)
    every = [t for ts in timings.values() for t in ts]
    return {
        "workload": "ai-events", "set": _shown(Path(args.set)), "sentences": len(items),
        "accuracy": {f"{lang}-{'held_out' if held else 'tuned'}": score(v)
                     for (lang, held), v in sorted(verdicts.items())},
        "latency_ms": {name: _percentiles(ts) for name, ts in [*timings.items(), ("all", every)]},
        "model_load_s": round(load_s, 2), "memory_added_mib": round(memory_kib / 1024, 1),
        "misses": [v for vs in verdicts.values() for v in vs
                   if not v["start_ok"] or not v.get("title_ok", True) or not v.get("end_ok", True)],
    }


def _shown(path: Path) -> str:
    """The set's path relative to the repository when it is inside it (results are committed)."""
    root = SET_PATH.parents[2]
    return str(path.resolve().relative_to(root)) if path.resolve().is_relative_to(root) else str(path)


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}
    return {"p50": round(statistics.median(ordered), 2),
            "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
            "max": round(ordered[-1], 2)}


def table(result: dict[str, Any]) -> str:
    lines = ["| set | sentences | exact minute | events right | false positives | end ok | title ok |",
             "|---|---|---|---|---|---|---|"]
    for name, s in result["accuracy"].items():
        lines.append(f"| {name} | {s['n']} | {s['exact_minute']:.1%} | {s['events_right']}/{s['events']} | "
                     f"{s['false_positives']}/{s['no_event']} | {s['end_ok']} | {s['title_ok']} |")
    lat = result["latency_ms"]
    lines += ["", "| language | p50 ms | p99 ms | max ms |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['p50']} | {v['p99']} | {v['max']} |" for k, v in lat.items()]
    lines += ["", f"models load: {result['model_load_s']} s once per process; memory added: "
              f"{result['memory_added_mib']} MiB"]
    if result["misses"]:
        lines += ["", "misses:"] + [f"- {m['text']}: expected {m['expected']}, got {m['got']}"
                                    + (f" (title {m['title']!r})" if not m.get("title_ok", True) else "")
                                    for m in result["misses"]]
    return "\n".join(lines)
