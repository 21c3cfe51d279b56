"""Search quality: precision@5 and recall@10 on the written corpus, per mode and per query group.

The corpus (``tests/search_corpus/corpus.json``, written before any tuning) is loaded into a real
Axon store on a temporary SQLite file: organisation, people, channels, a group and a DM are made by
the services, every message is sent through the real send path (thread replies as replies, file names
as uploaded attachments), and the durable consumers (the indexers) run until they have caught up with
the event log. Then every query is run as the corpus's searcher:

- ``keyword``, ``semantic``, ``hybrid``: Axon's search. Through the search service when the node has
  one (``services.search``); otherwise straight through the ports the service uses (the query parsed
  by ``axon.domain.search_query``, names resolved here, ``SearchIndex.search`` / ``SemanticIndex.nearest``
  and reciprocal rank fusion), so the index and the tokenizer are measured before the service lands.
  A mode whose piece is missing is reported as missing, not guessed.
- baselines on the same texts (message text and file names) in an in-memory SQLite: ``fts5-unicode61``
  (FTS5 with its default tokenizer, each query word quoted, AND, ``NOT`` for exclusions, bm25 order) and
  ``like`` (``LIKE '%word%'`` for each word, AND, newest first). Both get the same filters (from/in/has)
  applied exactly, so the comparison is about finding words, not about filters.

precision@5 = relevant among the first 5 / 5; recall@10 = relevant among the first 10 / relevant.
Both are averaged over the queries of a group (macro), and over all queries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS_PATH = Path(__file__).resolve().parent.parent / "tests" / "search_corpus" / "corpus.json"
MODES = ("keyword", "semantic", "hybrid")
BASELINES = ("fts5-unicode61", "like")
GROUPS = ("exact_en", "exact_zh", "zh_in_phrase", "en_inflection", "mixed", "filter", "phrase", "exclusion",
          "synonym", "cross_language")
TOP = 10
PASSWORD = "corpus-password-1"


def load_corpus(path: Path = CORPUS_PATH) -> dict[str, Any]:
    corpus: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return corpus


# ---------------------------------------------------------------- loading the corpus into Axon


@dataclass
class Loaded:
    """The corpus as stored: Axon ids of its people, conversations and messages."""

    services: Any
    org_id: str
    user_ids: dict[str, str] = field(default_factory=dict)  # username → user id
    actors: dict[str, Any] = field(default_factory=dict)  # username → Actor
    conversation_ids: dict[str, str] = field(default_factory=dict)  # corpus key → conversation id
    message_ids: dict[str, str] = field(default_factory=dict)  # corpus id → message id
    corpus_ids: dict[str, str] = field(default_factory=dict)  # message id → corpus id


async def load_into(services: Any, corpus: dict[str, Any]) -> Loaded:
    """Make the corpus's organisation, people and conversations, and send its messages in order."""
    from axon.domain.model import Actor, OrgRole
    from axon.services.people import NewUser
    from axon.store import accounts

    if services.encryption is not None:
        await services.encryption.start()
    users = corpus["users"]
    admin = users[-1]["username"]  # the CTO runs the organisation
    org = await services.people.create_org(
        "Corpus", admin=NewUser(admin, _name(users, admin), PASSWORD, role=OrgRole.ADMIN))
    loaded = Loaded(services, org.id)
    for user in users:
        if user["username"] != admin:
            await services.people.create_user(org.id, NewUser(user["username"], user["name"], PASSWORD))
    for user in users:
        row = await services.core.read(lambda c, u=user["username"]: accounts.get_user_by_username(c, org.id, u))
        loaded.user_ids[user["username"]] = row["id"]
        role = OrgRole.ADMIN if user["username"] == admin else OrgRole.MEMBER
        loaded.actors[user["username"]] = Actor(row["id"], org.id, f"d_{user['username']}", role)
    for conv in corpus["conversations"]:
        owner, *others = conv["members"]
        actor = loaded.actors[owner]
        if conv["kind"] == "dm":
            row = await services.conversations.direct(actor, loaded.user_ids[others[0]])
        else:
            row = await services.conversations.create(actor, conv["kind"], conv["name"], "",
                                                      [loaded.user_ids[u] for u in others])
        loaded.conversation_ids[conv["key"]] = row["id"]
    for m in corpus["messages"]:
        actor = loaded.actors[m["u"]]
        conversation_id = loaded.conversation_ids[m["c"]]
        attachments = None
        if m.get("file"):
            attachments = [await _upload(services, actor, conversation_id, m["file"])]
        sent = await services.messages.send(actor, conversation_id, f"corpus-{m['id']}", m["t"],
                                            reply_to=loaded.message_ids[m["re"]] if m.get("re") else None,
                                            attachments=attachments, preview=False)
        loaded.message_ids[m["id"]] = sent.message.id
        loaded.corpus_ids[sent.message.id] = m["id"]
    return loaded


def _name(users: list[dict[str, str]], username: str) -> str:
    return next(u["name"] for u in users if u["username"] == username)


async def _upload(services: Any, actor: Any, conversation_id: str, name: str) -> str:
    data = f"{name}: attached to a corpus message\n".encode()

    async def body() -> Any:
        yield data

    started = await services.uploads.start(actor, conversation_id, name, len(data), "application/octet-stream", False)
    done = await services.uploads.put(actor, started.id, 0, len(data), body())
    file_id: str = done.file.id
    return file_id


async def caught_up(services: Any, timeout: float = 120.0) -> float:
    """Wait until every durable consumer has applied the whole event log; the seconds it took."""
    from axon.store import event_log

    t0 = time.monotonic()
    while True:
        head = await services.core.read(event_log.head)
        if all((r.position or 0) >= head for r in services.durable):
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            behind = {r.consumer.name: (r.position, head) for r in services.durable}
            raise TimeoutError(f"the consumers did not catch up: {behind}")
        await asyncio.sleep(0.01)


# ---------------------------------------------------------------- Axon's search, by mode


class AxonSearch:
    """Runs a query in one mode as the searcher; answers corpus ids, best first."""

    def __init__(self, loaded: Loaded, corpus: dict[str, Any]) -> None:
        self.loaded = loaded
        self.services = loaded.services
        self.searcher = corpus["searcher"]
        self.actor = loaded.actors[self.searcher]
        self.by_id = {m["id"]: m for m in corpus["messages"]}
        self.conversations = {c["key"]: c for c in corpus["conversations"]}
        self.readable = tuple(loaded.conversation_ids[c["key"]] for c in corpus["conversations"]
                              if self.searcher in c["members"])
        self.service = getattr(self.services, "search", None)

    def modes(self) -> dict[str, str]:
        """Each mode's state: "service", "ports", or why it is missing."""
        keyword = getattr(self.services, "search_index", None)
        semantic = getattr(self.services, "semantic_index", None)
        semantic_on = semantic is not None and bool(getattr(semantic, "enabled", False))
        via = "service" if self.service is not None else "ports"
        return {
            "keyword": via if keyword is not None else "missing: no SearchIndex on the container (search-index)",
            "semantic": via if semantic_on else "missing: no enabled SemanticIndex (search-semantic)",
            "hybrid": via if keyword is not None and semantic_on else "missing: needs keyword and semantic",
        }

    async def run(self, q: str, mode: str) -> list[str]:
        if self.service is not None:
            return await self._through_service(q, mode)
        return await self._through_ports(q, mode)

    async def _through_service(self, q: str, mode: str) -> list[str]:
        found = await self.service.search(self.actor, q, mode=mode, limit=TOP)
        items = found["items"] if isinstance(found, dict) else found.items
        return [self.loaded.corpus_ids.get(_message_id(hit), _message_id(hit)) for hit in items]

    async def _through_ports(self, q: str, mode: str) -> list[str]:
        from axon.domain.search_query import ME, parse
        from axon.domain.search_rank import fuse
        from axon.domain.search_terms import query_terms
        from axon.services.ports import IndexQuery

        query = parse(q)
        conversations = self.readable
        if query.in_names:
            conversations = tuple(c for c in conversations if self._named(c, query.in_names))
        senders = tuple(self.loaded.user_ids[self.searcher if n == ME else n] for n in query.from_names)
        keyword: list[str] = []
        semantic: list[str] = []
        if mode in ("keyword", "hybrid"):
            excluded = tuple(t.term for word in query.excluded for t in query_terms(word))
            hits = await self.services.search_index.search(IndexQuery(
                self.loaded.org_id, conversations, terms=query.terms, excluded=excluded, sender_ids=senders,
                has=query.has, limit=TOP * 3))
            keyword = [self.loaded.corpus_ids.get(h.message_id, h.message_id) for h in hits]
            keyword = [m for m in keyword if self._phrases_hold(m, query.phrases)]
        if mode in ("semantic", "hybrid") and query.text:
            hits = await self.services.semantic_index.nearest(self.loaded.org_id, conversations, query.text, TOP * 3)
            semantic = [self.loaded.corpus_ids.get(h.message_id, h.message_id) for h in hits]
            # The service checks the filters on the hydrated messages: the same here, from the corpus.
            semantic = [m for m in semantic if self._passes(m, query.from_names, query.has, query.excluded)]
        ranked = keyword if mode == "keyword" else semantic if mode == "semantic" else [
            f.message_id for f in fuse(keyword, semantic)]
        return ranked[:TOP]

    def _named(self, conversation_id: str, names: Sequence[str]) -> bool:
        key = next(k for k, v in self.loaded.conversation_ids.items() if v == conversation_id)
        conv = self.conversations[key]
        if conv["kind"] == "dm":
            return any(n.startswith("@") and n[1:] in conv["members"] for n in names)
        return conv["name"].casefold() in {n.casefold() for n in names}

    def _phrases_hold(self, corpus_id: str, phrases: Sequence[str]) -> bool:
        if not phrases:
            return True
        text = _words_of(_searchable(self.by_id[corpus_id]))
        return all(_words_of(p) in text for p in phrases)

    def _passes(self, corpus_id: str, from_names: Sequence[str], has: frozenset[str], excluded: Sequence[str]) -> bool:
        m = self.by_id.get(corpus_id)
        if m is None:  # not a corpus message (the benchmark's fill): the filters were not asked of it
            return True
        people = {self.searcher if n == "me" else n for n in from_names}
        text = _searchable(m).casefold()
        return ((not people or m["u"] in people) and ("file" not in has or bool(m.get("file")))
                and not any(x.casefold() in text for x in excluded))


def _message_id(hit: Any) -> str:
    message = hit["message"] if isinstance(hit, dict) else hit.message
    message_id: str = message["id"] if isinstance(message, dict) else message.id
    return message_id


def _words_of(text: str) -> str:
    """Casefolded words separated by single spaces: "design-system.pdf" holds the phrase "design system"."""
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


def _searchable(m: dict[str, Any]) -> str:
    return f"{m['t']} {m.get('file', '')}".strip()


# ---------------------------------------------------------------- the baselines


class Baselines:
    """SQLite FTS5 (default ``unicode61`` tokenizer) and a ``LIKE`` scan over the same texts."""

    def __init__(self, corpus: dict[str, Any]) -> None:
        self.searcher = corpus["searcher"]
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE TABLE docs (n INTEGER PRIMARY KEY, id TEXT, conv TEXT, sender TEXT, "
                        "has_file INTEGER, text TEXT)")
        self.db.execute("CREATE VIRTUAL TABLE docs_fts USING fts5(text)")  # tokenize: unicode61, the default
        names = {c["key"]: c for c in corpus["conversations"]}
        readable = {k for k, c in names.items() if self.searcher in c["members"]}
        self.conv_names = {k: (c["name"], c["members"], c["kind"]) for k, c in names.items()}
        for n, m in enumerate(corpus["messages"], start=1):
            if m["c"] not in readable:
                continue
            self.db.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
                            (n, m["id"], m["c"], m["u"], int(bool(m.get("file"))), _searchable(m)))
            self.db.execute("INSERT INTO docs_fts (rowid, text) VALUES (?, ?)", (n, _searchable(m)))

    def run(self, q: str, engine: str) -> list[str]:
        from axon.domain.search_query import parse

        query = parse(q)
        words = [*query.words.split(), *query.phrases]
        where, params = self._filters(query)
        if engine == "fts5-unicode61":
            match = " ".join(_fts_quote(w) for w in words)
            if query.excluded:
                match = f"{match or '*'} NOT " + " NOT ".join(_fts_quote(x) for x in query.excluded)
            sql = (f"SELECT d.id FROM docs_fts f JOIN docs d ON d.n = f.rowid WHERE docs_fts MATCH ?{where} "
                   f"ORDER BY bm25(docs_fts) LIMIT {TOP}")
            return [r[0] for r in self.db.execute(sql, [match, *params])] if words else []
        likes = "".join(" AND d.text LIKE ?" for _ in words) + "".join(" AND d.text NOT LIKE ?" for _ in query.excluded)
        sql = f"SELECT d.id FROM docs d WHERE 1 = 1{likes}{where} ORDER BY d.n DESC LIMIT {TOP}"
        return [r[0] for r in self.db.execute(sql, [*(f"%{w}%" for w in words),
                                                     *(f"%{x}%" for x in query.excluded), *params])]

    def _filters(self, query: Any) -> tuple[str, list[Any]]:
        where, params = "", []
        if query.from_names:
            people = [self.searcher if n == "me" else n for n in query.from_names]
            where += f" AND d.sender IN ({', '.join('?' * len(people))})"
            params += people
        if query.in_names:
            keys = [k for k, (name, members, kind) in self.conv_names.items()
                    if (kind == "dm" and any(n.startswith("@") and n[1:] in members for n in query.in_names))
                    or (kind != "dm" and name.casefold() in {n.casefold() for n in query.in_names})]
            where += f" AND d.conv IN ({', '.join('?' * len(keys)) or 'NULL'})"
            params += keys
        if "file" in query.has:
            where += " AND d.has_file = 1"
        return where, params


def _fts_quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


# ---------------------------------------------------------------- scoring and the report


def precision_at(ranked: Sequence[str], relevant: set[str], k: int = 5) -> float:
    return len([m for m in ranked[:k] if m in relevant]) / k


def recall_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    return len([m for m in ranked[:k] if m in relevant]) / len(relevant)


def summarise(per_query: list[dict[str, Any]], engines: Sequence[str]) -> dict[str, Any]:
    """Macro averages per engine: over all queries and per group."""
    summary: dict[str, Any] = {}
    for engine in engines:
        rows = [q for q in per_query if engine in q["engines"]]
        if not rows:
            continue
        by_group: dict[str, dict[str, float]] = {}
        for group in [g for g in GROUPS if any(q["group"] == g for q in rows)]:
            in_group = [q["engines"][engine] for q in rows if q["group"] == group]
            by_group[group] = {"p5": _mean(s["p5"] for s in in_group), "r10": _mean(s["r10"] for s in in_group),
                               "queries": len(in_group)}
        every = [q["engines"][engine] for q in rows]
        summary[engine] = {"p5": _mean(s["p5"] for s in every), "r10": _mean(s["r10"] for s in every),
                           "queries": len(every), "groups": by_group}
    return summary


def _mean(values: Any) -> float:
    values = list(values)
    return round(sum(values) / len(values), 3) if values else 0.0


def table(result: dict[str, Any]) -> str:
    """The Markdown table: one row per query group, P@5 / R@10 per engine."""
    summary = result["summary"]
    engines = [e for e in (*MODES, *BASELINES) if e in summary]
    head = "| group (queries) | " + " | ".join(f"{e} P@5 / R@10" for e in engines) + " |"
    lines = [head, "|" + "---|" * (len(engines) + 1)]
    groups = [g for g in GROUPS if any(g in summary[e]["groups"] for e in engines)]
    for group in groups:
        count = next(summary[e]["groups"][group]["queries"] for e in engines if group in summary[e]["groups"])
        cells = [(f"{summary[e]['groups'][group]['p5']:.2f} / {summary[e]['groups'][group]['r10']:.2f}"
                  if group in summary[e]["groups"] else "–") for e in engines]
        lines.append(f"| {group} ({count}) | " + " | ".join(cells) + " |")
    lines.append(f"| **all ({len(result['queries'])})** | "
                 + " | ".join(f"**{summary[e]['p5']:.2f} / {summary[e]['r10']:.2f}**" for e in engines) + " |")
    missing = [f"{m}: {state}" for m, state in result["modes"].items() if state.startswith("missing")]
    return "\n".join(lines + ([""] + missing if missing else []))


# ---------------------------------------------------------------- the run


def service_settings(semantic: bool) -> dict[str, Any]:
    """Settings of the evaluation's node: no send limits (the corpus and the bench send fast, as many
    people would), semantic search on when asked and the node has the setting."""
    from axon.config import Settings

    unlimited = {"send_rate_per_user": 1e9, "send_burst_per_user": 1e9, "send_rate_per_device": 1e9,
                 "send_burst_per_device": 1e9}
    return {**unlimited, **({"semantic_search": semantic} if "semantic_search" in Settings.model_fields else {})}


async def evaluate(database_url: str, data_dir: Path, modes: Sequence[str] = MODES,
                   corpus: dict[str, Any] | None = None, baselines: Sequence[str] = BASELINES,
                   on_loaded: Callable[[Loaded], Awaitable[None]] | None = None) -> dict[str, Any]:
    """Load the corpus into a node on ``database_url`` (already migrated; keys and files in ``data_dir``),
    run every query in each mode that exists and each baseline; the result with per-query rankings
    and the summary."""
    from tests.integration.conftest import running_services

    corpus = corpus or load_corpus()
    wants_semantic = any(m in ("semantic", "hybrid") for m in modes)
    async with running_services(database_url, data_dir=data_dir, **service_settings(wants_semantic)) as services:
        runners = [asyncio.create_task(r.run()) for r in services.durable]
        try:
            t0 = time.monotonic()
            loaded = await load_into(services, corpus)
            sent_s = time.monotonic() - t0
            index_wait_s = await caught_up(services)
            if on_loaded is not None:
                await on_loaded(loaded)
            axon = AxonSearch(loaded, corpus)
            states = {m: s for m, s in axon.modes().items() if m in modes}
            per_query = []
            timings: dict[str, list[float]] = {}
            for q in corpus["queries"]:
                relevant = set(q["relevant"])
                engines: dict[str, Any] = {}
                for mode, state in states.items():
                    if state.startswith("missing"):
                        continue
                    t = time.perf_counter()
                    ranked = await axon.run(q["q"], mode)
                    timings.setdefault(mode, []).append(time.perf_counter() - t)
                    engines[mode] = _scored(ranked, relevant)
                per_query.append({**q, "engines": engines})
        finally:
            for task in runners:
                task.cancel()
            await asyncio.gather(*runners, return_exceptions=True)
    base = Baselines(corpus)
    for entry in per_query:
        for engine in baselines:
            entry["engines"][engine] = _scored(base.run(entry["q"], engine), set(entry["relevant"]))
    engines_run = [*[m for m, s in states.items() if not s.startswith("missing")], *baselines]
    return {
        "corpus": {"messages": len(corpus["messages"]), "queries": len(corpus["queries"])},
        "modes": states,
        "load": {"send_s": round(sent_s, 2), "index_catch_up_s": round(index_wait_s, 2)},
        "query_ms_mean": {m: round(1000 * sum(t) / len(t), 2) for m, t in timings.items()},
        "summary": summarise(per_query, engines_run),
        "queries": per_query,
    }


def _scored(ranked: list[str], relevant: set[str]) -> dict[str, Any]:
    return {"p5": precision_at(ranked, relevant), "r10": recall_at(ranked, relevant), "top": ranked}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated: keyword, semantic, hybrid")
    p.add_argument("--corpus", default=str(CORPUS_PATH), help="the corpus file")
    p.add_argument("--database-url", default="", help="a fresh store to load into (default: a temporary SQLite file)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from axon.store.migrate import upgrade

    modes = [m for m in args.modes.split(",") if m]
    with tempfile.TemporaryDirectory(prefix="axon-search-quality-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'axon.db'}"
        upgrade(url)
        return asyncio.run(evaluate(url, Path(tmp), modes, load_corpus(Path(args.corpus))))
