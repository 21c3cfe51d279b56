"""A person's @axon reminders: listing and cancelling them (``GET``/``DELETE /reminders``), and the
background job that delivers them when due.

Contract:
- Only the owner sees or cancels a reminder (anyone else: 404, as for one that does not exist); the
  organisation's ``ai_assistant`` switch (or the ``ai_helpers`` module) off: 403 ``module_disabled``.
- Cancelling a pending reminder marks it and turns its answer's card to ``cancelled`` in one write;
  cancelling it again changes nothing; a delivered one cannot be cancelled (409 ``already_delivered``).
- Delivery: a job of every node, run only by the holder of the ``reminders`` lease (as the calendar
  reminders); each reminder is claimed in the write that delivers it (``mark_delivered``: an update
  that only one writer can make), so that even two nodes that both believed they held the lease
  deliver it once. Delivering posts "⏰ Reminder: …" as @axon in the owner's DM with @axon
  (``client_msg_id`` ``reminder-<id>``) with an ``assistant.reminder`` card ``delivered``, turns the
  answer's card to ``delivered`` and appends the user event ``reminder.due`` ``{reminder}``.
- A reminder due while no node ran (or while the assistant was off: held meanwhile) is delivered at
  the next round, however late; more than a day late, its message says so (``domain.reminders``).
"""

from __future__ import annotations

import logging
from typing import Any

from ..domain import policy
from ..domain.assistant_intents import language
from ..domain.errors import Conflict, NotFound
from ..domain.event_hints import zone_named
from ..domain.ids import new_id
from ..domain.model import Actor
from ..domain.policy import Action
from ..domain.reminders import State, card, due_message, wire
from ..protocol.codec import encode_str
from ..store import reminders as stored
from ..store.database import Conn
from ..store.retention import claim_lease
from ..store.tx import Tx
from ..store.writer import Failed
from . import assistant_account
from .assistant_account import AssistantAccounts
from .core import Core
from .messages import SendMessage, replace_card
from .org_settings import settings_for
from .periodic import every

log = logging.getLogger("axon.ai.reminders")
LEASE = "reminders"
BATCH = 200  # reminders delivered per write
MAX_LISTED = 500

Row = dict[str, Any]


def check_enabled(conn: Conn, actor: Actor) -> None:
    policy.check_org(actor, Action.ASK_ASSISTANT, settings_for(conn, actor.org_id))


class Reminders:
    def __init__(self, core: Core, accounts_: AssistantAccounts) -> None:
        self.core = core
        self.accounts = accounts_

    async def pending(self, actor: Actor) -> list[Row]:
        """The caller's reminders still to come, soonest first."""
        def load(conn: Conn) -> list[Row]:
            check_enabled(conn, actor)
            return [wire(row) for row in stored.pending_of(conn, actor.user_id, MAX_LISTED)]

        return await self.core.read(load)

    async def cancel(self, actor: Actor, reminder_id: str) -> None:
        def change(tx: Tx) -> None:
            check_enabled(tx.conn, actor)
            row = stored.get(tx.conn, reminder_id)
            if row is None or row["user_id"] != actor.user_id:
                raise NotFound("Reminder not found.")
            if row["delivered_at"] is not None:
                raise Conflict("This reminder was already delivered.", code="already_delivered")
            if stored.mark_cancelled(tx.conn, reminder_id, tx.now_ms):
                replace_card(tx, row["answer_message_id"], card(row, State.CANCELLED), actor.user_id)

        await self.core.write(change)


class ReminderDelivery:
    """The delivery job (see the module's docstring)."""

    def __init__(self, core: Core, accounts_: AssistantAccounts, node_id: str, interval: float = 15.0,
                 lease_seconds: float = 120.0) -> None:
        self.core = core
        self.accounts = accounts_
        self.node_id = node_id
        self.interval = interval
        self.lease_ms = int(lease_seconds * 1000)

    async def run(self) -> None:
        await every(self.core.clock, self.interval, self.deliver_due, log, "delivering reminders")

    async def deliver_due(self) -> int:
        """One round, if this node holds the lease: deliver every reminder due now. Returns how many."""
        now = self.core.clock.now_ms()
        if not await self.core.read(lambda c: bool(stored.due(c, now, 1))):
            return 0  # nothing due: a read, no write
        if not await self.core.write(lambda tx: claim_lease(tx.conn, LEASE, self.node_id, tx.now_ms,
                                                            tx.now_ms + self.lease_ms)):
            return 0
        return await self.core.write(self._deliver)

    def _deliver(self, tx: Tx) -> int:
        delivered = 0
        enabled: dict[str, bool] = {}
        for row in stored.due(tx.conn, tx.now_ms, BATCH):
            org_id = row["org_id"]
            if org_id not in enabled:
                enabled[org_id] = policy.allowed(assistant_account.actor_of("", org_id), Action.ASK_ASSISTANT,
                                                 settings_for(tx.conn, org_id))
            if enabled[org_id] and stored.mark_delivered(tx.conn, row["id"], tx.now_ms):
                self._deliver_one(tx, {**row, "delivered_at": tx.now_ms})
                delivered += 1
        return delivered

    def _deliver_one(self, tx: Tx, row: Row) -> None:
        assistant_id = self.accounts.known_id_of(tx.conn, row["org_id"])
        if assistant_id is None:
            return
        conv_id = assistant_account.dm_in(tx, row["org_id"], assistant_id, row["user_id"])
        text = due_message(row, zone_named(row["time_zone"]), language(row["text"]), tx.now_ms)
        op = SendMessage(assistant_account.actor_of(assistant_id, row["org_id"]), conv_id, f"reminder-{row['id']}",
                         text, None, new_id("message", tx.now_ms), preview=False,
                         card=encode_str(card(row, State.DELIVERED)), mentions=False)
        result = op.apply(tx)
        if isinstance(result, Failed):  # e.g. the owner was disabled since: the card and event still tell
            log.warning("reminder %s could not be posted: %s", row["id"], result.error)
        replace_card(tx, row["answer_message_id"], card(row, State.DELIVERED), None)
        tx.user_event(row["user_id"], "reminder.due", {"reminder": wire(row)})
