"""Conversations: create, find, join, leave, invite, remove, rename, topic, archive, roles.

Every change is a sequenced event in the conversation (so history shows who
joined when and who changed what) and, where it concerns one user's
membership, also an event in that user's stream.
"""

from __future__ import annotations

from typing import Any

from ..domain import audit as actions
from ..domain import policy
from ..domain.audit import AuditEvent
from ..domain.content import validate_name, validate_topic
from ..domain.errors import NotFound, ValidationFailed
from ..domain.ids import new_id
from ..domain.model import Actor, Conversation, ConversationKind, MemberRole, Membership, OrgRole
from ..domain.names import search_key, search_query
from ..domain.policy import Action, Circumstances
from ..store import accounts
from ..store import conversations as convs
from ..store.database import Conn
from ..store.errors import DuplicateKey
from ..store.tx import Tx
from .core import Core
from .org_settings import check_readable, settings_for
from .views import conversation_view
from .visibility import people_visible_to

Row = dict[str, Any]
MAX_INITIAL_MEMBERS = 1000


def summary_for(conn: Conn, user_id: str, conversation_id: str) -> Row:
    rows = convs.summaries(conn, user_id, [conversation_id])
    if not rows:
        raise NotFound("Conversation not found.")
    peers = convs.peers(conn, user_id, [conversation_id]) if rows[0]["kind"] == "direct" else {}
    return conversation_view(rows[0], peer_id=peers.get(conversation_id))


def _load(tx: Tx, actor: Actor, conversation_id: str) -> tuple[Conversation | None, Membership | None]:
    return convs.get_with_membership(tx.conn, conversation_id, actor.user_id)


def add_in(tx: Tx, conv_id: str, user_id: str, invited_by: str) -> None:
    """Inside another use case's write: ``invited_by`` adds ``user_id`` as a member (a guest invite)."""
    _add_member(tx, conv_id, user_id, MemberRole.MEMBER, invited_by)


def _add_member(tx: Tx, conv_id: str, user_id: str, role: MemberRole, invited_by: str | None) -> None:
    event = tx.conversation_event(
        conv_id, "member.joined", invited_by or user_id,
        {"user_id": user_id, "role": role.value, "invited_by": invited_by},
    )
    convs.add_member(tx.conn, conv_id, user_id, role.value, tx.now_ms, event.seq)
    tx.user_event(user_id, "conversation.joined", {"conversation": summary_for(tx.conn, user_id, conv_id)})


def _remove_member(tx: Tx, conv_id: str, user_id: str, removed_by: str | None) -> None:
    tx.conversation_event(
        conv_id, "member.left", removed_by or user_id, {"user_id": user_id, "removed_by": removed_by}
    )
    convs.remove_member(tx.conn, conv_id, user_id)
    tx.user_event(user_id, "conversation.left", {"conversation_id": conv_id, "removed_by": removed_by})


def _insert(tx: Tx, conv_id: str, org_id: str, created_by: str, kind: str, name: str, topic: str,
            direct_key: str | None) -> None:
    convs.insert_conversation(tx.conn, {
        "id": conv_id, "org_id": org_id, "kind": kind, "name": name, "topic": topic,
        "archived": False, "created_by": created_by, "created_at": tx.now_ms, "last_seq": 0,
        "member_count": 0, "direct_key": direct_key, "search_key": search_key(name),  # a sealed topic is not searchable
    })
    tx.conversation_event(conv_id, "conversation.created", created_by, {
        "conversation": {"id": conv_id, "kind": kind, "name": name, "topic": topic, "created_by": created_by}})


def create_channel_in(tx: Tx, conv_id: str, org_id: str, owner_id: str, name: str) -> None:
    """Inside another use case's write: a public channel owned by ``owner_id``, with the same
    events as one created through ``Conversations.create``."""
    _insert(tx, conv_id, org_id, owner_id, ConversationKind.CHANNEL.value, name, "", direct_key=None)
    _add_member(tx, conv_id, owner_id, MemberRole.OWNER, None)


def join_in(tx: Tx, conv_id: str, user_id: str) -> None:
    """Inside another use case's write: ``user_id`` joins the conversation as a member."""
    _add_member(tx, conv_id, user_id, MemberRole.MEMBER, None)


def direct_key(org_id: str, a: str, b: str) -> str:
    """The one key of the direct conversation between ``a`` and ``b``, whoever opens it."""
    pair = sorted({a, b})
    return f"{org_id}:{pair[0]}:{pair[-1]}"


def direct_in(tx: Tx, org_id: str, opener_id: str, peer_id: str) -> str:
    """Inside another use case's write (its checks done): the id of the direct conversation between
    ``opener_id`` and ``peer_id``, created with both as members if they have none."""
    key = direct_key(org_id, opener_id, peer_id)
    existing = convs.by_direct_key(tx.conn, key)
    if existing is not None:
        return existing.id
    conv_id = new_id("conversation", tx.now_ms)
    _insert(tx, conv_id, org_id, opener_id, ConversationKind.DIRECT.value, "", "", direct_key=key)
    _add_member(tx, conv_id, opener_id, MemberRole.MEMBER, None)
    if peer_id != opener_id:
        _add_member(tx, conv_id, peer_id, MemberRole.MEMBER, opener_id)
    return conv_id


def _org_members(conn: Conn, actor: Actor, user_ids: list[str]) -> bool:
    """Check that every user is an existing, enabled user of the organisation whom the actor may see
    (others are an error, never silently dropped); whether any of them is a guest."""
    rows = accounts.get_users(conn, user_ids)
    among = people_visible_to(conn, actor)
    valid = {r["id"]: r for r in rows if r["org_id"] == actor.org_id and not r["disabled"]
             and (among is None or r["id"] in among)}
    unknown = [u for u in user_ids if u not in valid]
    if unknown:
        raise NotFound("Some users were not found.", user_ids=unknown[:20])
    return any(valid[u]["org_role"] == OrgRole.GUEST.value for u in user_ids)


class Conversations:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def create(self, actor: Actor, kind: str, name: str, topic: str, member_ids: list[str]) -> Row:
        if kind not in (ConversationKind.GROUP.value, ConversationKind.CHANNEL.value):
            raise ValidationFailed("kind must be 'group' or 'channel' (use /conversations/direct for DMs).",
                                   field="kind")
        name = validate_name(name, "name", 80)
        topic = validate_topic(topic or "")
        others = list(dict.fromkeys(u for u in member_ids if u != actor.user_id))
        if len(others) > MAX_INITIAL_MEMBERS:
            raise ValidationFailed(f"At most {MAX_INITIAL_MEMBERS} initial members.", field="member_ids")
        now = self.core.clock.now_ms()
        conv_id = new_id("conversation", now)

        def create(tx: Tx) -> Row:
            settings = settings_for(tx.conn, actor.org_id)
            creating = Action.CREATE_CHANNEL if kind == ConversationKind.CHANNEL.value else Action.CREATE_GROUP
            policy.check_org(actor, creating, settings)
            if _org_members(tx.conn, actor, others):
                policy.check_org(actor, Action.INVITE_GUESTS, settings)
            self._insert(tx, conv_id, actor, kind, name, topic, direct_key=None)
            _add_member(tx, conv_id, actor.user_id, MemberRole.OWNER, None)
            for user_id in others:
                _add_member(tx, conv_id, user_id, MemberRole.MEMBER, actor.user_id)
            return summary_for(tx.conn, actor.user_id, conv_id)

        return await self.core.write(create)

    def _insert(self, tx: Tx, conv_id: str, actor: Actor, kind: str, name: str, topic: str,
                direct_key: str | None) -> None:
        _insert(tx, conv_id, actor.org_id, actor.user_id, kind, name, topic, direct_key)

    async def direct(self, actor: Actor, user_id: str) -> Row:
        """The one direct conversation between the caller and ``user_id`` (created on first use)."""
        if not isinstance(user_id, str) or not user_id:
            raise ValidationFailed("user_id is required.", field="user_id")
        key = direct_key(actor.org_id, actor.user_id, user_id)

        def find_or_create(tx: Tx) -> Row:
            existing = convs.by_direct_key(tx.conn, key)
            if existing is not None:
                return summary_for(tx.conn, actor.user_id, existing.id)
            peer_is_guest = _org_members(tx.conn, actor, [user_id])
            policy.check_org(actor, Action.START_DIRECT, facts=Circumstances(
                shares_conversation=user_id == actor.user_id or convs.shares_conversation(tx.conn, actor.user_id,
                                                                                          user_id),
                peer_is_guest=peer_is_guest))
            return summary_for(tx.conn, actor.user_id, direct_in(tx, actor.org_id, actor.user_id, user_id))

        try:
            return await self.core.write(find_or_create)
        except DuplicateKey:  # another node created the pair first
            return await self.core.write(find_or_create)

    async def get(self, actor: Actor, conversation_id: str) -> Row:
        def load(conn: Conn) -> Row:
            conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
            check_readable(conn, actor, conv, member)
            if member is not None:
                return summary_for(conn, actor.user_id, conversation_id)
            row = convs.get_row(conn, conversation_id)
            assert row is not None
            return conversation_view(row)

        return await self.core.read(load)

    async def list_mine(self, actor: Actor) -> list[Row]:
        def load(conn: Conn) -> list[Row]:
            rows = convs.summaries(conn, actor.user_id)
            peers = convs.peers(conn, actor.user_id, [r["id"] for r in rows if r["kind"] == "direct"])
            views = [conversation_view(r, peer_id=peers.get(r["id"])) for r in rows]
            views.sort(key=lambda v: v.last_message_at or v.created_at, reverse=True)
            return views

        return await self.core.read(load)

    async def channels(self, actor: Actor, query: str, limit: int) -> list[Row]:
        q = search_query(query)

        def load(conn: Conn) -> list[Row]:
            policy.check_org(actor, Action.BROWSE_CHANNELS, settings_for(conn, actor.org_id))
            rows = convs.public_channels(conn, actor.org_id, q, limit)
            mine = set(convs.conversation_ids_of(conn, actor.user_id))
            return [conversation_view(r, joined=r["id"] in mine) for r in rows]

        return await self.core.read(load)

    async def members(self, actor: Actor, conversation_id: str) -> list[Row]:
        def load(conn: Conn) -> list[Row]:
            conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
            check_readable(conn, actor, conv, member)
            return [{"user_id": m["user_id"], "role": m["role"], "joined_seq": m["joined_seq"]}
                    for m in convs.list_members(conn, conversation_id)]

        return await self.core.read(load)

    async def join(self, actor: Actor, conversation_id: str) -> Row:
        def join(tx: Tx) -> Row:
            conv, member = _load(tx, actor, conversation_id)
            if member is None:
                policy.check_can_join(actor, conv, member, settings_for(tx.conn, actor.org_id))
                _add_member(tx, conversation_id, actor.user_id, MemberRole.MEMBER, None)
            return summary_for(tx.conn, actor.user_id, conversation_id)

        return await self.core.write(join)

    async def leave(self, actor: Actor, conversation_id: str) -> None:
        def leave(tx: Tx) -> None:
            conv, member = _load(tx, actor, conversation_id)
            policy.check_can_leave(actor, conv, member)
            _remove_member(tx, conversation_id, actor.user_id, None)

        await self.core.write(leave)

    async def add_members(self, actor: Actor, conversation_id: str, user_ids: list[str]) -> list[str]:
        if not user_ids or len(user_ids) > MAX_INITIAL_MEMBERS:
            raise ValidationFailed(f"user_ids must list 1 to {MAX_INITIAL_MEMBERS} users.", field="user_ids")

        def add(tx: Tx) -> list[str]:
            conv, member = _load(tx, actor, conversation_id)
            policy.check_can_invite(actor, conv, member)
            current = set(convs.member_ids(tx.conn, conversation_id))
            added = [u for u in dict.fromkeys(user_ids) if u not in current]
            if _org_members(tx.conn, actor, added):
                policy.check_can_invite(actor, conv, member, settings_for(tx.conn, actor.org_id), guests=True)
            for user_id in added:
                _add_member(tx, conversation_id, user_id, MemberRole.MEMBER, actor.user_id)
            return added

        return await self.core.write(add)

    async def remove_member(self, actor: Actor, conversation_id: str, user_id: str) -> None:
        if user_id == actor.user_id:
            return await self.leave(actor, conversation_id)

        def remove(tx: Tx) -> None:
            conv, member = _load(tx, actor, conversation_id)
            target = convs.membership(tx.conn, conversation_id, user_id)
            policy.check_can_remove(actor, conv, member, target)
            _remove_member(tx, conversation_id, user_id, actor.user_id)

        await self.core.write(remove)

    async def set_role(self, actor: Actor, conversation_id: str, user_id: str, role: str) -> None:
        try:
            new_role = MemberRole(role)
        except ValueError as exc:
            raise ValidationFailed("role must be owner, admin, member or read_only.", field="role") from exc

        event = self.core.audit.event(actor, actions.CONVERSATION_ROLE_CHANGED, "conversation", conversation_id)

        def apply(tx: Tx) -> None:
            conv, member = _load(tx, actor, conversation_id)
            policy.check_can_set_role(actor, conv, member)
            target = convs.membership(tx.conn, conversation_id, user_id)
            if target is None:
                raise NotFound("That user is not a member.")
            convs.set_role(tx.conn, conversation_id, user_id, new_role.value)
            tx.conversation_event(conversation_id, "member.role_changed", actor.user_id,
                                  {"user_id": user_id, "role": new_role.value})
            self.core.audit.record(tx, event.with_details(
                user_id=user_id, **{"from": target.role.value, "to": new_role.value}))

        await self.core.write(apply)

    async def update(self, actor: Actor, conversation_id: str, name: str | None, topic: str | None,
                     announcement: bool | None = None) -> Row:
        event = self.core.audit.event(actor, actions.CONVERSATION_POLICY_CHANGED, "conversation", conversation_id)

        def apply(tx: Tx) -> Row:
            conv, member = _load(tx, actor, conversation_id)
            policy.check_member(actor, conv, member)  # also when nothing is to change: no answer for outsiders
            if announcement is not None:
                self._set_announcement(tx, event, actor, conv, member, announcement)
            if name is not None:
                policy.check_can_manage(actor, conv, member)
                assert conv is not None
                new_name = validate_name(name, "name", 80)
                if new_name != conv.name:
                    convs.update_conversation(tx.conn, conversation_id, {"name": new_name})
                    tx.conversation_event(conversation_id, "conversation.renamed", actor.user_id, {"name": new_name})
            if topic is not None:
                policy.check_can_set_topic(actor, conv, member)
                new_topic = validate_topic(topic)
                convs.update_conversation(tx.conn, conversation_id, {"topic": new_topic})
                tx.conversation_event(conversation_id, "conversation.topic_changed", actor.user_id,
                                      {"topic": new_topic})
            current = convs.get(tx.conn, conversation_id)
            assert current is not None
            convs.update_conversation(tx.conn, conversation_id, {"search_key": search_key(current.name)})
            return summary_for(tx.conn, actor.user_id, conversation_id)

        return await self.core.write(apply)

    def _set_announcement(self, tx: Tx, event: AuditEvent, actor: Actor, conv: Conversation | None,
                          member: Membership | None, announcement: bool) -> None:
        policy.check_can_manage(actor, conv, member)
        assert conv is not None
        if conv.announcement != announcement:
            convs.update_conversation(tx.conn, conv.id, {"announcement": announcement})
            tx.conversation_event(conv.id, "conversation.announcement", actor.user_id,
                                  {"announcement": announcement})
            self.core.audit.record(tx, event.with_details(setting="announcement", **{"from": conv.announcement,
                                                                                     "to": announcement}))

    async def set_archived(self, actor: Actor, conversation_id: str, archived: bool) -> Row:
        def apply(tx: Tx) -> Row:
            conv, member = _load(tx, actor, conversation_id)
            policy.check_can_manage(actor, conv, member)
            assert conv is not None
            if conv.archived != archived:
                convs.update_conversation(tx.conn, conversation_id, {"archived": archived})
                kind = "conversation.archived" if archived else "conversation.unarchived"
                tx.conversation_event(conversation_id, kind, actor.user_id, {})
            return summary_for(tx.conn, actor.user_id, conversation_id)

        return await self.core.write(apply)
