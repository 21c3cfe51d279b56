"""Whom a user may see: everyone in their organisation, except that a guest sees only the people of
the conversations they are in (the policy's ``SEE_DIRECTORY``). Profiles, the directory, avatars
and presence all ask here."""

from __future__ import annotations

from typing import Any

from ..domain import policy
from ..domain.model import Actor
from ..domain.policy import Action
from ..store import conversations as convs
from ..store.database import Conn


def people_visible_to(conn: Conn, actor: Actor) -> set[str] | None:
    """The user ids the actor may see, or None for "everyone in the organisation"."""
    return None if policy.allowed(actor, Action.SEE_DIRECTORY) else convs.co_member_ids(conn, actor.user_id)


def can_see_user(conn: Conn, actor: Actor, row: dict[str, Any] | None) -> bool:
    if row is None or not policy.visible_in_org(actor, row["org_id"]):
        return False
    among = people_visible_to(conn, actor)
    return among is None or row["id"] in among
