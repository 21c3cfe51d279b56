"""Smart replies: acceptance on held-out pairs (top-1, any of 3), latency p50/p99 and memory.

The training corpus (``tests/ai_corpus/replies_training.json``) is sent through the real send path into
a real store (a temporary SQLite file): in one group, each pair's message is a top-level message of
one person and its reply the first reply of another in that message's thread, so every pair is learned
by the real ``reply_pairs`` consumer and nothing else is. Then every held-out message
(``tests/ai_corpus/replies.json``, never sent to the training group) is sent in a direct conversation
to the person who asks for suggestions, and ``SmartReplies.suggest`` answers, timed.

Rubric (stated in the held-out file): a suggestion is acceptable when its intent label equals the
pair's. Built-in replies carry their fixed label; a learned reply carries the labels the training
corpus gave that reply text. ``built_in_only`` runs the same questions on a node that learns nothing.
Memory: the process's resident set before the services are built and after the last question (the
query embedder's model loads on the first question), and the bytes of the in-memory pairs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "ai_corpus"
PASSWORD = "corpus-password-1"


def load(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((CORPUS_DIR / name).read_text(encoding="utf-8"))
    return found


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def labels_of(training: dict[str, Any]) -> dict[str, set[str]]:
    """Reply text (as ``reply_key`` folds it) → the intent labels the training corpus gave it."""
    from axon.domain.smart_replies import in_words, reply_key

    found: dict[str, set[str]] = {}
    for p in training["pairs"]:
        found.setdefault(reply_key(in_words(p["reply"])), set()).add(p["intent"])
    return found


def judged(suggestions: list[Any], intent: str, labels: dict[str, set[str]]) -> list[bool]:
    from axon.domain.smart_replies import reply_key

    return [intent == s.intent if s.source == "built_in" else intent in labels.get(reply_key(s.text), set())
            for s in suggestions]


async def evaluate(database_url: str, data_dir: Path, *, learning: bool = True,
                   in_process_embedding: bool = False) -> dict[str, Any]:
    """``in_process_embedding``: the consumer embeds in the node's process at full speed (the CI test,
    on a loaded machine, must not wait on a nice-19 child); the vectors are the same."""
    from axon.domain.model import Actor, OrgRole
    from axon.services.people import NewUser
    from axon.services.semantic import CpuShare
    from axon.store import accounts
    from bench.search_quality import caught_up, service_settings
    from tests.integration.conftest import running_services

    training, held_out = load("replies_training.json"), load("replies.json")
    rss_start = rss_mib()
    async with running_services(database_url, data_dir=data_dir, smart_reply_learning=learning,
                                **service_settings(False)) as svc:
        if svc.encryption is not None:
            await svc.encryption.start()
        if in_process_embedding:
            from axon.app import build_embedder

            for r in svc.durable:
                if r.consumer.name == "reply_pairs":
                    r.consumer.embedder, r.consumer.cpu = build_embedder(), CpuShare(1.0)  # type: ignore[union-attr]
        runners = [asyncio.create_task(r.run()) for r in svc.durable]
        try:
            org = await svc.people.create_org("Replies", admin=NewUser("asker", "Asker", PASSWORD, role=OrgRole.ADMIN))
            users = {}
            for name in ("asker", "answerer", "reader"):
                if name != "asker":
                    await svc.people.create_user(org.id, NewUser(name, name.title(), PASSWORD))
                row = await svc.core.read(lambda c, u=name: accounts.get_user_by_username(c, org.id, u))
                users[name] = Actor(row["id"], org.id, f"d_{name}", OrgRole.MEMBER)
            asker, answerer, reader = users["asker"], users["answerer"], users["reader"]
            group = (await svc.conversations.create(asker, "group", "Team", "", [answerer.user_id, reader.user_id]))
            t0 = time.monotonic()
            for i, p in enumerate(training["pairs"]):
                root = await svc.messages.send(asker, group["id"], f"t{i}", p["message"])
                await svc.messages.send(answerer, group["id"], f"r{i}", p["reply"], reply_to=root.message.id)
            learn_s = await caught_up(svc, timeout=600) + (time.monotonic() - t0)
            dm = await svc.conversations.direct(asker, reader.user_id)
            labels = labels_of(training)
            per_pair, timings = [], []
            for i, p in enumerate(held_out["pairs"]):
                await svc.messages.send(asker, dm["id"], f"h{i}", p["message"])
                t = time.perf_counter()
                found = await svc.smart_replies.suggest(reader, dm["id"])
                timings.append(time.perf_counter() - t)
                ok = judged(found.suggestions, p["intent"], labels)
                per_pair.append({**p, "suggestions": [[s.text, s.source] for s in found.suggestions], "ok": ok})
            pairs_bytes = svc.smart_replies.learned.nbytes() if svc.smart_replies.learned else 0
        finally:
            for task in runners:
                task.cancel()
            await asyncio.gather(*runners, return_exceptions=True)
            if svc.background_embedder is not None:
                await asyncio.to_thread(svc.background_embedder.close)
    return summarise(per_pair, timings, learning, learn_s, rss_start, rss_mib(), pairs_bytes, len(training["pairs"]))


def summarise(per_pair: list[dict[str, Any]], timings: list[float], learning: bool, learn_s: float,
              rss_start: float, rss_end: float, pairs_bytes: int, trained: int) -> dict[str, Any]:
    def rate(rows: list[dict[str, Any]], top: int) -> float:
        return round(sum(any(r["ok"][:top]) for r in rows) / len(rows), 3) if rows else 0.0

    from axon.domain.smart_replies import language_of

    by_lang = {lang: [r for r in per_pair if language_of(r["message"]).value == lang] for lang in ("zh", "en")}
    # The first question loads the query embedder's model (once per process): reported on its own.
    first_ms, ms = 1000 * timings[0], sorted(1000 * t for t in timings[1:])
    return {
        "learning": learning, "training_pairs": trained, "held_out_pairs": len(per_pair),
        "acceptance": {"top1": rate(per_pair, 1), "any_of_3": rate(per_pair, 3),
                       **{f"{k}_top1": rate(v, 1) for k, v in by_lang.items()},
                       **{f"{k}_any_of_3": rate(v, 3) for k, v in by_lang.items()}},
        "learned_shown": sum(any(s[1] == "learned" for s in r["suggestions"]) for r in per_pair),
        "latency_ms": {"p50": round(statistics.median(ms), 2),
                       "p99": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 2), "first": round(first_ms, 1)},
        "memory_mib": {"rss_before": round(rss_start, 1), "rss_after": round(rss_end, 1),
                       "added": round(rss_end - rss_start, 1), "pairs_in_memory": round(pairs_bytes / 2**20, 3)},
        "learn_s": round(learn_s, 1),
        "pairs": per_pair,
    }


def table(result: dict[str, Any]) -> str:
    lines = ["mode           top-1  any-of-3  zh top-1/any  en top-1/any  p50 ms  p99 ms  first ms  RSS added MiB"]
    for name in ("learned", "built_in_only"):
        r = result.get(name)
        if r:
            a = r["acceptance"]
            lines.append(f"{name:<14} {a['top1']:>5.2f}  {a['any_of_3']:>8.2f}  "
                         f"{a['zh_top1']:.2f}/{a['zh_any_of_3']:.2f}"
                         f"     {a['en_top1']:.2f}/{a['en_any_of_3']:.2f}     {r['latency_ms']['p50']:>6.1f}"
                         f"  {r['latency_ms']['p99']:>6.1f}  {r['latency_ms']['first']:>8.1f}"
                         f"  {r['memory_mib']['added']:>6.1f}")
    return "\n".join(lines)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database-url", default="", help="a fresh store (default: a temporary SQLite file)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from axon.store.migrate import upgrade

    result: dict[str, Any] = {}
    for name, learning in (("learned", True), ("built_in_only", False)):
        with tempfile.TemporaryDirectory(prefix="axon-ai-replies-") as tmp:
            url = args.database_url or f"sqlite:///{Path(tmp) / 'axon.db'}"
            upgrade(url)
            result[name] = asyncio.run(evaluate(url, Path(tmp), learning=learning))
    return result
