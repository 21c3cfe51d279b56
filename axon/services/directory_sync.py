"""The LDAP directory sync: names and e-mails follow the directory; people who left it (or its access
group) are disabled and their devices revoked; people the sync disabled who are back are enabled.

Safe with several nodes: before syncing an organisation a node takes the lease on its LDAP settings
row with one conditional UPDATE (``store/sso.claim_sync``), so one node syncs it at a time. Every node
looks every ``check_interval`` for organisations whose ``sync_interval_minutes`` have passed; "Sync now"
takes the same lease (and answers ``sync_running`` while another sync holds it).
"""

from __future__ import annotations

import logging
from typing import Any

from ..domain import audit as actions
from ..domain import policy
from ..domain.audit import AuditActor, AuditEvent
from ..domain.errors import Conflict
from ..domain.model import Actor, OrgRole
from ..domain.sso import DirectoryUser, LdapConfig, directory_role, ldap_config_from_stored
from ..protocol.rest_security import SyncSummary
from ..store import sso
from ..store.tx import Tx
from .audit import AuditTrail
from .core import Core
from .ports import Directory, DirectoryUnavailable
from .sso import SsoSettings, sync_view, unavailable
from .sso_accounts import DIRECTORY, apply_role, disable_for_directory, enable_for_directory, refresh_profile

log = logging.getLogger("axon.sso")
Row = dict[str, Any]
LEASE_MS = 10 * 60_000  # longer than any sync; a node that died mid-sync frees it at the end


def _sync_linked(tx: Tx, config: LdapConfig, people: list[DirectoryUser], org_id: str, audit: AuditTrail) -> Row:
    """Apply the directory to every linked account in one transaction; counts of what changed."""
    by_subject = {p.subject: p for p in people}
    counts = {"checked": 0, "updated": 0, "disabled": 0, "enabled": 0}
    for user in sso.linked_users(tx.conn, org_id, "ldap"):
        counts["checked"] += 1
        person = by_subject.get(user["subject"])
        if person is None or not person.in_access_group:
            if not user["disabled"]:
                reason = "left_directory" if person is None else "left_access_group"
                disable_for_directory(tx, user, "ldap", reason, audit)
                counts["disabled"] += 1
            continue
        if user["disabled"] and user["disabled_by_sync"]:
            enable_for_directory(tx, user, "ldap", audit)
            counts["enabled"] += 1
        changed = refresh_profile(tx, user, person)
        if config.admin_group_dn:
            role = directory_role(OrgRole(user["org_role"]), person.is_admin)
            changed = apply_role(tx, user, role, audit) or changed
        counts["updated"] += int(changed)
    return counts


class DirectorySync:
    def __init__(self, core: Core, settings: SsoSettings, directory: Directory, node_id: str,
                 check_interval: float = 60.0) -> None:
        self.core = core
        self.settings = settings
        self.directory = directory
        self.node_id = node_id
        self.check_interval = check_interval

    async def sync_now(self, actor: Actor) -> SyncSummary:
        """An admin's "Sync now": the summary of this sync."""
        policy.check_org_admin(actor)
        found = await self.settings.ldap_of(actor.org_id)
        if found is None:
            raise Conflict("Turn LDAP on first.", code="ldap_not_enabled")
        if not await self._claim(actor.org_id):
            raise Conflict("A directory sync is running; try again in a moment.", code="sync_running")
        try:
            return sync_view(await self._sync(actor.org_id, *found, self.core.audit.actor(actor)))
        except DirectoryUnavailable as exc:
            raise unavailable(exc) from exc

    async def _claim(self, org_id: str) -> bool:
        return bool(await self.core.write(lambda tx: sso.claim_sync(tx.conn, org_id, self.node_id, tx.now_ms,
                                                                     LEASE_MS)))

    async def _sync(self, org_id: str, config: LdapConfig, secret: str, who: AuditActor = DIRECTORY) -> Row:
        """Sync holding the lease; the lease is released whatever happens, the result kept on success.
        Recorded as ``sso.directory_synced`` (by ``who``: the admin of "Sync now", else the sync itself)."""
        result: Row | None = None
        try:
            people = await self.directory.people(config, secret)

            def apply(tx: Tx) -> Row:
                counts = _sync_linked(tx, config, people, org_id, self.core.audit)
                self.core.audit.record(tx, AuditEvent(org_id, actions.SSO_DIRECTORY_SYNCED, who, "org", org_id,
                                                      {"directory_entries": len(people), **counts}))
                return counts

            counts = await self.core.write(apply)
            if counts["disabled"]:
                log.info("directory sync of %s disabled %d account(s)", org_id, counts["disabled"])
            result = {"at": self.core.clock.now_ms(), "directory_entries": len(people), **counts}
            return result
        finally:
            await self.core.write(lambda tx: sso.finish_sync(tx.conn, org_id, self.node_id, tx.now_ms, result))

    async def run(self) -> None:
        """Every ``check_interval``: sync the organisations that are due (one node each, by lease)."""
        while True:
            await self.sync_due()
            await self.core.clock.sleep(self.check_interval)

    async def sync_due(self) -> None:
        now = self.core.clock.now_ms()
        for row in await self.core.read(lambda c: sso.enabled_providers(c, "ldap")):
            config = ldap_config_from_stored(row["config"])
            if row["last_sync_at"] is not None and row["last_sync_at"] + config.sync_interval_minutes * 60_000 > now:
                continue
            if not await self._claim(row["org_id"]):
                continue
            try:
                await self._sync(row["org_id"], config, row["secret"])
            except DirectoryUnavailable as exc:  # tried again at the next check
                log.warning("directory sync of %s failed: %s", row["org_id"], exc)
            except Exception:  # one organisation's failure must not end the node's task group
                log.exception("directory sync of %s failed", row["org_id"])
