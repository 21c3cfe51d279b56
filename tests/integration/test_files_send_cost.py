"""Files cost nothing on the hot paths that do not use them: a send without attachments and a
history page of plain messages run no statement about files (the send batch looks for files only
for the sends that carry some, history only for rows whose ``file_count`` says they have some)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from axon.container import Services
from axon.domain.model import Actor, OrgRole
from axon.services.people import NewUser
from axon.store import accounts

_FILE_TABLES = re.compile(r"\b(files|blobs|uploads|upload_parts|voice_plays)\b")


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


async def body(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_plain_sends_and_reads_touch_no_file_table(svc: Services) -> None:
    await svc.encryption.start()
    org = await svc.people.create_org("Cost", admin=NewUser("boss", "Boss", "a-long-password-1", role=OrgRole.ADMIN))
    user = await svc.core.read(lambda c: accounts.get_user_by_username(c, org.id, "boss"))
    actor = Actor(user["id"], org.id, "d_cost", OrgRole.ADMIN)
    conv = await svc.conversations.create(actor, "group", "Cost", "", [])
    await svc.messages.send(actor, conv["id"], "warm", "warm-up")
    with statements() as seen:
        for i in range(3):
            await svc.messages.send(actor, conv["id"], f"plain{i}", "no files here")
        await svc.messages.send(actor, conv["id"], "plain0", "no files here")  # a retry (duplicate)
        await svc.messages.history(actor, conv["id"], None, 50)
    assert seen and not [s for s in seen if _FILE_TABLES.search(s)]
    started = await svc.uploads.start(actor, conv["id"], "a.txt", 5, None, False)
    file = (await svc.uploads.put(actor, started.id, 0, 5, body(b"hello"))).file
    with statements() as seen:  # the control: a send with a file does use them
        sent = await svc.messages.send(actor, conv["id"], "with-file", "", attachments=[file.id])
        page = await svc.messages.history(actor, conv["id"], None, 50)
    assert [s for s in seen if _FILE_TABLES.search(s)]
    assert sent.message.attachments[0].id == file.id
    assert page["items"][-1].attachments[0].name == "a.txt"
