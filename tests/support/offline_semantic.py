"""Semantic search end to end in a process with no network (run under ``unshare -n`` by
``tests/integration/test_semantic_offline.py``): the services on a fresh SQLite store, messages
sent, indexed by the real consumer, and found by meaning. Prints one JSON line of what it found.

Usage: ``python -m tests.support.offline_semantic <empty folder>``
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

from axon.store.migrate import upgrade
from tests.integration.conftest import running_services
from tests.support.semantic import index_everything, person, send, start_indexing


def network_is_cut() -> bool:
    """No route anywhere: a connection to a public address fails at once."""
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("1.1.1.1", 443)) != 0 and s.connect_ex(("8.8.8.8", 53)) != 0


async def main(folder: Path) -> dict[str, object]:
    url = f"sqlite:///{folder / 'axon.db'}"
    upgrade(url)
    os.chdir(folder)  # the master key generated for the test goes there
    async with running_services(url, semantic_search=True, data_dir=folder) as svc:
        await start_indexing(svc)
        org = await svc.people.create_org("Offline")
        ann = await person(svc, org["id"])
        conv = (await svc.conversations.create(ann, "group", "Plans", "", []))["id"]
        ids = {await send(svc, ann, conv, text): text for text in (
            "the release is planned for March 3", "Lunch at the noodle place?", "服务器磁盘快满了")}
        await index_everything(svc)
        hits = await svc.semantic_index.nearest(org["id"], (conv,), "发布日期", 5)
        return {"network_cut": network_is_cut(), "found": [ids[h.message_id] for h in hits]}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(Path(sys.argv[1])))))
