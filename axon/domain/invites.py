"""When an invite link may still admit someone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import Gone, NotFound

INVITE_GONE = "This invite link has expired, was revoked or is used up."


def invite_usable(invite: Mapping[str, Any], now_ms: int) -> bool:
    """Not revoked, not expired at ``now_ms``, and a use left (``max_uses`` None: unlimited).

    The store takes a use with the same three conditions in one UPDATE
    (``accounts.use_invite``): this function is for answering before that write.
    """
    if invite["revoked_at"] is not None:
        return False
    if invite["expires_at"] is not None and invite["expires_at"] <= now_ms:
        return False
    return invite["max_uses"] is None or invite["uses"] < invite["max_uses"]


def check_invite_usable(invite: Mapping[str, Any] | None, now_ms: int) -> Mapping[str, Any]:
    if invite is None:
        raise NotFound("Invite not found.")
    if not invite_usable(invite, now_ms):
        raise Gone(INVITE_GONE)
    return invite
