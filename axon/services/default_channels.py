"""Each organisation's #general and the default channels every new member joins.

#general is created in the write that gives an organisation its first admin (its owner): for
a new organisation that is the write creating it (``People.create_org`` with an admin); for an
organisation from before default channels, or made by ``axon admin create-org`` without an admin,
the start-up step ``ensure_general_channels`` or its first admin's creation. It is written through
``conversations.create_channel_in``, so its events are sequenced and published like any channel's.
A new member joins the default channels in the write that creates the account (``join_defaults``).
"""

from __future__ import annotations

from typing import Any

from ..domain import audit as actions
from ..domain import policy
from ..domain.errors import NotFound, ValidationFailed
from ..domain.ids import new_id
from ..domain.model import Actor, ConversationKind
from ..store import accounts
from ..store import conversations as convs
from ..store import default_channels as defaults
from ..store.database import Conn
from ..store.tx import Tx
from .conversations import create_channel_in, join_in
from .core import Core
from .views import conversation_view

Row = dict[str, Any]
GENERAL = "general"
MAX_DEFAULT_CHANNELS = 50


def ensure_general(tx: Tx, org_id: str, owner_id: str) -> None:
    """Give the organisation its #general (owned by ``owner_id``) unless it has one; an existing
    public channel named "general" is adopted rather than duplicated. It becomes a default channel."""
    org = accounts.get_org(tx.conn, org_id)
    if org is None or org["general_channel_id"] is not None:
        return
    existing = defaults.public_channel_named(tx.conn, org_id, GENERAL)
    conv_id = existing or new_id("conversation", tx.now_ms)
    if not defaults.claim_general(tx.conn, org_id, conv_id):
        return  # another node gave it one a moment ago
    if existing is None:
        create_channel_in(tx, conv_id, org_id, owner_id, GENERAL)
    defaults.append(tx.conn, org_id, conv_id)


def join_defaults(tx: Tx, org_id: str, user_id: str) -> None:
    """The new member joins each default channel that is still public and not archived."""
    for conv_id in defaults.channel_ids(tx.conn, org_id):
        conv, member = convs.get_with_membership(tx.conn, conv_id, user_id)
        if conv is not None and conv.kind is ConversationKind.CHANNEL and not conv.archived and member is None:
            join_in(tx, conv_id, user_id)


class DefaultChannels:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def list(self, actor: Actor) -> list[Row]:
        policy.check_can_manage_default_channels(actor)
        return await self.core.read(lambda c: _views(c, actor))

    async def choose(self, actor: Actor, channel_ids: list[str]) -> list[Row]:
        """Replace the default channels (order kept, duplicates dropped); all or nothing."""
        policy.check_can_manage_default_channels(actor)
        wanted = list(dict.fromkeys(channel_ids))
        if len(wanted) > MAX_DEFAULT_CHANNELS:
            raise ValidationFailed(f"At most {MAX_DEFAULT_CHANNELS} default channels.", field="channel_ids")

        event = self.core.audit.event(actor, actions.ORG_DEFAULT_CHANNELS_CHANGED, "org", actor.org_id)

        def apply(tx: Tx) -> list[Row]:
            before = defaults.channel_ids(tx.conn, actor.org_id)
            for conv_id in wanted:
                conv, member = convs.get_with_membership(tx.conn, conv_id, actor.user_id)
                try:
                    policy.check_can_be_default_channel(actor, conv, member)
                except NotFound as exc:
                    raise NotFound(f"There is no channel {conv_id!r} in this organisation.",
                                   channel_id=conv_id) from exc
            defaults.replace(tx.conn, actor.org_id, wanted)
            if before != wanted:
                self.core.audit.record(tx, event.with_details(**{"from": before, "to": wanted}))
            return _views(tx.conn, actor)

        return await self.core.write(apply)

    async def ensure_general_channels(self) -> None:
        """Start-up step, idempotent: every organisation with an admin but no #general gets one."""
        for org_id in await self.core.read(defaults.orgs_without_general):
            await self.core.write(lambda tx, org=org_id: _ensure_with_first_admin(tx, org))


def _ensure_with_first_admin(tx: Tx, org_id: str) -> None:
    owner = defaults.first_admin(tx.conn, org_id)
    if owner is not None:
        ensure_general(tx, org_id, owner)


def _views(conn: Conn, actor: Actor) -> list[Row]:
    mine = set(convs.conversation_ids_of(conn, actor.user_id))
    rows = [convs.get_row(conn, cid) for cid in defaults.channel_ids(conn, actor.org_id)]
    return [conversation_view(r, joined=r["id"] in mine) for r in rows if r is not None]
