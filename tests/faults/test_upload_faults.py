"""Fault injection for files: a node killed with SIGKILL in the middle of an upload's chunk.

The chunk in flight is lost (it was never recorded), everything recorded before survives, and the
client resumes from where the server stands after the restart: the stored file has the SHA-256 of
the original, byte for byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from axon.domain.files import CHUNK_BYTES
from tests.support.people import admin_rest, new_person
from tests.support.server import ServerProcess


async def test_upload_killed_mid_chunk_resumes_after_restart(fresh_server: ServerProcess, tmp_path: Path) -> None:
    admin = await admin_rest(fresh_server.url)
    ann = await new_person(fresh_server.url, admin)
    conv = await ann.rest.create_conversation("group", "Uploads", [])
    data = os.urandom(2 * CHUNK_BYTES + 123_457)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    headers = {"Authorization": f"Bearer {ann.token}"}
    async with httpx.AsyncClient(base_url=fresh_server.url + "/api/v1", headers=headers, timeout=30) as client:
        upload = (await client.post(f"/conversations/{conv['id']}/uploads",
                                    json={"name": "big.bin", "size": len(data)})).json()
        first = await client.put(f"/uploads/{upload['id']}", params={"offset": 0}, content=data[:CHUNK_BYTES])
        assert first.json()["offset"] == CHUNK_BYTES
        half_sent = asyncio.Event()

        async def slow_chunk() -> AsyncIterator[bytes]:
            yield data[CHUNK_BYTES:CHUNK_BYTES + 3_000_000]
            half_sent.set()
            await asyncio.Event().wait()  # the rest never comes: the node dies first

        cut = asyncio.create_task(client.put(
            f"/uploads/{upload['id']}", params={"offset": CHUNK_BYTES}, content=slow_chunk(),
            headers={"Content-Length": str(CHUNK_BYTES)}))
        await half_sent.wait()
        fresh_server.kill()
        cut.cancel()  # the client gives up on the chunk it was sending
        with contextlib.suppress(asyncio.CancelledError, httpx.TransportError):
            await cut
        fresh_server.start()
    info = await ann.rest.upload(conv["id"], source, resume=upload["id"])
    assert info["size"] == len(data)
    await ann.rest.send(conv["id"], "after-crash", "", attachments=[info["id"]])
    digest = await ann.rest.download(info["id"], tmp_path / "back.bin")
    assert digest == hashlib.sha256(data).hexdigest()
