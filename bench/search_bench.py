"""Search speed: indexing throughput, index size, query latency at 1M messages, and whether the
indexer keeps up with a burst of durable sends.

1. A node on a temporary SQLite file (or, with ``--db postgres``, a throw-away PostgreSQL database)
   gets an organisation, a searcher and ``--conversations`` groups (the searcher is in
   ``--searcher-conversations`` of them); the durable consumers open their cursors, so everything
   stored afterwards is theirs to index.
2. ``--messages`` are stored with the server's own ``SendMessage`` operations applied in this process,
   ``BATCH`` per transaction (as W6's bulk fill: the rows and events the server writes; only the
   WebSocket and the per-batch fsync are skipped). Texts are the corpus's Chinese, English and mixed
   chat messages, recombined and numbered so that no two are alike.
3. The node starts again with its consumers: the time until the search indexer has applied the whole
   event log is the indexing throughput (the real consumer: ``prepare`` cuts terms in a worker
   thread, ``apply_prepared`` writes rows through the group-commit writer). The database file grows
   by the index's size (measured after a WAL checkpoint).
4. Query latency p50/p99 for a mix (one English word, one Chinese word, two words, ``from:``,
   ``in:``) as the searcher, through the search service when the node has one, else the ports.
5. A burst of ``--burst`` sends through the real send path, ``--window`` in flight: the send rate, and
   the indexer's rate and lag behind it.
6. Semantic (when the node has it): vectors per second while ``--vectors`` messages are embedded and
   stored by the consumer, and nearest-neighbour latency over them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from .search_quality import AxonSearch, Loaded, caught_up, load_corpus, service_settings
from .stats import percentiles
from .workloads.durable import PgDatabase


async def caught_up_each(services: Any, timeout: float) -> dict[str, float]:
    """Seconds until each durable consumer has applied the whole event log."""
    from axon.store import event_log

    head = await services.core.read(event_log.head)
    t0 = time.monotonic()
    done: dict[str, float] = {}
    while len(done) < len(services.durable):
        for r in services.durable:
            if r.consumer.name not in done and (r.position or 0) >= head:
                done[r.consumer.name] = round(time.monotonic() - t0, 2)
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"consumers behind: {[r.consumer.name for r in services.durable]}")
        await asyncio.sleep(0.01)
    return done

BATCH = 5000
SEARCHER = "searcher"
PASSWORD = "bench-password-1"
QUERIES = {
    "one English word": ["release", "postmortem", "certificate", "design", "customer", "deploy", "interview", "plans"],
    "one Chinese word": ["需求", "评审", "发布", "故障", "客户", "面试", "搜索", "数据库"],
    "two words": ["release date", "需求 评审", "dark mode", "代码 评审", "customer feedback", "告警 规则"],
    "from:": ["from:@bob release", "from:@alice 需求", "from:@dave alert"],
    "in:": ["in:#team-3 需求", "in:#team-7 release", "in:#team-11 客户"],
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--messages", type=int, default=1_000_000, help="messages stored before indexing")
    p.add_argument("--conversations", type=int, default=200, help="groups the messages are spread over")
    p.add_argument("--searcher-conversations", type=int, default=20, help="of which the searcher is in")
    p.add_argument("--queries", type=int, default=300, help="timed queries per kind")
    p.add_argument("--burst", type=int, default=20_000, help="sends of the burst (0: none)")
    p.add_argument("--window", type=int, default=512, help="sends in flight during the burst")
    p.add_argument("--vectors", type=int, default=100_000, help="messages embedded for the semantic figures (0: none)")
    p.add_argument("--batch", type=int, default=BATCH,
                   help="sends per fill transaction: one event-log position each, and a consumer page holds 32 "
                        "positions (512 = the writer's largest batch, as on a busy node)")
    p.add_argument("--keep", default="", help="keep the store in this folder (default: a temporary one); "
                   "on PostgreSQL the run's database is then kept too")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                   help="the store of the keyword pass (the semantic pass runs on SQLite)")
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test",
                   help="PostgreSQL server (any database on it) to create the run's database in")


def texts(count: int, seed: int = 12) -> list[str]:
    """``count`` chat messages made of the corpus's: one or two of its messages, with numbers changed."""
    corpus = [m["t"] for m in load_corpus()["messages"]]
    rng = random.Random(seed)
    out = []
    for i in range(count):
        text = rng.choice(corpus)
        if rng.random() < 0.3:
            text = f"{text} {rng.choice(corpus)}"
        out.append(f"{text} #{i}")
    return out


def _settings(data_dir: Path, semantic: bool) -> dict[str, Any]:
    # Only search's consumers: the AI helpers' own consumers (meeting times, smart-reply pairs, the
    # assistant) keep their own pace at nice 19, and the figures here are the search index's.
    return {"data_dir": data_dir, **service_settings(semantic), "event_hints": False, "assistant": False,
            "smart_reply_learning": semantic}


async def _setup(url: str, data_dir: Path, conversations: int, searcher_in: int, semantic: bool) -> dict[str, Any]:
    """Organisation, people, conversations; the consumers' cursors opened at the start."""
    from axon.domain.model import Actor, OrgRole
    from axon.services.people import NewUser
    from axon.store import accounts
    from tests.integration.conftest import running_services

    async with running_services(url, **_settings(data_dir, semantic)) as services:
        if services.encryption is not None:
            await services.encryption.start()
        org = await services.people.create_org("Bench", admin=NewUser(SEARCHER, "Searcher", PASSWORD,
                                                                       role=OrgRole.ADMIN))
        users = {}
        for name in (SEARCHER, "alice", "bob", "dave"):
            if name != SEARCHER:
                await services.people.create_user(org.id, NewUser(name, name.title(), PASSWORD))
            row = await services.core.read(lambda c, n=name: accounts.get_user_by_username(c, org.id, n))
            users[name] = row["id"]
        admin = Actor(users[SEARCHER], org.id, "d_searcher", OrgRole.ADMIN)
        alice = Actor(users["alice"], org.id, "d_alice", OrgRole.MEMBER)
        convs = []
        for i in range(conversations):
            owner, others = (admin, [users["alice"], users["bob"], users["dave"]]) if i < searcher_in else (
                alice, [users["bob"], users["dave"]])
            row = await services.conversations.create(owner, "group", f"team-{i}", "", others)
            convs.append(row["id"])
        runners = [asyncio.create_task(r.run()) for r in services.durable]
        await caught_up(services)
        for task in runners:
            task.cancel()
        await asyncio.gather(*runners, return_exceptions=True)
        return {"org_id": org.id, "users": users, "conversations": convs, "searcher_in": searcher_in}


def _fill(url: str, data_dir: Path, world: dict[str, Any], count: int, batch: int = BATCH) -> dict[str, Any]:
    """Store ``count`` messages (from alice, bob and dave, round the conversations) in big transactions,
    sealed as the node seals them (its master key, in the store's folder): an organisation whose rows
    are all sealed refuses a plaintext one when it is read (``SealBroken``). On SQLite through a
    synchronous engine; on PostgreSQL through asyncpg (``run_sync``), as the node reaches it."""
    from axon.domain.ids import new_id
    from axon.domain.model import Actor, OrgRole
    from axon.keys import master as master_keys
    from axon.services.messages import SendMessage
    from axon.store.sealing import Keyring, attach
    from axon.store.writer import Failed, apply_all

    keyring = Keyring(master_keys.load(None, None, data_dir))
    actors = [Actor(world["users"][n], world["org_id"], f"d_{n}", OrgRole.MEMBER) for n in ("alice", "bob", "dave")]
    convs = world["conversations"]
    bodies = texts(min(count, 200_000))
    t0 = time.monotonic()
    done = 0

    def store_batch(conn: Any, first: bool) -> None:
        n = min(batch, count - done)
        now_ms = int(time.time() * 1000)
        ops = [SendMessage(actors[(done + i) % 3], convs[(done + i) % len(convs)], f"fill-{done + i}",
                           f"{bodies[(done + i) % len(bodies)]}{done + i}", None, new_id("message", now_ms))
               for i in range(n)]
        attach(conn, keyring)
        if first:
            keyring.load_all(conn)
        results, _ = apply_all(conn, now_ms, ops, _outbox)
        failed = [r for r in results if isinstance(r, Failed)]
        if failed:
            raise RuntimeError(f"fill: {len(failed)} sends refused: {failed[0].error}")

    def progress(n: int) -> None:
        if done // 100_000 != (done - n) // 100_000:
            print(f"  fill: {done:,} stored ({done / (time.monotonic() - t0):,.0f} msg/s)", flush=True)

    if url.startswith("sqlite"):
        from sqlalchemy import create_engine, event

        engine = create_engine(url)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA synchronous=OFF")
            cur.close()

        try:
            while done < count:
                n = min(batch, count - done)
                with engine.begin() as conn:
                    store_batch(conn, done == 0)
                done += n
                progress(n)
        finally:
            engine.dispose()
    else:
        from sqlalchemy.ext.asyncio import create_async_engine

        async def fill_pg() -> None:
            nonlocal done
            engine = create_async_engine(url)
            try:
                while done < count:
                    n = min(batch, count - done)
                    async with engine.begin() as conn:
                        await conn.run_sync(store_batch, done == 0)
                    done += n
                    progress(n)
            finally:
                await engine.dispose()

        asyncio.run(fill_pg())
    elapsed = time.monotonic() - t0
    return {"stored": done, "s": round(elapsed, 1), "msgs_per_s": round(done / elapsed)}


def _outbox(tx: Any, committed: Any) -> None:
    """What the spine does in the writer's transaction: the committed events into the event log, which
    the durable consumers (the indexers) read."""
    from axon.store import event_log

    committed.log_pos = event_log.append(tx.conn, tx.now_ms, committed.conversation_events, committed.user_events)


def _store_size(url: str) -> int:
    """Bytes the store takes: the SQLite file after a WAL checkpoint, or the PostgreSQL database."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return os.path.getsize(path)
    rows = _pg_rows(url, "SELECT pg_database_size(current_database()) AS size")
    return int(rows[0]["size"])


def _table_sizes(url: str) -> dict[str, int]:
    """Bytes per search table with its indexes (SQLite's dbstat, when it has it; PostgreSQL's
    ``pg_total_relation_size``, TOAST included)."""
    if not url.startswith("sqlite"):
        rows = _pg_rows(url, "SELECT relname, pg_total_relation_size(oid) AS size FROM pg_class "
                             "WHERE relname LIKE 'search%' AND relkind = 'r'")
        return {r["relname"]: int(r["size"]) for r in rows}
    try:
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            rows = conn.execute(
                "SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE 'search%' GROUP BY name").fetchall()
    except sqlite3.OperationalError:
        return {}
    return {name: int(size) for name, size in rows}


def _pg_rows(url: str, sql: str) -> list[Any]:
    import asyncpg

    async def go() -> list[Any]:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return list(await conn.fetch(sql))
        finally:
            await conn.close()

    return asyncio.run(go())  # from a thread of its own when a loop runs (``asyncio.to_thread``)


async def _measure(url: str, data_dir: Path, world: dict[str, Any], args: argparse.Namespace,
                   semantic: bool = False) -> dict[str, Any]:
    from axon.domain.model import Actor, OrgRole
    from tests.integration.conftest import running_services

    out: dict[str, Any] = {}
    count = args.vectors if semantic else args.messages
    size_before = await asyncio.to_thread(_store_size, url)
    async with running_services(url, **_settings(data_dir, semantic)) as services:
        names = [r.consumer.name for r in services.durable]
        if semantic:  # warm the indexer's model up first (in its child process): its one-off load is not a rate
            assert services.background_embedder is not None
            await asyncio.to_thread(services.background_embedder.embed, ["warm up"])
        out["consumers"] = names
        t0 = time.monotonic()
        runners = [asyncio.create_task(r.run()) for r in services.durable]
        try:
            each = await caught_up_each(services, timeout=6 * 3600)
            indexing_s = max(each.values())
            out["indexing"] = {"messages": count, "s": round(indexing_s, 1),
                               "msgs_per_s": round(count / max(indexing_s, 1e-9)), "consumers": names,
                               "per_consumer_s": each,
                               "per_consumer_msgs_per_s": {n: round(count / max(t, 1e-9)) for n, t in each.items()}}
            print(f"  indexed {count:,}: {each} s", flush=True)
            out["index_size"] = {"db_growth_bytes": await asyncio.to_thread(_store_size, url) - size_before,
                                 "tables": await asyncio.to_thread(_table_sizes, url)}
            loaded = Loaded(services, world["org_id"], user_ids=world["users"])
            loaded.actors[SEARCHER] = Actor(world["users"][SEARCHER], world["org_id"], "d_searcher", OrgRole.ADMIN)
            names_of = {f"team-{i}": c for i, c in enumerate(world["conversations"])}
            people = ["alice", "bob", "dave"]
            corpus = {"searcher": SEARCHER, "messages": [], "conversations": [
                {"key": f"team-{i}", "kind": "group", "name": f"team-{i}",
                 "members": [SEARCHER, *people] if i < world["searcher_in"] else people}
                for i in range(len(world["conversations"]))]}
            loaded.conversation_ids.update(names_of)
            search = AxonSearch(loaded, corpus)
            out["modes"] = search.modes()
            out["latency"] = await _latencies(search, args.queries)
            if args.burst and not semantic:
                out["burst"] = await _burst(services, world, args.burst, args.window)
        finally:
            for task in runners:
                task.cancel()
            await asyncio.gather(*runners, return_exceptions=True)
        elapsed = time.monotonic() - t0
        out["measure_s"] = round(elapsed, 1)
    return out


async def _latencies(search: AxonSearch, per_kind: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for mode, state in search.modes().items():
        if state.startswith("missing"):
            continue
        kinds: dict[str, Any] = {}
        for kind, queries in QUERIES.items():
            times, found = [], 0
            for i in range(per_kind if mode == "keyword" else max(per_kind // 5, 20)):
                t = time.perf_counter()
                found += len(await search.run(queries[i % len(queries)], mode))
                times.append(time.perf_counter() - t)
            kinds[kind] = {**percentiles([int(1e6 * x) for x in times]), "mean_hits": round(found / len(times), 1)}
        result[mode] = kinds
    return result


async def _burst(services: Any, world: dict[str, Any], count: int, window: int) -> dict[str, Any]:
    """Sends through the real path, ``window`` in flight; the indexer's lag behind them."""
    from axon.domain.model import Actor, OrgRole

    actor = Actor(world["users"]["bob"], world["org_id"], "d_bob", OrgRole.MEMBER)
    bodies = texts(count, seed=99)
    convs = world["conversations"]
    pending: set[asyncio.Future[Any]] = set()
    t0 = time.monotonic()
    for i in range(count):
        pending.add(services.messages.enqueue_send(actor, convs[i % len(convs)], f"burst-{i}", bodies[i],
                                                   preview=False))
        if len(pending) >= window:
            _done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    await asyncio.gather(*pending)
    send_s = time.monotonic() - t0
    lag_s = await caught_up(services, timeout=3600)
    total = send_s + lag_s
    return {"sends": count, "window": window, "send_s": round(send_s, 2), "sends_per_s": round(count / send_s),
            "indexer_lag_after_last_send_s": round(lag_s, 2), "indexed_per_s": round(count / total),
            "keeps_up": lag_s < 1.0}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from axon.store.migrate import upgrade

    keep = Path(args.keep) if args.keep else None
    with tempfile.TemporaryDirectory(prefix="axon-search-bench-") as tmp:
        data_dir = keep or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        pg = PgDatabase(args.pg_url).create() if args.db == "postgres" else None
        try:
            url = pg.url if pg is not None else f"sqlite:///{data_dir / 'axon.db'}"
            upgrade(url)
            world = asyncio.run(_setup(url, data_dir, args.conversations, args.searcher_conversations, False))
            print(f"fill: {args.messages:,} messages over {args.conversations} conversations ({args.db})", flush=True)
            fill = _fill(url, data_dir, world, args.messages, args.batch)
            result = {"fill": fill, **asyncio.run(_measure(url, data_dir, world, args))}
        finally:
            if pg is not None and not args.keep:
                pg.drop()
        if args.vectors:
            result["semantic"] = _semantic_pass(args, data_dir / "semantic")
        result["params"] = {k: v for k, v in vars(args).items() if k in (
            "db", "messages", "conversations", "searcher_conversations", "queries", "burst", "window", "vectors",
            "batch")}
        return result


def _semantic_pass(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    """A store of ``--vectors`` messages with semantic search on: vectors per second of the
    ``search_vectors`` consumer, and query latency by mode (nearest over all of them)."""
    from axon.store.migrate import upgrade

    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data_dir / 'axon.db'}"
    upgrade(url)
    world = asyncio.run(_setup(url, data_dir, args.conversations, args.searcher_conversations, True))
    print(f"semantic: {args.vectors:,} messages", flush=True)
    fill = _fill(url, data_dir, world, args.vectors, args.batch)
    measured = asyncio.run(_measure(url, data_dir, world, args, semantic=True))
    return {"fill": fill, **measured}


def table(result: dict[str, Any]) -> str:
    lines = [f"fill: {result['fill']['stored']:,} messages, {result['fill']['msgs_per_s']:,}/s",
             f"indexing (consumers {', '.join(result['indexing']['consumers'])}): "
             f"{result['indexing']['msgs_per_s']:,} messages/s ({result['indexing']['s']} s)",
             f"database growth while indexing: {result['index_size']['db_growth_bytes'] / 2**20:,.1f} MiB"]
    for name, size in sorted(result["index_size"].get("tables", {}).items()):
        lines.append(f"  {name}: {size / 2**20:,.1f} MiB")
    lines += ["", "| mode | query | p50 ms | p99 ms | mean hits |", "|---|---|---|---|---|"]
    for mode, kinds in result.get("latency", {}).items():
        for kind, t in kinds.items():
            lines.append(f"| {mode} | {kind} | {t.get('p50_ms')} | {t.get('p99_ms')} | {t['mean_hits']} |")
    if "semantic" in result:
        sem = result["semantic"]
        per_s = sem["indexing"]["per_consumer_msgs_per_s"]
        lines += ["", f"semantic, {sem['indexing']['messages']:,} messages: "
                      + ", ".join(f"{n} {v:,}/s" for n, v in per_s.items())]
        for mode, kinds in sem.get("latency", {}).items():
            for kind, t in kinds.items():
                lines.append(f"| {mode} ({sem['indexing']['messages']:,}) | {kind} | {t.get('p50_ms')} | "
                             f"{t.get('p99_ms')} | {t['mean_hits']} |")
    if "burst" in result:
        b = result["burst"]
        lines += ["", f"burst: {b['sends']:,} sends at {b['sends_per_s']:,}/s; indexed {b['indexed_per_s']:,}/s, "
                      f"{b['indexer_lag_after_last_send_s']} s behind the last send (keeps up: {b['keeps_up']})"]
    missing = [f"{m}: {s}" for m, s in result.get("modes", {}).items() if s.startswith("missing")]
    return "\n".join(lines + missing)
