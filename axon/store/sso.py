"""Single sign-on settings, linked identities, the sign-in policy and OIDC sign-ins under way: queries only."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from .schema import oidc_logins, sign_in_policies, sso_identities, sso_providers, users
from .sealed_columns import open_profile, open_provider_secret, seal_provider_secret

Row = dict[str, Any]


def _one(conn: Connection, stmt: Any) -> Row | None:
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


# --- provider settings ----------------------------------------------------------------


def _decoded(conn: Connection, row: Row | None) -> Row | None:
    """A provider row as services use it: settings parsed, the secret opened (it is sealed at rest)."""
    if row is not None:
        open_provider_secret(conn, row)
        row["config"] = json.loads(row["config"])
        row["last_sync_result"] = json.loads(row["last_sync_result"]) if row["last_sync_result"] else None
    return row


def get_provider(conn: Connection, org_id: str, kind: str) -> Row | None:
    return _decoded(conn, _one(conn, select(sso_providers).where(sso_providers.c.org_id == org_id,
                                                           sso_providers.c.kind == kind)))


def put_provider(conn: Connection, org_id: str, kind: str, enabled: bool, config: Row, secret: str | None,
                 now_ms: int) -> None:
    """Create or replace the settings; ``secret`` None keeps the stored one. The sync's state stays."""
    values: Row = {"enabled": enabled, "config": json.dumps(config, sort_keys=True), "updated_at": now_ms}
    if secret is not None:
        values["secret"] = seal_provider_secret(conn, org_id, kind, secret)
    where = (sso_providers.c.org_id == org_id, sso_providers.c.kind == kind)
    if not conn.execute(update(sso_providers).where(*where).values(**values)).rowcount:
        conn.execute(insert(sso_providers).values(org_id=org_id, kind=kind, **{"secret": "", **values}))


def delete_provider(conn: Connection, org_id: str, kind: str) -> None:
    conn.execute(delete(sso_providers).where(sso_providers.c.org_id == org_id, sso_providers.c.kind == kind))


def enabled_providers(conn: Connection, kind: str) -> list[Row]:
    stmt = select(sso_providers).where(sso_providers.c.kind == kind, sso_providers.c.enabled.is_(True))
    return [r for r in (_decoded(conn, dict(m)) for m in conn.execute(stmt).mappings()) if r is not None]


def claim_sync(conn: Connection, org_id: str, node: str, now_ms: int, lease_ms: int) -> bool:
    """Take the directory sync's lease if no node holds it: one conditional UPDATE, so of nodes
    racing for it exactly one matches."""
    result = conn.execute(
        update(sso_providers)
        .where(sso_providers.c.org_id == org_id, sso_providers.c.kind == "ldap",
               or_(sso_providers.c.sync_lease_until.is_(None), sso_providers.c.sync_lease_until <= now_ms))
        .values(sync_lease_node=node, sync_lease_until=now_ms + lease_ms))
    return bool(result.rowcount)


def finish_sync(conn: Connection, org_id: str, node: str, now_ms: int, result: Row | None) -> None:
    """Release the lease (if still ours); with ``result``, record it as the last sync."""
    values: Row = {"sync_lease_node": None, "sync_lease_until": None}
    if result is not None:
        values.update(last_sync_at=now_ms, last_sync_result=json.dumps(result))
    conn.execute(update(sso_providers).where(sso_providers.c.org_id == org_id, sso_providers.c.kind == "ldap",
                                             sso_providers.c.sync_lease_node == node).values(**values))


# --- the sign-in policy -----------------------------------------------------------------


def sso_required(conn: Connection, org_id: str) -> bool:
    stmt = select(sign_in_policies.c.sso_required).where(sign_in_policies.c.org_id == org_id)
    return bool(conn.execute(stmt).scalar())


def set_sso_required(conn: Connection, org_id: str, required: bool, now_ms: int) -> None:
    values = {"sso_required": required, "updated_at": now_ms}
    if not conn.execute(update(sign_in_policies).where(sign_in_policies.c.org_id == org_id).values(**values)).rowcount:
        conn.execute(insert(sign_in_policies).values(org_id=org_id, **values))


# --- linked identities ---------------------------------------------------------------------


def identity_user(conn: Connection, org_id: str, kind: str, subject: str) -> Row | None:
    """The account linked to a directory entry or provider subject, with the link's flags."""
    stmt = (select(users, sso_identities.c.disabled_by_sync)
            .join(sso_identities, sso_identities.c.user_id == users.c.id)
            .where(sso_identities.c.org_id == org_id, sso_identities.c.kind == kind,
                   sso_identities.c.subject == subject))
    row = _one(conn, stmt)
    return open_profile(conn, row) if row is not None else None


def user_by_email(conn: Connection, org_id: str, email: str) -> Row | None:
    row = _one(conn, select(users).where(users.c.org_id == org_id, func.lower(users.c.email) == email.lower()))
    return open_profile(conn, row) if row is not None else None  # title and status are sealed


def link_identity(conn: Connection, org_id: str, kind: str, subject: str, user_id: str, now_ms: int) -> None:
    conn.execute(insert(sso_identities).values(org_id=org_id, kind=kind, subject=subject, user_id=user_id,
                                               disabled_by_sync=False, created_at=now_ms))


def linked_users(conn: Connection, org_id: str, kind: str) -> list[Row]:
    """Every account linked to the organisation's directory, with its subject and flags."""
    stmt = (select(users, sso_identities.c.subject, sso_identities.c.disabled_by_sync)
            .join(sso_identities, sso_identities.c.user_id == users.c.id)
            .where(sso_identities.c.org_id == org_id, sso_identities.c.kind == kind))
    return [open_profile(conn, dict(r)) for r in conn.execute(stmt).mappings()]


def set_disabled_by_sync(conn: Connection, org_id: str, kind: str, user_id: str, flag: bool) -> None:
    conn.execute(update(sso_identities).where(sso_identities.c.org_id == org_id, sso_identities.c.kind == kind,
                                              sso_identities.c.user_id == user_id).values(disabled_by_sync=flag))


# --- OpenID Connect sign-ins under way -------------------------------------------------------


def insert_oidc_login(conn: Connection, row: Row) -> None:
    conn.execute(insert(oidc_logins).values(**row))
    conn.execute(delete(oidc_logins).where(oidc_logins.c.expires_at <= row["created_at"]))  # tidy up


def get_oidc_login(conn: Connection, state: str) -> Row | None:
    return _one(conn, select(oidc_logins).where(oidc_logins.c.state == state))


def complete_oidc_login(conn: Connection, state: str, user_id: str | None, error: str | None) -> bool:
    """Record the callback's outcome once: a replayed callback (same state) changes nothing."""
    result = conn.execute(update(oidc_logins)
                          .where(oidc_logins.c.state == state, oidc_logins.c.user_id.is_(None),
                                 oidc_logins.c.error.is_(None))
                          .values(user_id=user_id, error=error))
    return bool(result.rowcount)


def take_oidc_login(conn: Connection, state: str) -> Row | None:
    """Remove and return a sign-in: its outcome is handed out once."""
    found = conn.execute(delete(oidc_logins).where(oidc_logins.c.state == state)
                         .returning(*oidc_logins.c)).mappings().first()
    return dict(found) if found is not None else None
