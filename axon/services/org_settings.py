"""The organisation's permission policy and feature modules: read by the use cases that the policy
consults, changed by admins (Admin › Permissions, Admin › Modules).

A change reaches every member at once as an ``org.updated`` user event carrying the organisation as
``GET /org`` answers it (policy and modules included), so connected clients show and hide features
live and a client that was offline catches up through its user stream.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain import audit as actions
from ..domain import policy
from ..domain.audit import AuditEvent
from ..domain.model import Actor, Conversation, Membership
from ..domain.org_settings import DEFAULT_SETTINGS, OrgSettings, module_changes, policy_changes, settings_from_stored
from ..domain.policy import Action
from ..protocol.rest import Org
from ..store import accounts
from ..store import org_settings as stored
from ..store.database import Conn
from ..store.tx import Tx
from .core import Core
from .views import org_view

Row = dict[str, Any]


def settings_for(conn: Conn, org_id: str) -> OrgSettings:
    row = stored.get(conn, org_id)
    return settings_from_stored(*row) if row is not None else DEFAULT_SETTINGS


def org_for(conn: Conn, org_id: str) -> Org | None:
    row = accounts.get_org(conn, org_id)
    return org_view(row, settings_for(conn, org_id)) if row is not None else None


def announce_org(tx: Tx, org_id: str) -> Org:
    """Every enabled member gets the organisation as it now is (``org.updated``)."""
    org = org_for(tx.conn, org_id)
    assert org is not None
    for user_id in accounts.enabled_user_ids(tx.conn, org_id):
        tx.user_event(user_id, "org.updated", {"org": org})
    return org


def check_readable(conn: Conn, actor: Actor, conv: Conversation | None, member: Membership | None) -> Conversation:
    """``policy.check_can_read``; the settings matter only to a visitor (whether public channels are on),
    so members' reads, the common case, cost no extra query."""
    settings = settings_for(conn, actor.org_id) if member is None and conv is not None else DEFAULT_SETTINGS
    return policy.check_can_read(actor, conv, member, settings)


class OrgSettingsService:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def settings(self, org_id: str) -> OrgSettings:
        return await self.core.read(lambda c: settings_for(c, org_id))

    async def update_policy(self, actor: Actor, changes: Row) -> Org:
        policy.check_org_admin(actor)
        return await self._change(actor, lambda s: OrgSettings(policy_changes(s.policy, changes), s.modules))

    async def update_modules(self, actor: Actor, changes: Row) -> Org:
        policy.check_org_admin(actor)
        return await self._change(actor, lambda s: OrgSettings(s.policy, module_changes(s.modules, changes)))

    async def _change(self, actor: Actor, change: Any) -> Org:
        template = self.core.audit.event(actor, actions.ORG_POLICY_CHANGED, "org", actor.org_id)

        def apply(tx: Tx) -> Org:
            current = settings_for(tx.conn, actor.org_id)
            new: OrgSettings = change(current)
            if new == current:
                org = org_for(tx.conn, actor.org_id)
                assert org is not None
                return org
            stored.put(tx.conn, actor.org_id, new.policy.to_dict(), new.modules_dict(), tx.now_ms, actor.user_id)
            self.core.audit.record_all(tx, _changes(template, current, new))
            return announce_org(tx, actor.org_id)

        return await self.core.write(apply)

    async def check_org_action(self, actor: Actor, action: Action) -> OrgSettings:
        """Raise unless the organisation's settings let ``actor`` do ``action``; the settings otherwise."""
        settings = await self.settings(actor.org_id)
        policy.check_org(actor, action, settings)
        return settings


def _changes(template: AuditEvent, before: OrgSettings, after: OrgSettings) -> list[AuditEvent]:
    """One audit event per setting that changed: ``org.policy_changed`` naming the policy setting,
    ``org.module_changed`` naming the module."""
    old, new = before.policy.to_dict(), after.policy.to_dict()
    events = [replace(template, details={"setting": k, "from": old[k], "to": new[k]})
              for k in sorted(new) if old[k] != new[k]]
    was, now = before.modules_dict(), after.modules_dict()
    events += [replace(template, action=actions.ORG_MODULE_CHANGED, details={"module": m, "from": was[m], "to": now[m]})
               for m in sorted(now) if was[m] != now[m]]
    return events
