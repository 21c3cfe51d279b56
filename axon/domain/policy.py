"""The permission policy: every REST call and WebSocket frame is judged here.

Pure functions of (actor, conversation, membership). Each ``check_*`` returns
nothing or raises. A conversation the actor may not even know about raises
``NotFound`` (never ``Forbidden``) so that ids of other people's private
conversations cannot be probed.
"""

from __future__ import annotations

from .errors import Forbidden, NotFound, ValidationFailed
from .model import Actor, Conversation, ConversationKind, MemberRole, Membership


def check_visible(actor: Actor, conv: Conversation | None, member: Membership | None) -> Conversation:
    """The actor may know the conversation exists (member, or a public channel of their org)."""
    if conv is None or conv.org_id != actor.org_id:
        raise NotFound("Conversation not found.")
    if member is None and conv.kind is not ConversationKind.CHANNEL:
        raise NotFound("Conversation not found.")
    return conv


def check_can_read(actor: Actor, conv: Conversation | None, member: Membership | None) -> Conversation:
    """History is readable by members; a public channel may be previewed by the whole org."""
    return check_visible(actor, conv, member)


def check_member(actor: Actor, conv: Conversation | None, member: Membership | None) -> Membership:
    check_visible(actor, conv, member)
    if member is None:
        raise Forbidden("Join the channel first.")
    return member


def check_can_post(actor: Actor, conv: Conversation | None, member: Membership | None) -> Membership:
    membership = check_member(actor, conv, member)
    assert conv is not None
    if conv.archived:
        raise Forbidden("The conversation is archived.", code="archived")
    return membership


def check_can_join(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    check_visible(actor, conv, member)
    assert conv is not None
    if conv.kind is not ConversationKind.CHANNEL:
        raise Forbidden("Only public channels can be joined; ask a member to invite you.")
    if conv.archived:
        raise Forbidden("The conversation is archived.", code="archived")


def check_can_leave(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    check_member(actor, conv, member)
    assert conv is not None
    if conv.kind is ConversationKind.DIRECT:
        raise Forbidden("A direct conversation cannot be left.")


def check_can_invite(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    check_can_post(actor, conv, member)
    assert conv is not None
    if conv.kind is ConversationKind.DIRECT:
        raise Forbidden("A direct conversation has exactly two members.")


def _check_manager(actor: Actor, member: Membership) -> None:
    if not (member.is_manager or actor.is_org_admin):
        raise Forbidden("Only the conversation's owners and admins may do this.")


def check_can_remove(
    actor: Actor, conv: Conversation | None, member: Membership | None, target: Membership | None
) -> Membership:
    check_can_invite(actor, conv, member)
    assert member is not None
    membership = member
    if target is None:
        raise NotFound("That user is not a member.")
    _check_manager(actor, membership)
    if target.role is MemberRole.OWNER and membership.role is not MemberRole.OWNER and not actor.is_org_admin:
        raise Forbidden("Only an owner may remove an owner.")
    return target


def check_can_manage(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    """Rename, archive, change roles."""
    membership = check_member(actor, conv, member)
    assert conv is not None
    if conv.kind is ConversationKind.DIRECT:
        raise Forbidden("A direct conversation has no name or settings to manage.")
    _check_manager(actor, membership)


def check_can_set_topic(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    check_can_post(actor, conv, member)
    assert conv is not None
    if conv.kind is ConversationKind.DIRECT:
        raise Forbidden("A direct conversation has no topic.")


def check_can_set_role(actor: Actor, member: Membership, new_role: MemberRole) -> None:
    if not (member.role is MemberRole.OWNER or actor.is_org_admin):
        raise Forbidden("Only owners may change roles.")


def check_can_edit_message(actor: Actor, sender_id: str, deleted: bool, forwarded: bool = False) -> None:
    if deleted:
        raise NotFound("Message not found.")
    if sender_id != actor.user_id:
        raise Forbidden("Only the author may edit a message.")
    if forwarded:
        raise Forbidden("A forwarded message is a copy of its source and cannot be edited.")


def check_can_delete_message(actor: Actor, member: Membership, sender_id: str, deleted: bool) -> None:
    if deleted:
        raise NotFound("Message not found.")
    if sender_id != actor.user_id and not (member.is_manager or actor.is_org_admin):
        raise Forbidden("Only the author or a conversation admin may delete a message.")


def check_org_admin(actor: Actor) -> None:
    if not actor.is_org_admin:
        raise Forbidden("Only organisation admins may do this.")


def check_can_read_audit_log(actor: Actor) -> None:
    """Browsing and exporting the audit log: organisation admins (it names who did what, from where)."""
    if not actor.is_org_admin:
        raise Forbidden("Only organisation admins may read the audit log.")


def check_can_export(actor: Actor) -> None:
    """Compliance exports (a conversation, a user's data): organisation admins."""
    if not actor.is_org_admin:
        raise Forbidden("Only organisation admins may export data for compliance.")


def check_keeps_an_admin(admins_left: list[str]) -> None:
    """An organisation always keeps an enabled admin (demoting the last one, oneself included,
    would lock everyone out of administration)."""
    if not admins_left:
        raise Forbidden("The organisation needs at least one admin: make someone else an admin first.",
                        code="last_admin")


def check_can_manage_default_channels(actor: Actor) -> None:
    """Which channels new members join is the organisation's choice: its admins'."""
    check_org_admin(actor)


def check_can_be_default_channel(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    """A default channel is a public, unarchived channel of the admin's organisation. Ids the admin
    may not know of are ``not_found``; a private conversation they belong to is a validation error."""
    check_visible(actor, conv, member)
    assert conv is not None
    if conv.kind is not ConversationKind.CHANNEL:
        raise ValidationFailed("Only public channels can be default channels.", field="channel_ids",
                               channel_id=conv.id)
    if conv.archived:
        raise ValidationFailed("An archived channel cannot be a default channel.", field="channel_ids",
                               channel_id=conv.id)


def visible_in_org(actor: Actor, org_id: str) -> bool:
    """People, invites and devices are visible within their organisation only; callers answer
    ``NotFound`` for the others, so ids from other organisations cannot be probed."""
    return org_id == actor.org_id


def check_can_manage_devices(actor: Actor, owner_id: str) -> None:
    """Everyone manages their own devices; an org admin also those of others."""
    if owner_id != actor.user_id and not actor.is_org_admin:
        raise Forbidden("Only organisation admins may manage others' devices.")


def check_can_keep_preference(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    """Favourites, mutes and drafts are kept only for conversations the user belongs to."""
    check_member(actor, conv, member)
