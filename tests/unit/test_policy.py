"""Who may do what, judged from plain records, and what the refusal looks like."""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from typing import Any

import pytest

from axon.domain import policy
from axon.domain.errors import Forbidden, NotFound, ValidationFailed
from axon.domain.model import Actor, Conversation, ConversationKind, MemberRole, Membership, OrgRole

ORG = "o_home"
ME = "u_me"
OTHER = "u_other"

DIRECT, GROUP, CHANNEL = ConversationKind.DIRECT, ConversationKind.GROUP, ConversationKind.CHANNEL
OWNER, ADMIN, MEMBER = MemberRole.OWNER, MemberRole.ADMIN, MemberRole.MEMBER


def actor(org_role: OrgRole = OrgRole.MEMBER, org: str = ORG) -> Actor:
    return Actor(user_id=ME, org_id=org, device_id="d_me", org_role=org_role)


def conv(kind: ConversationKind = GROUP, *, archived: bool = False, org: str = ORG) -> Conversation:
    return Conversation(id="c_1", org_id=org, kind=kind, name="", topic="", archived=archived, last_seq=3,
                        created_by=OTHER, created_at=0)


def member(role: MemberRole = MEMBER, user: str = ME) -> Membership:
    return Membership(conversation_id="c_1", user_id=user, role=role)


ORG_ADMIN = actor(OrgRole.ADMIN)

# Every check that takes (actor, conversation, membership), with target=member for remove.
CONVERSATION_CHECKS: dict[str, Callable[[Actor, Conversation | None, Membership | None], Any]] = {
    "visible": policy.check_visible,
    "read": policy.check_can_read,
    "member": policy.check_member,
    "post": policy.check_can_post,
    "join": policy.check_can_join,
    "leave": policy.check_can_leave,
    "invite": policy.check_can_invite,
    "remove": lambda a, c, m: policy.check_can_remove(a, c, m, member(MEMBER, OTHER)),
    "manage": policy.check_can_manage,
    "set_topic": policy.check_can_set_topic,
}


# --- invisible conversations are NotFound, never Forbidden ---------------------------


@pytest.mark.parametrize("check", sorted(CONVERSATION_CHECKS))
def test_another_organisations_conversation_is_not_found_for_every_check(check: str) -> None:
    for kind, archived, role, org_role in product(ConversationKind, [False, True], [None, *MemberRole], OrgRole):
        foreign = conv(kind, archived=archived, org="o_elsewhere")
        membership = None if role is None else member(role)
        with pytest.raises(NotFound):
            CONVERSATION_CHECKS[check](actor(org_role), foreign, membership)


@pytest.mark.parametrize("check", sorted(CONVERSATION_CHECKS))
def test_a_private_conversation_of_others_is_not_found_for_every_check(check: str) -> None:
    for kind, archived, org_role in product([DIRECT, GROUP], [False, True], OrgRole):
        with pytest.raises(NotFound):
            CONVERSATION_CHECKS[check](actor(org_role), conv(kind, archived=archived), None)


@pytest.mark.parametrize("check", sorted(CONVERSATION_CHECKS))
def test_a_missing_conversation_is_not_found(check: str) -> None:
    with pytest.raises(NotFound):
        CONVERSATION_CHECKS[check](ORG_ADMIN, None, None)


# --- reading -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ConversationKind))
@pytest.mark.parametrize("archived", [False, True])
def test_members_may_read_any_conversation_even_archived(kind: ConversationKind, archived: bool) -> None:
    c = conv(kind, archived=archived)
    assert policy.check_can_read(actor(), c, member()) is c


def test_anyone_in_the_organisation_may_preview_a_public_channel() -> None:
    c = conv(CHANNEL)
    assert policy.check_can_read(actor(), c, None) is c


# --- posting and membership ----------------------------------------------------------


@pytest.mark.parametrize("kind", list(ConversationKind))
def test_members_may_post(kind: ConversationKind) -> None:
    m = member()
    assert policy.check_can_post(actor(), conv(kind), m) is m


def test_a_channel_must_be_joined_before_posting() -> None:
    with pytest.raises(Forbidden):
        policy.check_can_post(actor(), conv(CHANNEL), None)
    with pytest.raises(Forbidden):
        policy.check_member(ORG_ADMIN, conv(CHANNEL), None)


@pytest.mark.parametrize("kind", list(ConversationKind))
@pytest.mark.parametrize("role", list(MemberRole))
def test_nobody_posts_to_an_archived_conversation(kind: ConversationKind, role: MemberRole) -> None:
    with pytest.raises(Forbidden) as caught:
        policy.check_can_post(ORG_ADMIN, conv(kind, archived=True), member(role))
    assert caught.value.code == "archived"
    assert caught.value.status == 403


def test_anyone_in_the_organisation_may_join_a_public_channel() -> None:
    policy.check_can_join(actor(), conv(CHANNEL), None)


def test_an_archived_channel_cannot_be_joined() -> None:
    with pytest.raises(Forbidden) as caught:
        policy.check_can_join(actor(), conv(CHANNEL, archived=True), None)
    assert caught.value.code == "archived"


@pytest.mark.parametrize("kind", [DIRECT, GROUP])
def test_private_conversations_are_joined_only_by_invitation(kind: ConversationKind) -> None:
    with pytest.raises(Forbidden):
        policy.check_can_join(actor(), conv(kind), member())


@pytest.mark.parametrize("kind", [GROUP, CHANNEL])
@pytest.mark.parametrize("archived", [False, True])
def test_members_may_leave_groups_and_channels(kind: ConversationKind, archived: bool) -> None:
    policy.check_can_leave(actor(), conv(kind, archived=archived), member(OWNER))


def test_a_direct_conversation_cannot_be_left() -> None:
    with pytest.raises(Forbidden):
        policy.check_can_leave(actor(), conv(DIRECT), member())


def test_leaving_a_channel_one_is_not_in_is_refused() -> None:
    with pytest.raises(Forbidden):
        policy.check_can_leave(actor(), conv(CHANNEL), None)


# --- invite and remove ---------------------------------------------------------------


@pytest.mark.parametrize("kind", [GROUP, CHANNEL])
@pytest.mark.parametrize("role", [OWNER, ADMIN, MEMBER])
def test_any_member_may_invite_to_groups_and_channels(kind: ConversationKind, role: MemberRole) -> None:
    policy.check_can_invite(actor(), conv(kind), member(role))


def test_nobody_is_invited_to_a_direct_conversation() -> None:
    with pytest.raises(Forbidden):
        policy.check_can_invite(ORG_ADMIN, conv(DIRECT), member(OWNER))


def test_nobody_is_invited_to_an_archived_conversation() -> None:
    with pytest.raises(Forbidden):
        policy.check_can_invite(actor(), conv(GROUP, archived=True), member(OWNER))


@pytest.mark.parametrize(
    ("org_role", "my_role", "target_role", "allowed"),
    [
        (OrgRole.MEMBER, OWNER, MEMBER, True),
        (OrgRole.MEMBER, OWNER, ADMIN, True),
        (OrgRole.MEMBER, OWNER, OWNER, True),
        (OrgRole.MEMBER, ADMIN, MEMBER, True),
        (OrgRole.MEMBER, ADMIN, ADMIN, True),
        (OrgRole.MEMBER, ADMIN, OWNER, False),
        (OrgRole.MEMBER, MEMBER, MEMBER, False),
        (OrgRole.MEMBER, MEMBER, OWNER, False),
        (OrgRole.ADMIN, MEMBER, MEMBER, True),
        (OrgRole.ADMIN, MEMBER, OWNER, True),
    ],
)
def test_who_may_remove_whom(org_role: OrgRole, my_role: MemberRole, target_role: MemberRole, allowed: bool) -> None:
    target = member(target_role, OTHER)
    me = actor(org_role)
    if allowed:
        assert policy.check_can_remove(me, conv(GROUP), member(my_role), target) is target
    else:
        with pytest.raises(Forbidden):
            policy.check_can_remove(me, conv(GROUP), member(my_role), target)


def test_removing_someone_who_is_not_a_member_is_not_found() -> None:
    with pytest.raises(NotFound):
        policy.check_can_remove(actor(), conv(GROUP), member(OWNER), None)


@pytest.mark.parametrize("c", [conv(DIRECT), conv(GROUP, archived=True)], ids=["direct", "archived"])
def test_nobody_is_removed_from_direct_or_archived_conversations(c: Conversation) -> None:
    with pytest.raises(Forbidden):
        policy.check_can_remove(ORG_ADMIN, c, member(OWNER), member(MEMBER, OTHER))


# --- managing ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [GROUP, CHANNEL])
@pytest.mark.parametrize("archived", [False, True])  # an archived conversation must stay manageable to unarchive it
@pytest.mark.parametrize(("org_role", "role"), [(OrgRole.MEMBER, OWNER), (OrgRole.MEMBER, ADMIN),
                                                (OrgRole.ADMIN, MEMBER)])
def test_conversation_managers_and_org_admins_may_manage(
    kind: ConversationKind, archived: bool, org_role: OrgRole, role: MemberRole
) -> None:
    policy.check_can_manage(actor(org_role), conv(kind, archived=archived), member(role))


def test_plain_members_may_not_manage() -> None:
    with pytest.raises(Forbidden):
        policy.check_can_manage(actor(), conv(GROUP), member(MEMBER))


def test_a_direct_conversation_has_nothing_to_manage() -> None:
    with pytest.raises(Forbidden):
        policy.check_can_manage(ORG_ADMIN, conv(DIRECT), member(OWNER))


def test_org_admins_must_join_a_channel_before_managing_it() -> None:
    with pytest.raises(Forbidden):
        policy.check_can_manage(ORG_ADMIN, conv(CHANNEL), None)


@pytest.mark.parametrize("kind", [GROUP, CHANNEL])
@pytest.mark.parametrize("role", [OWNER, ADMIN, MEMBER])
def test_any_member_may_set_the_topic(kind: ConversationKind, role: MemberRole) -> None:
    policy.check_can_set_topic(actor(), conv(kind), member(role))


@pytest.mark.parametrize("c", [conv(DIRECT), conv(CHANNEL, archived=True)], ids=["direct", "archived"])
def test_topic_cannot_be_set_on_direct_or_archived_conversations(c: Conversation) -> None:
    with pytest.raises(Forbidden):
        policy.check_can_set_topic(ORG_ADMIN, c, member(OWNER))


@pytest.mark.parametrize(
    ("org_role", "role", "allowed"),
    [
        (OrgRole.MEMBER, OWNER, True),
        (OrgRole.MEMBER, ADMIN, False),
        (OrgRole.MEMBER, MEMBER, False),
        (OrgRole.ADMIN, MEMBER, True),
    ],
)
def test_only_owners_and_org_admins_change_roles(org_role: OrgRole, role: MemberRole, allowed: bool) -> None:
    if allowed:
        policy.check_can_set_role(actor(org_role), conv(GROUP), member(role))
    else:
        with pytest.raises(Forbidden):
            policy.check_can_set_role(actor(org_role), conv(GROUP), member(role))


# --- messages ------------------------------------------------------------------------


def test_only_the_author_may_edit() -> None:
    policy.check_can_edit_message(actor(), conv(), member(), ME, deleted=False)
    with pytest.raises(Forbidden):
        policy.check_can_edit_message(ORG_ADMIN, conv(), member(OWNER), OTHER, deleted=False)


def test_a_deleted_message_cannot_be_edited_or_deleted_again() -> None:
    with pytest.raises(NotFound):
        policy.check_can_edit_message(actor(), conv(), member(), ME, deleted=True)
    with pytest.raises(NotFound):
        policy.check_can_delete_message(ORG_ADMIN, conv(), member(OWNER), ME, deleted=True)


@pytest.mark.parametrize(
    ("org_role", "role", "sender", "allowed"),
    [
        (OrgRole.MEMBER, MEMBER, ME, True),
        (OrgRole.MEMBER, MEMBER, OTHER, False),
        (OrgRole.MEMBER, ADMIN, OTHER, True),
        (OrgRole.MEMBER, OWNER, OTHER, True),
        (OrgRole.ADMIN, MEMBER, OTHER, True),
    ],
)
def test_who_may_delete_a_message(org_role: OrgRole, role: MemberRole, sender: str, allowed: bool) -> None:
    if allowed:
        policy.check_can_delete_message(actor(org_role), conv(), member(role), sender, deleted=False)
    else:
        with pytest.raises(Forbidden):
            policy.check_can_delete_message(actor(org_role), conv(), member(role), sender, deleted=False)


def test_organisation_administration_needs_an_org_admin() -> None:
    policy.check_org_admin(ORG_ADMIN)
    with pytest.raises(Forbidden):
        policy.check_org_admin(actor())


def test_people_are_visible_within_their_organisation_only() -> None:
    assert policy.visible_in_org(actor(), ORG)
    assert not policy.visible_in_org(actor(), "o_elsewhere")
    assert not policy.visible_in_org(ORG_ADMIN, "o_elsewhere")  # admins administer their own org only


def test_devices_are_managed_by_their_owner_or_an_org_admin() -> None:
    policy.check_can_manage_devices(actor(), ME)
    policy.check_can_manage_devices(ORG_ADMIN, OTHER)
    with pytest.raises(Forbidden):
        policy.check_can_manage_devices(actor(), OTHER)


# --- ha: default channels and the last admin ---------------------------------------------


def test_only_org_admins_manage_the_default_channels() -> None:
    policy.check_can_manage_default_channels(ORG_ADMIN)
    with pytest.raises(Forbidden):
        policy.check_can_manage_default_channels(actor())


def test_a_default_channel_is_a_public_unarchived_channel_of_the_org() -> None:
    policy.check_can_be_default_channel(ORG_ADMIN, conv(CHANNEL), None)  # no need to be a member
    for unknown in (None, conv(CHANNEL, org="o_other"), conv(GROUP)):  # a group the admin is not in
        with pytest.raises(NotFound):
            policy.check_can_be_default_channel(ORG_ADMIN, unknown, None)
    refusals = ((conv(GROUP), member()), (conv(DIRECT), member()), (conv(CHANNEL, archived=True), None))
    for refused, membership in refusals:
        with pytest.raises(ValidationFailed) as caught:
            policy.check_can_be_default_channel(ORG_ADMIN, refused, membership)
        assert caught.value.details == {"field": "channel_ids", "channel_id": "c_1"}


def test_the_last_enabled_admin_is_kept() -> None:
    policy.check_keeps_an_admin(["u_other_admin"])
    with pytest.raises(Forbidden) as caught:
        policy.check_keeps_an_admin([])
    assert caught.value.code == "last_admin"
