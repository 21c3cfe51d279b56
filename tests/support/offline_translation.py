"""The offline gloss end to end in a process with no network (run under ``unshare -n`` by
``tests/integration/test_translation_offline.py``): the services on a fresh SQLite store, a Chinese
message sent and translated through the default provider. Prints one JSON line of the answer.

Usage: ``python -m tests.support.offline_translation <empty folder>``
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from axon.store.migrate import upgrade
from tests.integration.conftest import running_services
from tests.support.offline_semantic import network_is_cut
from tests.support.semantic import person, send


async def main(folder: Path) -> dict[str, object]:
    url = f"sqlite:///{folder / 'axon.db'}"
    upgrade(url)
    os.chdir(folder)  # the master key generated for the test goes there
    async with running_services(url, data_dir=folder) as svc:
        org = await svc.people.create_org("Offline")
        ann, bob = [await person(svc, org["id"]) for _ in range(2)]
        conv = (await svc.conversations.create(ann, "group", "Plans", "", [bob.user_id]))["id"]
        message = await send(svc, ann, conv, "明天下午开会，服务器要升级")
        answer = await svc.translations.translate(bob, message)
        return {"network_cut": network_is_cut(), "answer": asdict(answer)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(Path(sys.argv[1]))), ensure_ascii=False))
