"""Retention policies and legal holds: admins set them; a background job erases expired messages.

Expired messages are erased exactly as a delete erases them (``messages.erase_message``): the
message keeps its place (seq) as a tombstone with empty text, every stored event that carried its
text is rewritten, its reactions, pin and mentions go, and a ``message.deleted`` event with no actor
tells every client. Nothing else about the wire changes.

The job is safe with several nodes: a lease (``job_leases``, taken by a conditional update) lets one
node at a time apply the policies; it erases in bounded batches (one transaction each, through the
group-commit writer), re-reading holds and policies in each batch's transaction so a hold placed
meanwhile wins, and records each batch in the audit log (counts and seq ranges, never the content).
"""

from __future__ import annotations

import logging
from typing import Any

from ..domain import audit as actions
from ..domain import policy
from ..domain.audit import AuditActor, AuditEvent
from ..domain.clock import iso, iso_from_ms
from ..domain.errors import NotFound
from ..domain.ids import new_id
from ..domain.model import Actor
from ..domain.retention import cutoff_ms, effective_days, validate_conversation_retention, validate_hold
from ..protocol.rest_audit import ConversationRetention, LegalHold
from ..store import accounts
from ..store import conversations as convs
from ..store import retention as store
from ..store.database import Conn
from ..store.tx import Tx
from .core import Core
from .messages import erase_message
from .periodic import every

log = logging.getLogger("axon.retention")
Row = dict[str, Any]
LEASE = "retention"


class Retention:
    def __init__(self, core: Core, node_id: str, batch: int = 200, lease_seconds: float = 300.0) -> None:
        self.core = core
        self.node_id = node_id
        self.batch = batch
        self.lease_ms = int(lease_seconds * 1000)

    # --- admins --------------------------------------------------------------------

    async def conversation_retention(self, actor: Actor, conversation_id: str) -> ConversationRetention:
        policy.check_org_admin(actor)
        return await self.core.read(lambda c: _retention_view(c, actor, conversation_id))

    async def set_conversation_retention(self, actor: Actor, conversation_id: str,
                                         days: int | None) -> ConversationRetention:
        policy.check_org_admin(actor)
        days = validate_conversation_retention(days)
        event = self.core.audit.event(actor, actions.CONVERSATION_RETENTION_CHANGED, "conversation", conversation_id)

        def apply(tx: Tx) -> ConversationRetention:
            before = _retention_view(tx.conn, actor, conversation_id)
            store.set_conversation_retention(tx.conn, conversation_id, days)
            if before.retention_days != days:
                self.core.audit.record(tx, event.with_details(**{"from": before.retention_days, "to": days}))
            return _retention_view(tx.conn, actor, conversation_id)

        return await self.core.write(apply)

    async def holds(self, actor: Actor) -> list[LegalHold]:
        policy.check_org_admin(actor)
        return await self.core.read(lambda c: _hold_views(c, store.list_holds(c, actor.org_id)))

    async def place_hold(self, actor: Actor, target_type: str, target_id: str, reason: str) -> LegalHold:
        policy.check_org_admin(actor)
        reason = validate_hold(target_type, reason)
        now = self.core.clock.now_ms()
        row = {"id": new_id("hold", now), "org_id": actor.org_id, "target_type": target_type,
               "target_id": target_id, "reason": reason, "created_by": _user(actor), "created_at": now,
               "released_at": None, "released_by": None}
        event = self.core.audit.event(actor, actions.LEGAL_HOLD_PLACED, target_type, target_id, hold_id=row["id"],
                                      reason=reason)

        def apply(tx: Tx) -> LegalHold:
            _require_target(tx.conn, actor, target_type, target_id)
            store.insert_hold(tx.conn, row)
            self.core.audit.record(tx, event)
            return _hold_views(tx.conn, [row])[0]

        return await self.core.write(apply)

    async def release_hold(self, actor: Actor, hold_id: str) -> LegalHold:
        policy.check_org_admin(actor)
        found = await self.core.read(lambda c: store.get_hold(c, hold_id))
        if found is None or found["org_id"] != actor.org_id:
            raise NotFound("Legal hold not found.")
        event = self.core.audit.event(actor, actions.LEGAL_HOLD_RELEASED, found["target_type"], found["target_id"],
                                      hold_id=hold_id)

        def apply(tx: Tx) -> LegalHold:
            if store.release_hold(tx.conn, hold_id, _user(actor), tx.now_ms):
                self.core.audit.record(tx, event)
            row = store.get_hold(tx.conn, hold_id)
            assert row is not None
            return _hold_views(tx.conn, [row])[0]

        return await self.core.write(apply)

    # --- the job -------------------------------------------------------------------

    async def run(self, interval: float) -> None:
        await every(self.core.clock, interval, self.apply_policies, log, "applying retention")

    async def apply_policies(self) -> int:
        """One round, if this node holds the lease: erase what every policy expires. Returns how many."""
        erased = 0
        for conv in await self.core.read(store.conversations_with_retention):
            while True:
                if not await self._hold_lease():
                    return erased
                count = await self.core.write(lambda tx, c=conv: self._erase_batch(tx, c["id"], c["org_id"]))
                erased += count
                if count < self.batch:
                    break
        return erased

    async def _hold_lease(self) -> bool:
        def claim(tx: Tx) -> bool:
            return store.claim_lease(tx.conn, LEASE, self.node_id, tx.now_ms, tx.now_ms + self.lease_ms)

        return bool(await self.core.write(claim))

    def _erase_batch(self, tx: Tx, conversation_id: str, org_id: str) -> int:
        """Erase up to ``batch`` expired messages of one conversation, with the policy and holds as of now."""
        conn = tx.conn
        conv = convs.get(conn, conversation_id)
        org = accounts.get_org(conn, org_id)
        if conv is None or org is None or store.conversation_held(conn, conversation_id):
            return 0
        days = effective_days(org.get("retention_days"), _conversation_days(conn, conversation_id))
        if days is None:
            return 0
        before = cutoff_ms(tx.now_ms, days)
        expired = store.expired_messages(conn, conversation_id, before, store.held_user_ids(conn, org_id), self.batch)
        for row in expired:
            erase_message(tx, row, None)
        if expired:
            self.core.audit.record(tx, AuditEvent(org_id, actions.RETENTION_APPLIED, AuditActor.system(),
                                                  "conversation", conversation_id, {
                                                      "erased": len(expired), "first_seq": expired[0]["seq"],
                                                      "last_seq": expired[-1]["seq"], "retention_days": days,
                                                      "older_than": iso(before)}))
        return len(expired)


def _user(actor: Actor) -> str | None:
    return None if actor.user_id == "cli" else actor.user_id


def _conversation_days(conn: Conn, conversation_id: str) -> int | None:
    row = convs.get_row(conn, conversation_id)
    return row.get("retention_days") if row is not None else None


def _require_target(conn: Conn, actor: Actor, target_type: str, target_id: str) -> None:
    if target_type == "user":
        user = accounts.get_user(conn, target_id)
        if user is None or not policy.visible_in_org(actor, user["org_id"]):
            raise NotFound("User not found.")
        return
    conv = convs.get(conn, target_id)
    if conv is None or not policy.visible_in_org(actor, conv.org_id):
        raise NotFound("Conversation not found.")


def _retention_view(conn: Conn, actor: Actor, conversation_id: str) -> ConversationRetention:
    conv = convs.get(conn, conversation_id)
    if conv is None or not policy.visible_in_org(actor, conv.org_id):
        raise NotFound("Conversation not found.")
    org = accounts.get_org(conn, conv.org_id)
    assert org is not None
    days = _conversation_days(conn, conversation_id)
    return ConversationRetention(conversation_id, days, effective_days(org.get("retention_days"), days),
                                 store.conversation_held(conn, conversation_id))


def _hold_views(conn: Conn, rows: list[Row]) -> list[LegalHold]:
    users = {u["id"]: u["display_name"] for u in accounts.get_users(
        conn, sorted({r["target_id"] for r in rows if r["target_type"] == "user"}))}
    names: dict[str, str] = {}
    for r in rows:
        if r["target_type"] == "conversation" and r["target_id"] not in names:
            conv = convs.get(conn, r["target_id"])
            names[r["target_id"]] = conv.name if conv is not None else r["target_id"]
    return [LegalHold(r["id"], r["target_type"], r["target_id"],
                      users.get(r["target_id"]) if r["target_type"] == "user" else names.get(r["target_id"]),
                      r["reason"], r["created_by"], iso_from_ms(r["created_at"]), iso_from_ms(r["released_at"]),
                      r["released_by"]) for r in rows]
