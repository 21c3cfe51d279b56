"""Driving the semantic indexer of test services step by step (no runtime, no sleeps)."""

from __future__ import annotations

import itertools

from axon.app import Services
from axon.domain.model import Actor, OrgRole
from axon.services.people import NewUser
from axon.spine.durable import DurableRunner
from axon.store import event_log

_ids = itertools.count()


def _runner(svc: Services) -> DurableRunner:
    return next(r for r in svc.durable if r.consumer.name == "search_vectors")


async def start_indexing(svc: Services) -> None:
    """Open the consumer's cursor, as the runtime does at start: it indexes what is committed from now on."""
    _runner(svc).position = await svc.core.write(lambda tx: event_log.open_cursor(tx.conn, "search_vectors"))


async def index_everything(svc: Services) -> None:
    """Apply every page committed since ``start_indexing`` to the ``search_vectors`` consumer."""
    runner = _runner(svc)
    assert runner.position is not None, "start_indexing first"
    while await runner.step():
        pass


async def person(svc: Services, org_id: str, role: OrgRole = OrgRole.MEMBER) -> Actor:
    name = f"s{next(_ids)}"
    user = await svc.people.create_user(org_id, NewUser(name, name.title(), "pass-word-1", f"{name}@example.com",
                                                        role=role))
    return Actor(user["id"], org_id, f"d_{name}", role)


async def send(svc: Services, actor: Actor, conv: str, text: str) -> str:
    return (await svc.messages.send(actor, conv, f"c{next(_ids)}", text)).message.id
