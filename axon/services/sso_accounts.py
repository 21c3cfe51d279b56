"""The account behind a directory entry or provider subject: found by link, linked by e-mail, or created.

Everything here runs inside one write transaction (``Core.write``), so two first sign-ins of the same
person at once cannot create two accounts: the identity's primary key lets one link win.
"""

from __future__ import annotations

from typing import Any

from ..domain import audit as actions
from ..domain.audit import AuditActor, AuditEvent
from ..domain.content import validate_name, validate_username
from ..domain.errors import Unauthenticated, ValidationFailed
from ..domain.ids import new_id
from ..domain.model import OrgRole
from ..domain.names import search_key
from ..domain.sso import DirectoryUser, directory_role, username_from
from ..store import accounts, sso
from ..store.tx import Tx
from .audit import AuditTrail
from .people import insert_account, revoke_devices

Row = dict[str, Any]
DIRECTORY = AuditActor(None, None, "directory sync")  # who the sync's changes are recorded as
NO_LOCAL_PASSWORD = ""  # not an Argon2 hash: no password ever verifies against it


def account_for(tx: Tx, org_id: str, kind: str, person: DirectoryUser, *, create: bool, manage_role: bool,
                audit: AuditTrail, address: str) -> Row:
    """The enabled account of ``person`` in the organisation, its name and e-mail brought up to date.

    ``create``: make an account when none is linked or has the person's e-mail address.
    ``manage_role``: the directory's admin group decides the account's organisation role.
    Links, creations, re-enablings and role changes are audited, as done by the person from ``address``.
    """
    user = sso.identity_user(tx.conn, org_id, kind, person.subject)
    if user is None:
        user = _link_or_create(tx, org_id, kind, person, create, audit, address)
    if user["disabled"] and user.get("disabled_by_sync") and person.in_access_group:
        enable_for_directory(tx, user, kind, audit)  # back in the directory's access group since the last sync
        user["disabled"] = False
    if user["disabled"]:
        raise Unauthenticated("This account is disabled: ask an administrator.", code="account_disabled")
    refresh_profile(tx, user, person)
    if manage_role:
        apply_role(tx, user, directory_role(OrgRole(user["org_role"]), person.is_admin), audit)
    return user


def _link_or_create(tx: Tx, org_id: str, kind: str, person: DirectoryUser, create: bool, audit: AuditTrail,
                    address: str) -> Row:
    user = sso.user_by_email(tx.conn, org_id, person.email) if person.email else None
    matched = "email"
    if user is None:
        if not create:
            raise Unauthenticated("No account of this organisation has your e-mail address; ask an administrator "
                                  "to create one.", code="sso_no_account")
        user, matched = _new_account(tx, org_id, person), "created"
        audit.record(tx, AuditEvent(org_id, actions.USER_CREATED, AuditActor(user["id"], None, address), "user",
                                    user["id"], {"username": user["username"], "role": user["org_role"], "via": kind}))
    sso.link_identity(tx.conn, org_id, kind, person.subject, user["id"], tx.now_ms)
    audit.record(tx, AuditEvent(org_id, actions.SSO_IDENTITY_LINKED, AuditActor(user["id"], None, address), "user",
                                user["id"], {"kind": kind, "subject": person.subject[:200], "matched": matched}))
    return user


def _new_account(tx: Tx, org_id: str, person: DirectoryUser) -> Row:
    username = _free_username(tx, org_id, username_from(person.login, person.email))
    display_name = _display_name(person.display_name) or username
    row = {"id": new_id("user", tx.now_ms), "org_id": org_id, "username": username, "email": person.email,
           "display_name": display_name, "title": "", "timezone": "UTC", "locale": "en", "status_text": "",
           "org_role": OrgRole.MEMBER.value, "disabled": False, "read_receipts": True,
           "password_hash": NO_LOCAL_PASSWORD, "stream_seq": 0, "created_at": tx.now_ms,
           "search_key": search_key(display_name, username)}
    insert_account(tx, row)  # joins the default channels in this same write
    return row


def _free_username(tx: Tx, org_id: str, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``...: the first valid one nobody in the organisation has."""
    for n in range(1, 1000):
        candidate = base if n == 1 else f"{base[:58]}-{n}"
        try:
            candidate = validate_username(candidate)
        except ValidationFailed:
            continue
        if accounts.get_user_by_username(tx.conn, org_id, candidate) is None:
            return candidate
    raise ValidationFailed("No free username could be made for this person.", field="username")


def _display_name(name: str) -> str:
    try:
        return validate_name(name, "display_name", 200)
    except ValidationFailed:
        return ""


def refresh_profile(tx: Tx, user: Row, person: DirectoryUser) -> bool:
    """Take the directory's display name and e-mail address (when valid and not another account's)."""
    values: Row = {}
    name = _display_name(person.display_name)
    if name and name != user["display_name"]:
        values["display_name"] = name
        values["search_key"] = search_key(name, user["username"])
    email = person.email
    if email and email != user["email"]:
        other = sso.user_by_email(tx.conn, user["org_id"], email)
        if other is None:
            values["email"] = email
    if values:
        accounts.update_user(tx.conn, user["id"], values)
        user.update(values)
    return bool(values)


def apply_role(tx: Tx, user: Row, role: OrgRole, audit: AuditTrail) -> bool:
    """Set the organisation role the directory's admin group says; an organisation's last enabled admin
    is never demoted (it would lock everyone out of administration)."""
    if user["org_role"] == role.value:
        return False
    if role is not OrgRole.ADMIN:
        accounts.lock_org(tx.conn, user["org_id"])
        if not [a for a in accounts.enabled_admin_ids(tx.conn, user["org_id"]) if a != user["id"]]:
            return False
    accounts.update_user(tx.conn, user["id"], {"org_role": role.value})
    audit.record(tx, AuditEvent(user["org_id"], actions.USER_ROLE_CHANGED, DIRECTORY, "user", user["id"],
                                {"from": user["org_role"], "to": role.value, "by": "directory_admin_group"}))
    user["org_role"] = role.value
    return True


def disable_for_directory(tx: Tx, user: Row, kind: str, reason: str, audit: AuditTrail) -> None:
    """The directory no longer grants access: disable the account and revoke its devices."""
    accounts.update_user(tx.conn, user["id"], {"disabled": True})
    sso.set_disabled_by_sync(tx.conn, user["org_id"], kind, user["id"], True)
    revoked = revoke_devices(tx, user["id"])
    audit.record(tx, AuditEvent(user["org_id"], actions.USER_DISABLED, DIRECTORY, "user", user["id"],
                                {"by": "directory_sync", "reason": reason, "devices_revoked": len(revoked)}))


def enable_for_directory(tx: Tx, user: Row, kind: str, audit: AuditTrail) -> None:
    """Access is back for an account the sync itself disabled (one an admin disabled stays so)."""
    accounts.update_user(tx.conn, user["id"], {"disabled": False})
    sso.set_disabled_by_sync(tx.conn, user["org_id"], kind, user["id"], False)
    audit.record(tx, AuditEvent(user["org_id"], actions.USER_ENABLED, DIRECTORY, "user", user["id"],
                                {"by": "directory_sync"}))
