"""The permission policy, checked exhaustively against a specification written apart from it.

``expected`` below restates docs/security.md ("Permissions") rule by rule, as flat conditions;
``policy.decide`` is the structured implementation. Every combination of organisation role,
conversation role (or none), action, conversation kind, archived, announcement, built modules,
policy choices and message age is compared, and the documented table must be what ``decide`` renders.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import chain, combinations, product
from pathlib import Path

import pytest

from axon.domain import permission_matrix
from axon.domain.errors import AxonError
from axon.domain.model import ConversationKind, MemberRole, OrgRole
from axon.domain.org_settings import BUILT_MODULES, DEFAULT_SETTINGS, Module, OrgPolicy, OrgSettings, Who
from axon.domain.policy import CONVERSATION_ACTIONS, ORG_ACTIONS, Action, Circumstances, Place, decide

DOC = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
A = Action
CHANNEL, GROUP, DIRECT = ConversationKind.CHANNEL, ConversationKind.GROUP, ConversationKind.DIRECT
ADMINS = (OrgRole.OWNER, OrgRole.ADMIN)
WINDOW = 5  # minutes, when a window is set


def _subsets(items: frozenset[Module]) -> list[frozenset[Module]]:
    ordered = sorted(items)
    return [frozenset(c) for c in chain.from_iterable(combinations(ordered, n) for n in range(len(ordered) + 1))]


MODULE_SETS = _subsets(BUILT_MODULES)


def expected(org: OrgRole, action: Action, kind: ConversationKind, archived: bool, announcement: bool,
             role: MemberRole | None, settings: OrgSettings, age: float) -> str:
    """'ok', 'not_found' or the refusal's code, as docs/security.md says."""
    p, on = settings.policy, settings.modules
    if role is None:
        if kind is not CHANNEL or org is OrgRole.GUEST or Module.PUBLIC_CHANNELS not in on:
            return "not_found"
        if action is A.READ:
            return "ok"
        if action is A.JOIN:
            return "archived" if archived else "ok"
        return "forbidden"
    writes = {A.POST, A.REPLY, A.REACT, A.PIN, A.EDIT_OWN, A.DELETE_OWN, A.DELETE_ANY, A.SET_TOPIC,
              A.ADD_MEMBERS, A.ADD_GUESTS, A.REMOVE_MEMBERS, A.JOIN}
    if archived and action in writes:
        return "archived"
    if kind is DIRECT and action in {A.LEAVE, A.ADD_MEMBERS, A.ADD_GUESTS, A.REMOVE_MEMBERS, A.SET_TOPIC,
                                     A.MANAGE, A.SET_ROLES}:
        return "forbidden"
    moderator = role in (MemberRole.OWNER, MemberRole.ADMIN) or org in ADMINS
    if role is MemberRole.READ_ONLY and action in {A.POST, A.REPLY, A.PIN, A.EDIT_OWN, A.SET_TOPIC}:
        return "read_only"
    if announcement and not moderator and action in {A.POST, A.PIN, A.SET_TOPIC}:
        return "announcement_only"
    if action is A.EDIT_OWN:
        if Module.MESSAGE_EDITING not in on:
            return "module_disabled"
        return "window_closed" if p.edit_window_minutes is not None and age > p.edit_window_minutes else "ok"
    if action is A.DELETE_OWN:
        if moderator:
            return "ok"
        if not p.members_delete_own:
            return "forbidden"
        if Module.MESSAGE_EDITING not in on:
            return "module_disabled"
        return "window_closed" if p.delete_window_minutes is not None and age > p.delete_window_minutes else "ok"
    if action in (A.DELETE_ANY, A.REMOVE_MEMBERS, A.MANAGE):
        return "ok" if moderator else "forbidden"
    if action is A.SET_ROLES:
        return "ok" if role is MemberRole.OWNER or org in ADMINS else "forbidden"
    if action in (A.ADD_MEMBERS, A.ADD_GUESTS):
        if org is OrgRole.GUEST:
            return "forbidden"
        if role is MemberRole.READ_ONLY:
            return "read_only"
        if action is A.ADD_GUESTS:
            if Module.GUESTS not in on:
                return "module_disabled"
            return "ok" if p.invite_guests is Who.EVERYONE or org in ADMINS else "forbidden"
        return "ok"
    if action is A.JOIN and kind is not CHANNEL:
        return "forbidden"
    return "ok"


def expected_in_org(org: OrgRole, action: Action, settings: OrgSettings, facts: Circumstances) -> str:
    p, on = settings.policy, settings.modules

    def by(who: Who) -> str:
        allowed = {Who.EVERYONE: org is not OrgRole.GUEST, Who.ADMINS: org in ADMINS,
                   Who.OWNERS: org is OrgRole.OWNER}[who]
        return "ok" if allowed else "forbidden"

    if action is A.CREATE_CHANNEL:
        return "module_disabled" if Module.PUBLIC_CHANNELS not in on else by(p.create_public_channels)
    if action is A.CREATE_GROUP:
        return by(p.create_private_groups)
    if action is A.START_DIRECT:
        guest_involved = org is OrgRole.GUEST or facts.peer_is_guest
        return "forbidden" if guest_involved and not facts.shares_conversation else "ok"
    if action is A.BROWSE_CHANNELS:
        if Module.PUBLIC_CHANNELS not in on:
            return "module_disabled"
        return "forbidden" if org is OrgRole.GUEST else "ok"
    if action is A.SEE_DIRECTORY:
        return "forbidden" if org is OrgRole.GUEST else "ok"
    if action is A.INVITE_GUESTS:
        return "module_disabled" if Module.GUESTS not in on else by(p.invite_guests)
    if action is A.ADMINISTER:
        return by(Who.ADMINS)
    if action is A.MANAGE_OWNERS:
        return by(Who.OWNERS)
    if action is A.MANAGE_INTEGRATIONS:
        return "module_disabled" if Module.INTEGRATIONS not in on else by(p.manage_integrations)
    if action in AI_SWITCHES:  # every role, guests included, while the module and the helper's switch are on
        return "ok" if Module.AI_HELPERS in on and getattr(p, AI_SWITCHES[action]) else "module_disabled"
    return by(p.export)


AI_SWITCHES = {A.SUGGEST_EVENTS: "ai_event_suggestions", A.SUGGEST_REPLIES: "ai_smart_replies",
               A.TRANSLATE: "ai_translation", A.ASK_ASSISTANT: "ai_assistant"}


@pytest.mark.parametrize("switch", sorted(AI_SWITCHES.values()))
def test_an_ai_helper_switched_off_refuses_only_that_helper(switch: str) -> None:
    settings = OrgSettings(replace(DEFAULT_SETTINGS.policy, **{switch: False}), DEFAULT_SETTINGS.modules)
    for action, name in AI_SWITCHES.items():
        refusal = decide(OrgRole.MEMBER, action, settings=settings)
        if name == switch:
            assert refusal is not None and refusal.code == "module_disabled"
            assert refusal.details == {"module": "ai_helpers", "setting": switch}
        else:
            assert refusal is None, action


def outcome(refusal: AxonError | None) -> str:
    return "ok" if refusal is None else refusal.code


def _conversation_settings() -> list[tuple[OrgSettings, float]]:
    cases = []
    for modules, invite, delete_own, windows, age in product(
            MODULE_SETS, (Who.ADMINS, Who.EVERYONE), (True, False), (None, WINDOW), (0.0, WINDOW + 0.5)):
        policy = OrgPolicy(invite_guests=invite, members_delete_own=delete_own, edit_window_minutes=windows,
                           delete_window_minutes=windows)
        cases.append((OrgSettings(policy, modules), age))
    return cases


CONVERSATION_SETTINGS = _conversation_settings()


@pytest.mark.parametrize("action", CONVERSATION_ACTIONS, ids=str)
def test_every_conversation_cell_is_what_the_specification_says(action: Action) -> None:
    checked = 0
    for org, role, kind, archived, announcement in product(OrgRole, [None, *MemberRole], ConversationKind,
                                                           (False, True), (False, True)):
        place = Place(kind, archived, announcement)
        for settings, age in CONVERSATION_SETTINGS:
            got = outcome(decide(org, action, place, role, settings, Circumstances(message_age_minutes=age)))
            want = expected(org, action, kind, archived, announcement, role, settings, age)
            assert got == want, (org, action, place, role, settings, age)
            checked += 1
    assert checked == 4 * 5 * 3 * 2 * 2 * len(CONVERSATION_SETTINGS)


@pytest.mark.parametrize("action", ORG_ACTIONS, ids=str)
def test_every_organisation_cell_is_what_the_specification_says(action: Action) -> None:
    whos = [(Who.EVERYONE, Who.ADMINS)] * 4 + [(Who.ADMINS, Who.OWNERS)]
    modules = _subsets(BUILT_MODULES | {Module.INTEGRATIONS})  # integrations: as if built, to test the rule
    for org, mods, choice, shares, peer_guest in product(OrgRole, modules, product(*whos), (True, False),
                                                         (True, False)):
        policy = OrgPolicy(create_public_channels=choice[0], create_private_groups=choice[1],
                           invite_guests=choice[2], manage_integrations=choice[3], export=choice[4])
        settings = OrgSettings(policy, mods)
        facts = Circumstances(shares_conversation=shares, peer_is_guest=peer_guest)
        assert outcome(decide(org, action, settings=settings, facts=facts)) == \
            expected_in_org(org, action, settings, facts), (org, action, settings, facts)


# --- properties that hold across the matrix --------------------------------------------

RANKED_MEMBER_ROLES = [MemberRole.OWNER, MemberRole.ADMIN, MemberRole.MEMBER, MemberRole.READ_ONLY]
RANKED_ORG_ROLES = [OrgRole.OWNER, OrgRole.ADMIN, OrgRole.MEMBER, OrgRole.GUEST]


def test_a_lower_role_never_may_what_a_higher_one_may_not() -> None:
    for action, kind, archived, announcement, org in product(CONVERSATION_ACTIONS, ConversationKind, (False, True),
                                                             (False, True), OrgRole):
        place = Place(kind, archived, announcement)
        allowed = [decide(org, action, place, role) is None for role in RANKED_MEMBER_ROLES]
        assert allowed == sorted(allowed, reverse=True), (action, place, org)
    for action, kind, role in product(CONVERSATION_ACTIONS, ConversationKind, RANKED_MEMBER_ROLES):
        allowed = [decide(org, action, Place(kind), role) is None for org in RANKED_ORG_ROLES]
        assert allowed == sorted(allowed, reverse=True), (action, kind, role)


def test_switching_a_module_on_never_takes_a_permission_away() -> None:
    for action, org, role, kind in product(CONVERSATION_ACTIONS, OrgRole, [None, *MemberRole], ConversationKind):
        for fewer in MODULE_SETS:
            for module in BUILT_MODULES - fewer:
                before = decide(org, action, Place(kind), role, OrgSettings(modules=fewer)) is None
                after = decide(org, action, Place(kind), role, OrgSettings(modules=fewer | {module})) is None
                assert after or not before, (action, org, role, kind, fewer, module)


def test_a_guest_never_sees_a_conversation_they_are_not_in() -> None:
    for action, kind, settings in product(CONVERSATION_ACTIONS, ConversationKind, (DEFAULT_SETTINGS,)):
        refusal = decide(OrgRole.GUEST, action, Place(kind), None, settings)
        assert refusal is not None and refusal.code == "not_found"


def test_the_strictest_policy_is_stricter_than_the_default() -> None:
    for action, org in product(ORG_ACTIONS, OrgRole):
        strict = decide(org, action, settings=permission_matrix.STRICT) is None
        assert not strict or decide(org, action) is None


# --- the documented table ----------------------------------------------------------------


def test_the_matrix_in_docs_security_is_what_the_policy_decides() -> None:
    match = re.search(re.escape(permission_matrix.START) + r".*?" + re.escape(permission_matrix.END), DOC, re.S)
    assert match is not None, "docs/security.md lost its generated permission matrix"
    assert match.group(0) == permission_matrix.render(), (
        "docs/security.md differs from the policy: regenerate with python -m axon.domain.permission_matrix")


def test_the_documented_table_would_notice_a_changed_rule() -> None:
    rendered = permission_matrix.render()
    strict_delete = OrgSettings(replace(OrgPolicy(), members_delete_own=False))
    changed = "\n".join(permission_matrix.conversation_table(Place(CHANNEL), strict_delete))
    assert changed not in rendered  # a different rule renders a different table
