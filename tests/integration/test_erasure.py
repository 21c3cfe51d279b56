"""A deleted message's text and an edited message's earlier versions are gone: from the history, the
event log (REST and WebSocket replay, for members added later too) and the database file."""

from __future__ import annotations

import json

from tests.integration.test_realtime import Raw
from tests.support.at_rest import SEALED_BYTES, opened_values, raw_stored, stored_sealed_values
from tests.support.people import admin_rest, new_person
from tests.support.server import ServerProcess

DELETED, FIRST_DRAFT, SECOND_DRAFT, FINAL = "ZQX-deleted-marker", "ZQX-first-draft", "ZQX-second-draft", "final words"


async def test_deleted_and_replaced_text_is_nowhere_to_be_read(fresh_server: ServerProcess) -> None:
    server = fresh_server
    admin = await admin_rest(server.url)
    ann, bob = [await new_person(server.url, admin) for _ in range(2)]
    conv = await ann.rest.create_conversation("group", "Erasure")
    # Long enough to spill into overflow pages, which a delete frees: their bytes must be zeroed too.
    gone = (await ann.rest.send(conv["id"], "e1", f"@{bob.user['username']} " + f"{DELETED} " * 400))["message"]
    edited = (await ann.rest.send(conv["id"], "e2", FIRST_DRAFT))["message"]
    await ann.rest.edit(conv["id"], edited["id"], SECOND_DRAFT)
    await ann.rest.edit(conv["id"], edited["id"], FINAL)
    await ann.rest.delete(conv["id"], gone["id"])
    await ann.rest.add_members(conv["id"], [bob.id])  # a member added later reads the whole log

    log = json.dumps(await bob.rest.events(conv["id"], after_seq=0))
    history = json.dumps(await bob.rest.history(conv["id"]))
    raw, frames = await Raw.open(server, bob.token, convs={conv["id"]: 0})
    await raw.close()
    replay = json.dumps(frames)
    for readable in (log, history, replay):
        assert FINAL in readable
        for erased in (DELETED, FIRST_DRAFT, SECOND_DRAFT):
            assert erased not in readable
    assert '"type":"message.deleted"' in log.replace(" ", "")  # the tombstone keeps its place

    server.stop()  # a clean shutdown checkpoints the WAL into the database file
    # Opened with the master key, the stored rows hold the final text and nothing erased.
    opened = "\n".join(await opened_values(server))
    assert FINAL in opened
    for erased in (DELETED, FIRST_DRAFT, SECOND_DRAFT):
        assert erased not in opened, erased
    stored = await raw_stored(server)
    assert FINAL.encode() not in stored  # sealed at rest
    if server.database_url is None:
        # Nor any older ciphertext in the file's free space (secure_delete): every sealed value the
        # raw bytes hold is one a live row holds, so no erased version survives even under the key.
        assert set(SEALED_BYTES.findall(stored)) <= await stored_sealed_values(server)
