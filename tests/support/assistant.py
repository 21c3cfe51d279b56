"""Talking to the @axon assistant through the public API, as a person does: find it, say something,
and wait for its answer in the DM (an answer's ``client_msg_id`` is its question's id)."""

from __future__ import annotations

import itertools
from typing import Any

from axon.client import RestApi

from .people import Person, admin_rest, eventually, new_person

_ids = itertools.count()


async def people(url: str, n: int) -> tuple[RestApi, list[Person]]:
    """The admin and ``n`` new people of the test organisation."""
    admin = await admin_rest(url)
    return admin, [await new_person(url, admin) for _ in range(n)]


async def assistant_of(person: Person) -> dict[str, Any]:
    """The organisation's assistant, as the directory lists it to ``person``."""
    found = await person.rest.users(q="axon")
    return next(u for u in found["items"] if u["kind"] == "assistant")


async def say(person: Person, conversation_id: str, text: str, reply_to: str | None = None) -> dict[str, Any]:
    sent = await person.rest.send(conversation_id, f"as{next(_ids)}", text, reply_to=reply_to)
    return dict(sent["message"])


async def answer_to(person: Person, dm_id: str, question: dict[str, Any], assistant_id: str) -> dict[str, Any]:
    """The assistant's message in the DM that answers ``question``."""
    found: list[dict[str, Any]] = []

    async def answered() -> bool:
        page = await person.rest.history(dm_id, limit=50)
        found[:] = [m for m in page["items"] if m["sender_id"] == assistant_id
                    and m.get("client_msg_id") == question["id"]]
        return bool(found)

    await eventually(answered, timeout=20)
    return found[0]


async def searchable(person: Person, words: str, message_id: str) -> None:
    """Wait until the search index (its own consumer) has the message, as ``person`` would find it."""
    async def found() -> bool:
        return message_id in [h["message"]["id"] for h in (await person.rest.search(words))["items"]]

    await eventually(found, timeout=20)
