"""Organisations, users, devices and invites: queries only, no rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from .driver_sql import PreparedQuery
from .errors import duplicate_key_on_integrity_error
from .schema import devices, invites, orgs, pending_signups, users
from .sealed_columns import open_profile, seal_profile
from .sealing import keyring_of

Row = dict[str, Any]


def _one(conn: Connection, stmt: Any) -> Row | None:
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def _user(conn: Connection, row: Any) -> Row:
    return open_profile(conn, dict(row))


# --- organisations -----------------------------------------------------------


def insert_org(conn: Connection, row: Row) -> None:
    """Insert the organisation and its first data key (it has no plaintext row to seal later)."""
    conn.execute(insert(orgs).values(**row))
    keyring = keyring_of(conn)
    if keyring.enabled:
        keyring.create_key(conn, row["id"], row["created_at"], all_sealed=True, seal_now=True)


def get_org(conn: Connection, org_id: str) -> Row | None:
    return _one(conn, select(orgs).where(orgs.c.id == org_id))


def get_org_by_slug(conn: Connection, slug: str) -> Row | None:
    return _one(conn, select(orgs).where(orgs.c.slug == slug))


def list_orgs(conn: Connection) -> list[Row]:
    return [dict(r) for r in conn.execute(select(orgs).order_by(orgs.c.created_at)).mappings()]


def update_org(conn: Connection, org_id: str, values: Row) -> None:
    conn.execute(update(orgs).where(orgs.c.id == org_id).values(**values))


def lock_org(conn: Connection, org_id: str) -> None:
    """Hold the organisation's row until the transaction ends (PostgreSQL; SQLite has one writer)."""
    conn.execute(select(orgs.c.id).where(orgs.c.id == org_id).with_for_update())


def enabled_admin_ids(conn: Connection, org_id: str, roles: tuple[str, ...] = ("owner", "admin")) -> list[str]:
    """The enabled users of the organisation with one of ``roles`` (by default: admins, owners included)."""
    stmt = select(users.c.id).where(users.c.org_id == org_id, users.c.org_role.in_(roles),
                                    users.c.disabled.is_(False))
    return list(conn.execute(stmt).scalars())


def enabled_user_ids(conn: Connection, org_id: str) -> list[str]:
    stmt = select(users.c.id).where(users.c.org_id == org_id, users.c.disabled.is_(False))
    return list(conn.execute(stmt).scalars())


def count_orgs(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(orgs)).scalar_one())


# --- users -------------------------------------------------------------------


def insert_user(conn: Connection, row: Row) -> None:
    """Raises ``DuplicateKey`` when the username or e-mail is taken in the organisation."""
    row = seal_profile(conn, row["org_id"], row["id"], row)
    with duplicate_key_on_integrity_error():
        conn.execute(insert(users).values(**row))


def get_user(conn: Connection, user_id: str) -> Row | None:
    row = _USER_BY_ID.first(conn, user_id=user_id)
    return open_profile(conn, row) if row is not None else None


# Prepared once: every connect reads the user and the device.
_USER_BY_ID = PreparedQuery(select(users).where(users.c.id == bindparam("user_id")))


def get_users(conn: Connection, user_ids: list[str]) -> list[Row]:
    if not user_ids:
        return []
    return [_user(conn, r) for r in conn.execute(select(users).where(users.c.id.in_(user_ids))).mappings()]


def find_users_for_login(conn: Connection, login: str, org_id: str | None) -> list[Row]:
    login = login.strip().lower()
    stmt = select(users).where(or_(users.c.username == login, func.lower(users.c.email) == login),
                               users.c.kind == "person")  # the assistant never signs in
    if org_id is not None:
        stmt = stmt.where(users.c.org_id == org_id)
    return [_user(conn, r) for r in conn.execute(stmt).mappings()]


def assistant_of(conn: Connection, org_id: str) -> str | None:
    """The id of the organisation's @axon account (``services/assistant_account.py``), if it has one."""
    found = conn.execute(select(users.c.id).where(users.c.org_id == org_id, users.c.kind == "assistant")
                         .order_by(users.c.created_at, users.c.id).limit(1)).scalar()
    return str(found) if found is not None else None


def orgs_without_assistant(conn: Connection) -> list[str]:
    has = select(users.c.org_id).where(users.c.kind == "assistant")
    return [str(r) for r in conn.execute(select(orgs.c.id).where(orgs.c.id.not_in(has))).scalars()]


def get_user_by_username(conn: Connection, org_id: str, username: str) -> Row | None:
    row = _one(conn, select(users).where(users.c.org_id == org_id, users.c.username == username))
    return open_profile(conn, row) if row is not None else None


def user_ids_by_usernames(conn: Connection, org_id: str, usernames: list[str]) -> dict[str, str]:
    if not usernames:
        return {}
    rows = conn.execute(
        select(users.c.username, users.c.id).where(users.c.org_id == org_id, users.c.username.in_(usernames))
    )
    return {r.username: r.id for r in rows}


def email_taken(conn: Connection, org_id: str, email: str) -> bool:
    stmt = select(users.c.id).where(users.c.org_id == org_id, func.lower(users.c.email) == email.lower())
    return conn.execute(stmt).first() is not None


def update_user(conn: Connection, user_id: str, values: Row) -> None:
    """Change columns of a user; profile fields that are sealed are sealed."""
    if "title" in values or "status_text" in values:
        values = seal_profile(conn, keyring_of(conn).org_of_user(conn, user_id), user_id, values)
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def search_users(
    conn: Connection, org_id: str, query: str, after_key: tuple[str, str] | None, limit: int,
    match_email: bool = False, among: set[str] | None = None,
) -> list[Row]:
    """Users whose search key (names, pinyin) holds every word; with ``match_email``, or whose e-mail does.
    ``among``: only these users (a guest's directory)."""
    stmt = select(users).where(users.c.org_id == org_id)
    if among is not None:
        stmt = stmt.where(users.c.id.in_(sorted(among)))
    for word in query.split():
        in_names = users.c.search_key.contains(word, autoescape=True)
        stmt = stmt.where(or_(in_names, func.lower(users.c.email).contains(word, autoescape=True))
                          if match_email else in_names)
    if after_key is not None:
        name, uid = after_key
        stmt = stmt.where(
            or_(users.c.display_name > name, and_(users.c.display_name == name, users.c.id > uid))
        )
    stmt = stmt.order_by(users.c.display_name, users.c.id).limit(limit)
    return [_user(conn, r) for r in conn.execute(stmt).mappings()]


# --- devices -----------------------------------------------------------------


def insert_device(conn: Connection, row: Row) -> None:
    conn.execute(insert(devices).values(**row))


def device_by_token_hash(conn: Connection, token_hash: str) -> Row | None:
    return _DEVICE_BY_TOKEN_HASH.first(conn, token_hash=token_hash)


_DEVICE_BY_TOKEN_HASH = PreparedQuery(
    select(
        devices.c.id.label("device_id"),
        devices.c.revoked_at,
        users.c.id.label("user_id"),
        users.c.org_id,
        users.c.org_role,
        users.c.disabled,
        devices.c.created_at,
        devices.c.last_seen_at,
        devices.c.wipe_requested_at,
        devices.c.wiped_at,
        orgs.c.session_idle_days,
        orgs.c.session_max_days,
    )
    .join(users, users.c.id == devices.c.user_id)
    .join(orgs, orgs.c.id == users.c.org_id)
    .where(devices.c.token_hash == bindparam("token_hash"))
)


def get_device(conn: Connection, device_id: str) -> Row | None:
    return _one(conn, select(devices).where(devices.c.id == device_id))


def list_devices(conn: Connection, user_id: str) -> list[Row]:
    stmt = select(devices).where(devices.c.user_id == user_id).order_by(devices.c.created_at)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def revoke_device(conn: Connection, device_id: str, now_ms: int) -> bool:
    result = conn.execute(
        update(devices)
        .where(devices.c.id == device_id, devices.c.revoked_at.is_(None))
        .values(revoked_at=now_ms)
    )
    return bool(result.rowcount)


def active_device_ids(conn: Connection, user_id: str) -> list[str]:
    stmt = select(devices.c.id).where(devices.c.user_id == user_id, devices.c.revoked_at.is_(None))
    return list(conn.execute(stmt).scalars())


def devices_revoked_since(conn: Connection, since_ms: int) -> list[tuple[str, int, bool]]:
    """(device id, revoked at, whether a wipe is pending) of the devices revoked at or after ``since_ms``."""
    wipe_pending = and_(devices.c.wipe_requested_at.is_not(None), devices.c.wiped_at.is_(None))
    stmt = select(devices.c.id, devices.c.revoked_at, wipe_pending).where(devices.c.revoked_at >= since_ms)
    return [(str(i), int(at), bool(wipe)) for i, at, wipe in conn.execute(stmt).all()]


def touch_devices(conn: Connection, seen: dict[str, tuple[int, str]]) -> None:
    """Store when (ms) and from where each device was last seen."""
    for device_id, (at, address) in seen.items():
        values: Row = {"last_seen_at": at}
        if address:
            values["last_address"] = address[:64]
        conn.execute(update(devices).where(devices.c.id == device_id).values(**values))


def order_wipe(conn: Connection, device_id: str, now_ms: int) -> bool:
    """Order a device to wipe itself, revoking it too; False when it was ordered already or wiped."""
    result = conn.execute(
        update(devices)
        .where(devices.c.id == device_id, devices.c.wipe_requested_at.is_(None), devices.c.wiped_at.is_(None))
        .values(wipe_requested_at=now_ms, revoked_at=func.coalesce(devices.c.revoked_at, now_ms))
    )
    return bool(result.rowcount)


def confirm_wipe(conn: Connection, token_hash: str, now_ms: int) -> Row | None:
    """The device holding this token reports its data wiped: once only, and its token is revoked for good.
    Returns the device (id, user_id, org_id) or None when no wipe is pending for that token."""
    pending = and_(devices.c.token_hash == token_hash, devices.c.wipe_requested_at.is_not(None),
                   devices.c.wiped_at.is_(None))
    row = _one(conn, select(devices.c.id, devices.c.user_id, users.c.org_id)
               .join(users, users.c.id == devices.c.user_id).where(pending))
    if row is None:
        return None
    result = conn.execute(
        update(devices)
        .where(devices.c.id == row["id"], devices.c.wiped_at.is_(None))
        .values(wiped_at=now_ms, revoked_at=func.coalesce(devices.c.revoked_at, now_ms))
    )
    return row if result.rowcount else None


# --- invites -----------------------------------------------------------------


def insert_invite(conn: Connection, row: Row) -> None:
    conn.execute(insert(invites).values(**row))


def invite_by_token_hash(conn: Connection, token_hash: str) -> Row | None:
    return _one(conn, select(invites).where(invites.c.token_hash == token_hash))


def get_invite(conn: Connection, invite_id: str) -> Row | None:
    return _one(conn, select(invites).where(invites.c.id == invite_id))


def list_invites(conn: Connection, org_id: str) -> list[Row]:
    stmt = select(invites).where(invites.c.org_id == org_id).order_by(invites.c.created_at.desc())
    return [dict(r) for r in conn.execute(stmt).mappings()]


def use_invite(conn: Connection, invite_id: str, now_ms: int) -> bool:
    """Count one use of the invite if it is still usable at ``now_ms``; False when it is not.

    One conditional UPDATE, not a read and a write: of concurrent sign-ups through the
    invite's last use, the row lock lets exactly one match the condition.
    """
    result = conn.execute(
        update(invites)
        .where(
            invites.c.id == invite_id,
            invites.c.revoked_at.is_(None),
            or_(invites.c.max_uses.is_(None), invites.c.uses < invites.c.max_uses),
            or_(invites.c.expires_at.is_(None), invites.c.expires_at > now_ms),
        )
        .values(uses=invites.c.uses + 1)
    )
    return bool(result.rowcount)


def revoke_invite(conn: Connection, invite_id: str, now_ms: int) -> None:
    conn.execute(update(invites).where(invites.c.id == invite_id).values(revoked_at=now_ms))


# --- open sign-ups waiting for their e-mail confirmation -------------------------


def insert_pending_signup(conn: Connection, row: Row) -> None:
    conn.execute(insert(pending_signups).values(**row))
    conn.execute(delete(pending_signups).where(pending_signups.c.expires_at <= row["created_at"]))  # tidy up


def take_pending_signup(conn: Connection, token_hash: str) -> Row | None:
    """Remove and return the pending sign-up of a confirmation link: a link works once."""
    found = conn.execute(delete(pending_signups).where(pending_signups.c.token_hash == token_hash)
                         .returning(*pending_signups.c)).mappings().first()
    return dict(found) if found is not None else None
