"""Second factors and login challenges: queries only, no rules.

TOTP secrets are sealed at rest (``sealed_columns``): rows are opened as they are read, and a
secret is compared in Python, never in SQL (a sealed value differs from its plaintext and from
every other sealing of it).
"""

from __future__ import annotations

import hmac
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from .schema import login_challenges, recovery_codes, two_factor, users
from .sealed_columns import open_totp_secrets, seal_totp_secret

Row = dict[str, Any]


def get(conn: Connection, user_id: str) -> Row | None:
    """The user's row with its secrets opened."""
    row = _stored(conn, user_id)
    return open_totp_secrets(conn, row) if row is not None else None


def _stored(conn: Connection, user_id: str) -> Row | None:
    row = conn.execute(select(two_factor).where(two_factor.c.user_id == user_id)).mappings().first()
    return dict(row) if row is not None else None


def set_pending_secret(conn: Connection, user_id: str, secret: str) -> None:
    """Start (or restart) enrolment; an already enabled secret is kept until the new one is confirmed."""
    secret = seal_totp_secret(conn, "pending_secret", user_id, secret)
    updated = conn.execute(update(two_factor).where(two_factor.c.user_id == user_id)
                           .values(pending_secret=secret)).rowcount
    if not updated:
        conn.execute(insert(two_factor).values(user_id=user_id, pending_secret=secret))


def enable_totp(conn: Connection, user_id: str, secret: str, step: int, now_ms: int) -> bool:
    """Turn the pending secret into the account's, remembering the step of the code that confirmed it.

    Only if ``secret`` is still the pending one: the UPDATE is conditional on the sealed value read
    here, so an enrolment restarted meanwhile (a new pending secret) makes it match nothing, and a
    pending secret is used once.
    """
    row = _stored(conn, user_id)
    stored = row["pending_secret"] if row is not None else None
    if row is None or not stored:
        return False
    pending = open_totp_secrets(conn, dict(row))["pending_secret"]
    if not hmac.compare_digest(pending.encode(), secret.encode()):
        return False
    result = conn.execute(update(two_factor)
                          .where(two_factor.c.user_id == user_id, two_factor.c.pending_secret == stored)
                          .values(totp_secret=seal_totp_secret(conn, "totp_secret", user_id, secret),
                                  pending_secret=None, enabled_at=now_ms, totp_last_step=step))
    return bool(result.rowcount)


def use_totp_step(conn: Connection, user_id: str, step: int) -> bool:
    """Record that a code of ``step`` was used, unless one of this or a later step already was.

    One conditional UPDATE: of two requests racing with the same code, exactly one wins.
    """
    result = conn.execute(update(two_factor)
                          .where(two_factor.c.user_id == user_id, two_factor.c.totp_secret.is_not(None),
                                 or_(two_factor.c.totp_last_step.is_(None), two_factor.c.totp_last_step < step))
                          .values(totp_last_step=step))
    return bool(result.rowcount)


def remove(conn: Connection, user_id: str) -> bool:
    """Forget every second factor of the user (disable, or an admin's reset); True if there was one."""
    had = conn.execute(delete(two_factor).where(two_factor.c.user_id == user_id,
                                                two_factor.c.totp_secret.is_not(None))).rowcount
    conn.execute(delete(two_factor).where(two_factor.c.user_id == user_id))
    conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
    return bool(had)


def replace_recovery_codes(conn: Connection, user_id: str, code_hashes: list[str], now_ms: int) -> None:
    conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
    conn.execute(insert(recovery_codes), [{"user_id": user_id, "code_hash": h, "created_at": now_ms}
                                          for h in code_hashes])


def use_recovery_code(conn: Connection, user_id: str, code_hash: str, now_ms: int) -> bool:
    result = conn.execute(update(recovery_codes)
                          .where(recovery_codes.c.user_id == user_id, recovery_codes.c.code_hash == code_hash,
                                 recovery_codes.c.used_at.is_(None))
                          .values(used_at=now_ms))
    return bool(result.rowcount)


def recovery_codes_left(conn: Connection, user_id: str) -> int:
    stmt = select(func.count()).select_from(recovery_codes).where(recovery_codes.c.user_id == user_id,
                                                                  recovery_codes.c.used_at.is_(None))
    return int(conn.execute(stmt).scalar_one())


def users_with_totp(conn: Connection, user_ids: list[str]) -> set[str]:
    if not user_ids:
        return set()
    stmt = select(two_factor.c.user_id).where(two_factor.c.user_id.in_(user_ids), two_factor.c.totp_secret.is_not(None))
    return set(conn.execute(stmt).scalars())


def org_users_without_totp(conn: Connection, org_id: str) -> list[str]:
    """Enabled members of the organisation who have no second factor (people: the assistant never signs in)."""
    enrolled = select(two_factor.c.user_id).where(two_factor.c.totp_secret.is_not(None))
    stmt = select(users.c.id).where(users.c.org_id == org_id, users.c.disabled.is_(False), users.c.kind == "person",
                                    users.c.id.not_in(enrolled))
    return list(conn.execute(stmt).scalars())


# --- login challenges ------------------------------------------------------------


def insert_challenge(conn: Connection, row: Row) -> None:
    conn.execute(insert(login_challenges).values(**row))
    conn.execute(delete(login_challenges).where(login_challenges.c.expires_at <= row["created_at"]))  # tidy up


def get_challenge(conn: Connection, token_hash: str) -> Row | None:
    row = conn.execute(select(login_challenges).where(login_challenges.c.token_hash == token_hash)).mappings().first()
    return dict(row) if row is not None else None


def take_challenge(conn: Connection, token_hash: str) -> bool:
    """Use up a challenge: True for exactly one of the requests that race to complete it."""
    return bool(conn.execute(delete(login_challenges).where(login_challenges.c.token_hash == token_hash)).rowcount)


def drop_challenges(conn: Connection, user_id: str) -> None:
    conn.execute(delete(login_challenges).where(login_challenges.c.user_id == user_id))
