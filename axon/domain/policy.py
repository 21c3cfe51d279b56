"""The permission policy: every REST call and WebSocket frame is judged here.

One pure function, ``decide``, answers every question "may this actor do this action here?" from
plain facts: the actor's organisation role, their role in the conversation (or none), the
conversation's kind and state, and the organisation's settings (policy and modules). It returns
``None`` (allowed) or the error to raise. The ``check_*`` functions below are the call sites'
vocabulary: each gathers the facts and raises what ``decide`` says. The permission matrix in
``docs/security.md`` is rendered from ``decide`` (``permission_matrix.py``) and a test keeps them equal.

A conversation the actor may not even know about is ``NotFound`` (never ``Forbidden``) so that
ids of other people's private conversations cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import AxonError, Forbidden, NotFound, ValidationFailed
from .model import Actor, Conversation, ConversationKind, MemberRole, Membership, OrgRole
from .org_settings import DEFAULT_SETTINGS, Module, OrgSettings, Who


class Action(StrEnum):
    # in a conversation
    READ = "read"  # history, members, events (a public channel: previewed by non-members too)
    JOIN = "join"
    LEAVE = "leave"
    POST = "post"  # a top-level message (or a forward)
    REPLY = "reply"  # a thread reply
    REACT = "react"
    PIN = "pin"
    EDIT_OWN = "edit_own"
    DELETE_OWN = "delete_own"
    DELETE_ANY = "delete_any"  # someone else's message
    SET_TOPIC = "set_topic"
    ADD_MEMBERS = "add_members"
    ADD_GUESTS = "add_guests"  # add a guest of the organisation to the conversation
    REMOVE_MEMBERS = "remove_members"
    MANAGE = "manage"  # rename, archive, the announcement switch
    SET_ROLES = "set_roles"
    # in the organisation
    CREATE_CHANNEL = "create_channel"
    CREATE_GROUP = "create_group"
    START_DIRECT = "start_direct"
    BROWSE_CHANNELS = "browse_channels"
    SEE_DIRECTORY = "see_directory"  # everyone in the organisation (guests: their conversations' members)
    INVITE_GUESTS = "invite_guests"
    ADMINISTER = "administer"  # people, invites, settings, policy, modules
    MANAGE_OWNERS = "manage_owners"  # make or unmake owners; disable an owner
    MANAGE_INTEGRATIONS = "manage_integrations"
    EXPORT = "export"
    # the AI helpers (module ai_helpers, each helper on its own policy switch)
    SUGGEST_EVENTS = "suggest_events"
    SUGGEST_REPLIES = "suggest_replies"
    TRANSLATE = "translate"
    ASK_ASSISTANT = "ask_assistant"


_ALL_ACTIONS = list(Action)
CONVERSATION_ACTIONS = tuple(_ALL_ACTIONS[:_ALL_ACTIONS.index(Action.SET_ROLES) + 1])
ORG_ACTIONS = tuple(_ALL_ACTIONS[len(CONVERSATION_ACTIONS):])

# Actions that change a conversation's content or members: refused in an archived conversation.
_WRITES = frozenset({Action.POST, Action.REPLY, Action.REACT, Action.PIN, Action.EDIT_OWN, Action.DELETE_OWN,
                     Action.DELETE_ANY, Action.SET_TOPIC, Action.ADD_MEMBERS, Action.ADD_GUESTS,
                     Action.REMOVE_MEMBERS, Action.JOIN})
_SPEAKING = frozenset({Action.POST, Action.REPLY, Action.PIN, Action.EDIT_OWN, Action.SET_TOPIC})
_ORG_ROLE_RANK = {OrgRole.GUEST: 0, OrgRole.MEMBER: 1, OrgRole.ADMIN: 2, OrgRole.OWNER: 3}
_WHO_RANK = {Who.EVERYONE: 1, Who.ADMINS: 2, Who.OWNERS: 3}


@dataclass(frozen=True, slots=True)
class Place:
    """The facts about a conversation that permissions depend on."""

    kind: ConversationKind
    archived: bool = False
    announcement: bool = False


@dataclass(frozen=True, slots=True)
class Circumstances:
    """Facts some actions also depend on; the defaults are the permissive case."""

    message_age_minutes: float = 0.0  # EDIT_OWN / DELETE_OWN: how old the message is
    shares_conversation: bool = True  # START_DIRECT: caller and peer are members of a common conversation
    peer_is_guest: bool = False  # START_DIRECT: the other person is a guest


NO_CIRCUMSTANCES = Circumstances()


def decide(org_role: OrgRole, action: Action, place: Place | None = None, member_role: MemberRole | None = None,
           settings: OrgSettings = DEFAULT_SETTINGS, facts: Circumstances = NO_CIRCUMSTANCES) -> AxonError | None:
    """``None`` if the action is allowed, else the error that refuses it. ``place`` is the
    conversation (for conversation actions), ``member_role`` the actor's role in it (None: not a member)."""
    if action in CONVERSATION_ACTIONS:
        assert place is not None
        return _in_conversation(org_role, action, place, member_role, settings, facts)
    return _in_organisation(org_role, action, settings, facts)


# --- the organisation ---------------------------------------------------------------


def _module_off(module: Module) -> AxonError:
    return Forbidden(f"The {module.value} module is switched off for this organisation.", code="module_disabled",
                     module=module.value)


def _allows(org_role: OrgRole, who: Who) -> bool:
    """Whether a ``Who`` setting lets this organisation role do it (guests never)."""
    return org_role is not OrgRole.GUEST and _ORG_ROLE_RANK[org_role] >= _WHO_RANK[who]


def _in_organisation(org_role: OrgRole, action: Action, settings: OrgSettings,
                     facts: Circumstances) -> AxonError | None:
    policy = settings.policy
    admin = org_role in (OrgRole.OWNER, OrgRole.ADMIN)
    guest_refusal = Forbidden("Guests may only take part in the conversations they were invited into.")
    if action is Action.CREATE_CHANNEL:
        if not settings.enabled(Module.PUBLIC_CHANNELS):
            return _module_off(Module.PUBLIC_CHANNELS)
        return _by_policy(org_role, policy.create_public_channels, "create public channels")
    if action is Action.CREATE_GROUP:
        return _by_policy(org_role, policy.create_private_groups, "create private groups")
    if action is Action.START_DIRECT:
        if (org_role is OrgRole.GUEST or facts.peer_is_guest) and not facts.shares_conversation:
            return Forbidden("A guest can only write directly to people of a conversation they share.")
        return None
    if action is Action.BROWSE_CHANNELS:
        if not settings.enabled(Module.PUBLIC_CHANNELS):
            return _module_off(Module.PUBLIC_CHANNELS)
        return guest_refusal if org_role is OrgRole.GUEST else None
    if action is Action.SEE_DIRECTORY:
        return guest_refusal if org_role is OrgRole.GUEST else None
    if action is Action.INVITE_GUESTS:
        if not settings.enabled(Module.GUESTS):
            return _module_off(Module.GUESTS)
        return _by_policy(org_role, policy.invite_guests, "invite guests")
    if action is Action.ADMINISTER:
        return None if admin else Forbidden("Only organisation admins may do this.")
    if action is Action.MANAGE_OWNERS:
        return None if org_role is OrgRole.OWNER else Forbidden("Only organisation owners may do this.")
    if action is Action.MANAGE_INTEGRATIONS:
        if not settings.enabled(Module.INTEGRATIONS):
            return _module_off(Module.INTEGRATIONS)
        return _by_policy(org_role, policy.manage_integrations, "manage integrations")
    if action in _AI_SWITCHES:
        if not settings.enabled(Module.AI_HELPERS):
            return _module_off(Module.AI_HELPERS)
        switch = _AI_SWITCHES[action]
        if not getattr(policy, switch):
            return Forbidden(f"This organisation has switched this AI helper off ({switch}).", code="module_disabled",
                             module=Module.AI_HELPERS.value, setting=switch)
        return None
    assert action is Action.EXPORT
    return _by_policy(org_role, policy.export, "export data")


# Each AI helper's action and the policy switch that turns it off (guests may use them too: a helper
# only ever works on what its user can read).
_AI_SWITCHES = {Action.SUGGEST_EVENTS: "ai_event_suggestions", Action.SUGGEST_REPLIES: "ai_smart_replies",
                Action.TRANSLATE: "ai_translation", Action.ASK_ASSISTANT: "ai_assistant"}


def _by_policy(org_role: OrgRole, who: Who, doing: str) -> AxonError | None:
    if _allows(org_role, who):
        return None
    whom = {Who.EVERYONE: "members", Who.ADMINS: "admins", Who.OWNERS: "owners"}[who]
    return Forbidden(f"In this organisation only {whom} may {doing}.")


# --- a conversation ------------------------------------------------------------------


def _in_conversation(org_role: OrgRole, action: Action, place: Place, member_role: MemberRole | None,
                     settings: OrgSettings, facts: Circumstances) -> AxonError | None:
    hidden = _hidden(org_role, place, member_role, settings)
    if hidden is not None:
        return hidden
    if member_role is None:
        return _as_visitor(action, place, settings)
    if place.archived and action in _WRITES:
        return Forbidden("The conversation is archived.", code="archived")
    if place.kind is ConversationKind.DIRECT and action in _NOT_IN_DIRECT:
        return Forbidden(_NOT_IN_DIRECT[action])
    manager = member_role in (MemberRole.OWNER, MemberRole.ADMIN) or org_role in (OrgRole.OWNER, OrgRole.ADMIN)
    if member_role is MemberRole.READ_ONLY and action in _SPEAKING:
        return Forbidden("You are a read-only member here: you may read and react.", code="read_only")
    if place.announcement and not manager and action in (Action.POST, Action.PIN, Action.SET_TOPIC):
        return Forbidden("Only the channel's owners and admins post here; reply in a thread or react.",
                         code="announcement_only")
    return _member_may(org_role, action, place, member_role, manager, settings, facts)


_NOT_IN_DIRECT = {
    Action.LEAVE: "A direct conversation cannot be left.",
    Action.ADD_MEMBERS: "A direct conversation has exactly two members.",
    Action.ADD_GUESTS: "A direct conversation has exactly two members.",
    Action.REMOVE_MEMBERS: "A direct conversation has exactly two members.",
    Action.SET_TOPIC: "A direct conversation has no topic.",
    Action.MANAGE: "A direct conversation has no name or settings to manage.",
    Action.SET_ROLES: "A direct conversation has no name or settings to manage.",
}


def _hidden(org_role: OrgRole, place: Place, member_role: MemberRole | None,
            settings: OrgSettings) -> AxonError | None:
    """Non-members know only public channels; guests and organisations without the public
    channels module not even those."""
    if member_role is not None:
        return None
    if (place.kind is not ConversationKind.CHANNEL or org_role is OrgRole.GUEST
            or not settings.enabled(Module.PUBLIC_CHANNELS)):
        return NotFound("Conversation not found.")
    return None


def _as_visitor(action: Action, place: Place, settings: OrgSettings) -> AxonError | None:
    """A non-member of a public channel they can see: read it, and join it."""
    if action is Action.READ:
        return None
    if action is Action.JOIN:
        return Forbidden("The conversation is archived.", code="archived") if place.archived else None
    return Forbidden("Join the channel first.")


def _member_may(org_role: OrgRole, action: Action, place: Place, member_role: MemberRole, manager: bool,
                settings: OrgSettings, facts: Circumstances) -> AxonError | None:
    if action is Action.EDIT_OWN:
        return _within_window("edit", settings, settings.policy.edit_window_minutes, facts)
    if action is Action.DELETE_OWN:
        if manager:
            return None  # admins may always delete
        if not settings.policy.members_delete_own:
            return Forbidden("In this organisation members may not delete their messages.")
        return _within_window("delete", settings, settings.policy.delete_window_minutes, facts)
    if action in (Action.DELETE_ANY, Action.REMOVE_MEMBERS, Action.MANAGE):
        return None if manager else Forbidden("Only the conversation's owners and admins may do this.")
    if action is Action.SET_ROLES:
        owner = member_role is MemberRole.OWNER or org_role in (OrgRole.OWNER, OrgRole.ADMIN)
        return None if owner else Forbidden("Only owners may change roles.")
    if action in (Action.ADD_MEMBERS, Action.ADD_GUESTS):
        return _may_add(org_role, action, member_role, settings)
    if action is Action.JOIN and place.kind is not ConversationKind.CHANNEL:
        return Forbidden("Only public channels can be joined; ask a member to invite you.")
    return None  # READ, JOIN (a channel one is in), LEAVE, POST, REPLY, REACT, PIN, SET_TOPIC


def _may_add(org_role: OrgRole, action: Action, member_role: MemberRole, settings: OrgSettings) -> AxonError | None:
    if org_role is OrgRole.GUEST:
        return Forbidden("Guests cannot add people to conversations.")
    if member_role is MemberRole.READ_ONLY:
        return Forbidden("You are a read-only member here: you may read and react.", code="read_only")
    if action is Action.ADD_GUESTS:
        return _in_organisation(org_role, Action.INVITE_GUESTS, settings, NO_CIRCUMSTANCES)
    return None


def _within_window(verb: str, settings: OrgSettings, window: int | None, facts: Circumstances) -> AxonError | None:
    if not settings.enabled(Module.MESSAGE_EDITING):
        return _module_off(Module.MESSAGE_EDITING)
    if window is not None and facts.message_age_minutes > window:
        return Forbidden(f"Messages can be {verb}ed only within {window} minutes of sending.", code="window_closed",
                         window_minutes=window)
    return None


# --- the call sites' vocabulary --------------------------------------------------------


def place_of(conv: Conversation) -> Place:
    return Place(conv.kind, conv.archived, conv.announcement)


def check(actor: Actor, action: Action, conv: Conversation | None, member: Membership | None,
          settings: OrgSettings = DEFAULT_SETTINGS, facts: Circumstances = NO_CIRCUMSTANCES) -> Conversation:
    """Raise unless ``actor`` may do ``action`` in ``conv``; another organisation's conversation
    (or none) is ``NotFound``."""
    if conv is None or conv.org_id != actor.org_id:
        raise NotFound("Conversation not found.")
    refusal = decide(actor.org_role, action, place_of(conv), member.role if member else None, settings, facts)
    if refusal is not None:
        raise refusal
    return conv


def check_org(actor: Actor, action: Action, settings: OrgSettings = DEFAULT_SETTINGS,
              facts: Circumstances = NO_CIRCUMSTANCES) -> None:
    refusal = decide(actor.org_role, action, settings=settings, facts=facts)
    if refusal is not None:
        raise refusal


def allowed(actor: Actor, action: Action, settings: OrgSettings = DEFAULT_SETTINGS) -> bool:
    return decide(actor.org_role, action, settings=settings) is None


def check_visible(actor: Actor, conv: Conversation | None, member: Membership | None) -> Conversation:
    """The actor may know the conversation exists (member, or a public channel of their org)."""
    return check(actor, Action.READ, conv, member)


def check_can_read(actor: Actor, conv: Conversation | None, member: Membership | None,
                   settings: OrgSettings = DEFAULT_SETTINGS) -> Conversation:
    """History is readable by members; a public channel may be previewed by the whole org."""
    return check(actor, Action.READ, conv, member, settings)


def check_member(actor: Actor, conv: Conversation | None, member: Membership | None) -> Membership:
    check_visible(actor, conv, member)
    if member is None:
        raise Forbidden("Join the channel first.")
    return member


def _as_member(actor: Actor, action: Action, conv: Conversation | None, member: Membership | None,
               settings: OrgSettings = DEFAULT_SETTINGS, facts: Circumstances = NO_CIRCUMSTANCES) -> Membership:
    """``check`` for an action only members take (``decide`` refuses it to visitors); their membership."""
    check(actor, action, conv, member, settings, facts)
    assert member is not None
    return member


def check_can_post(actor: Actor, conv: Conversation | None, member: Membership | None,
                   *, reply: bool = False) -> Membership:
    return _as_member(actor, Action.REPLY if reply else Action.POST, conv, member)


def check_files_on(settings: OrgSettings) -> None:
    """Files can be uploaded, attached and downloaded only while the ``files`` module is on."""
    if not settings.enabled(Module.FILES):
        raise _module_off(Module.FILES)


def check_can_upload(actor: Actor, conv: Conversation | None, member: Membership | None,
                     settings: OrgSettings) -> Membership:
    """Uploading into a conversation is writing in it, with the files module on. A thread reply is
    enough (in an announcement channel members attach files to replies); whether the message that
    carries the file may be posted where it goes is the send's own check."""
    member = _as_member(actor, Action.REPLY, conv, member, settings)
    check_files_on(settings)
    return member


def check_can_read_files(actor: Actor, conv: Conversation | None, member: Membership | None) -> Membership:
    """A file's content and details are for the conversation's members only (visitors of a public
    channel see that a message carries a file, not the file). Anyone else: not found."""
    check_visible(actor, conv, member)
    if member is None:
        raise NotFound("File not found.")
    return member


def check_can_join(actor: Actor, conv: Conversation | None, member: Membership | None,
                   settings: OrgSettings = DEFAULT_SETTINGS) -> None:
    check(actor, Action.JOIN, conv, member, settings)


def check_can_leave(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    _as_member(actor, Action.LEAVE, conv, member)


def check_can_invite(actor: Actor, conv: Conversation | None, member: Membership | None,
                     settings: OrgSettings = DEFAULT_SETTINGS, *, guests: bool = False) -> None:
    _as_member(actor, Action.ADD_GUESTS if guests else Action.ADD_MEMBERS, conv, member, settings)


def check_can_remove(
    actor: Actor, conv: Conversation | None, member: Membership | None, target: Membership | None
) -> Membership:
    membership = _as_member(actor, Action.REMOVE_MEMBERS, conv, member)
    if target is None:
        raise NotFound("That user is not a member.")
    if target.role is MemberRole.OWNER and membership.role is not MemberRole.OWNER and not actor.is_org_admin:
        raise Forbidden("Only an owner may remove an owner.")
    return target


def check_can_manage(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    """Rename, archive, the announcement switch."""
    _as_member(actor, Action.MANAGE, conv, member)


def check_can_set_topic(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    _as_member(actor, Action.SET_TOPIC, conv, member)


def check_can_set_role(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    _as_member(actor, Action.SET_ROLES, conv, member)


def check_can_react(actor: Actor, conv: Conversation | None, member: Membership | None) -> Membership:
    return _as_member(actor, Action.REACT, conv, member)


def check_can_pin(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    _as_member(actor, Action.PIN, conv, member)


def check_can_edit_message(actor: Actor, conv: Conversation | None, member: Membership | None, sender_id: str,
                           deleted: bool, forwarded: bool = False, *, settings: OrgSettings = DEFAULT_SETTINGS,
                           age_minutes: float = 0.0) -> None:
    check_member(actor, conv, member)
    if deleted:
        raise NotFound("Message not found.")
    if sender_id != actor.user_id:
        raise Forbidden("Only the author may edit a message.")
    if forwarded:
        raise Forbidden("A forwarded message is a copy of its source and cannot be edited.")
    check(actor, Action.EDIT_OWN, conv, member, settings, Circumstances(message_age_minutes=age_minutes))


def check_can_delete_message(actor: Actor, conv: Conversation | None, member: Membership | None, sender_id: str,
                             deleted: bool, *, settings: OrgSettings = DEFAULT_SETTINGS,
                             age_minutes: float = 0.0) -> None:
    check_member(actor, conv, member)
    if deleted:
        raise NotFound("Message not found.")
    own = sender_id == actor.user_id
    check(actor, Action.DELETE_OWN if own else Action.DELETE_ANY, conv, member, settings,
          Circumstances(message_age_minutes=age_minutes))


def check_can_remove_preview(actor: Actor, conv: Conversation | None, member: Membership | None, sender_id: str,
                             deleted: bool, *, settings: OrgSettings = DEFAULT_SETTINGS) -> None:
    """Removing a message's link preview: its sender (a member still), or whoever may delete others'
    messages there (conversation and organisation admins)."""
    check_member(actor, conv, member)
    if deleted:
        raise NotFound("Message not found.")
    if sender_id != actor.user_id:
        check(actor, Action.DELETE_ANY, conv, member, settings)


def check_org_admin(actor: Actor) -> None:
    check_org(actor, Action.ADMINISTER)


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


def check_keeps_an_owner(owners_left: list[str]) -> None:
    """An organisation always keeps an enabled owner: someone must be able to appoint admins' peers."""
    if not owners_left:
        raise Forbidden("The organisation needs at least one owner: make someone else an owner first.",
                        code="last_owner")


def check_can_set_org_role(actor: Actor, current: OrgRole, new: OrgRole, settings: OrgSettings) -> None:
    """Admins manage members, guests and admins; only owners touch owners."""
    check_org(actor, Action.ADMINISTER)
    if OrgRole.OWNER in (current, new):
        check_org(actor, Action.MANAGE_OWNERS)
    if new is OrgRole.GUEST and current is not OrgRole.GUEST and not settings.enabled(Module.GUESTS):
        raise _module_off(Module.GUESTS)


def check_can_disable(actor: Actor, target_role: OrgRole) -> None:
    check_org(actor, Action.ADMINISTER)
    if target_role is OrgRole.OWNER:
        check_org(actor, Action.MANAGE_OWNERS)


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
    ``NotFound`` for the others, so ids from other organisations cannot be probed. (Guests see
    fewer people: services narrow it with ``SEE_DIRECTORY``.)"""
    return org_id == actor.org_id


def check_can_manage_devices(actor: Actor, owner_id: str) -> None:
    """Everyone manages their own devices; an org admin also those of others."""
    if owner_id != actor.user_id and not actor.is_org_admin:
        raise Forbidden("Only organisation admins may manage others' devices.")


def check_can_keep_preference(actor: Actor, conv: Conversation | None, member: Membership | None) -> None:
    """Favourites, mutes and drafts are kept only for conversations the user belongs to."""
    check_member(actor, conv, member)
