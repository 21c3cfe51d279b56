"""The keyword index survives ``kill -9``: after restarts every sent message is indexed exactly once.

The ``search_index`` consumer writes its docs in the transaction that moves its cursor. The node
is killed twice while a burst of sends is being committed and indexed; afterwards every acked
message has one doc (none missing: a skipped page) and one FTS row (none twice: a page applied
twice would add a second row for the same doc), and nothing else is indexed.
"""

from __future__ import annotations

import asyncio

from axon.client import ClientState
from tests.support.at_rest import run_sql
from tests.support.people import Person, admin_rest, eventually, new_person
from tests.support.server import ServerProcess


async def test_every_sent_message_is_indexed_once_across_kills(fresh_server: ServerProcess) -> None:
    admin = await admin_rest(fresh_server.url)
    people: list[Person] = [await new_person(fresh_server.url, admin) for _ in range(2)]
    group = await people[0].rest.create_conversation("group", "Indexed", [people[1].id])
    clients = [p.client(fresh_server.url, state=ClientState(), max_backoff=0.2) for p in people]
    for client in clients:
        await client.connect()
    futures = []
    try:
        for round_ in range(8):
            for i, client in enumerate(clients):
                for k in range(20):
                    futures.append(client.send_nowait(group["id"], f"burst r{round_} c{i} m{k} 需求评审"))
            if round_ in (2, 5):
                await asyncio.sleep(0.01)  # let part of the round commit while the indexer works on it
                fresh_server.kill()  # SIGKILL: the indexer may be mid-page
                fresh_server.start()
            await asyncio.sleep(0)
        acks = await asyncio.wait_for(asyncio.gather(*futures), 90)
        sent = {a.message_id for a in acks}
        assert len(sent) == len(acks) == 320

        async def docs() -> list[str]:
            return [r[0] for r in await run_sql(
                fresh_server, "SELECT message_id FROM search_docs WHERE conversation_id = :c", c=group["id"])]

        async def caught_up() -> bool:
            return sent <= set(await docs())

        await eventually(caught_up, timeout=30)
        found = await docs()
        assert len(found) == len(set(found)) == 320 and set(found) == sent
        if fresh_server.database_url is not None:
            return  # PostgreSQL keeps the terms in the doc's row: one row per message is all there is
        [(doc_rows, fts_rows, joined)] = await run_sql(
            fresh_server, "SELECT (SELECT count(*) FROM search_docs), (SELECT count(*) FROM search_fts), "
                          "(SELECT count(*) FROM search_docs JOIN search_fts ON search_fts.rowid = search_docs.id)")
        assert doc_rows == fts_rows == joined
    finally:
        for client in clients:
            await client.close()
        await admin.close()
