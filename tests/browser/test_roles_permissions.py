"""Roles, permissions and modules in the web client, English and Chinese: Admin › Permissions and
Admin › Modules reaching members live, a read-only member's and an announcement channel's composer
explaining why it is closed, and a guest invited into one conversation (docs/admin.md shows the
screenshots these tests take)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from .conftest import AxonServer, User, screenshot, sign_up_through

DEFAULT_POLICY = {"create_public_channels": "everyone", "create_private_groups": "everyone",
                  "invite_guests": "admins", "edit_window_minutes": None, "delete_window_minutes": None,
                  "members_delete_own": True, "manage_integrations": "admins", "export": "admins"}
ALL_BUILT_ON = {"public_channels": True, "guests": True, "message_editing": True}


def _tag() -> str:
    return uuid.uuid4().hex[:6]


@pytest.fixture
def restored(axon: AxonServer) -> Iterator[None]:
    """Whatever a test does to the organisation's settings, the next test starts from the defaults."""
    yield
    axon.call(axon.admin, "PATCH", "/admin/org/policy", json=DEFAULT_POLICY)
    axon.call(axon.admin, "PATCH", "/admin/org/modules", json=ALL_BUILT_ON)


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "saved"), [("en-US", "Permissions saved."), ("zh-CN", "权限已保存。")])
def test_admins_keep_channel_creation_to_themselves_and_members_see_it_at_once(axon, open_app, restored, locale,
                                                                            saved):
    member = open_app(axon.create_user(f"rp_m_{_tag()}"), locale=locale)
    expect(member.page.get_by_test_id("new-channel")).to_be_visible()
    admin = open_app(axon.admin, locale=locale)
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-tab-permissions").click()
    admin.page.get_by_test_id("policy-create_public_channels").select_option("admins")
    admin.page.get_by_test_id("policy-edit_window_minutes").fill("15")
    admin.page.get_by_test_id("policy-save").click()
    expect(admin.page.get_by_test_id("toast").filter(has_text=saved)).to_be_visible()
    if locale == "en-US":
        screenshot(admin.page, "admin-permissions-light")
    policy = axon.call(axon.admin, "GET", "/org")["policy"]
    assert (policy["create_public_channels"], policy["edit_window_minutes"]) == ("admins", 15)

    expect(member.page.get_by_test_id("new-channel")).to_be_hidden()  # live: the org.updated user event
    expect(member.page.get_by_test_id("new-group")).to_be_visible()
    member.page.get_by_test_id("new-group").click()
    expect(member.page.get_by_test_id("create-tab-group")).to_be_visible()
    expect(member.page.get_by_test_id("create-tab-channel")).to_have_count(0)


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "later"), [("en-US", "Coming later"), ("zh-CN", "即将推出")])
def test_switching_public_channels_off_hides_them_and_unbuilt_modules_cannot_be_switched_on(
        axon, open_app, restored, locale, later):
    member = open_app(axon.create_user(f"rp_mod_{_tag()}"), locale=locale)
    expect(member.page.get_by_test_id("browse-channels")).to_be_visible()
    admin = open_app(axon.admin, locale=locale, dark=locale == "zh-CN")
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-tab-modules").click()
    for unbuilt in ("calls", "integrations"):
        expect(admin.page.get_by_test_id(f"module-{unbuilt}")).to_be_disabled()
        expect(admin.page.get_by_test_id(f"module-{unbuilt}-later")).to_have_text(later)
    toggle = admin.page.get_by_test_id("module-public_channels")
    expect(toggle).to_be_checked()
    toggle.uncheck()
    expect(member.page.get_by_test_id("browse-channels")).to_have_count(0)
    expect(member.page.get_by_test_id("new-channel")).to_be_hidden()
    assert axon.call(axon.admin, "GET", "/org")["modules"]["public_channels"] is False
    if locale == "en-US":
        screenshot(admin.page, "admin-modules-light")
    toggle.check()
    expect(member.page.get_by_test_id("browse-channels")).to_be_visible()


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "read_only", "announcement"), [
    ("en-US", "You are a read-only member here: you can read and react, not post.",
     "Only this channel's owners and admins post here. You can react and reply in threads."),
    ("zh-CN", "你在这里是只读成员：可以阅读和表态，不能发言。",
     "只有本频道的所有者和管理员可以发言。你可以表态，也可以在话题中回复。"),
])
def test_read_only_members_and_announcement_channels_close_the_composer_with_a_reason(
        axon, open_app, locale, read_only, announcement):
    owner = axon.create_user(f"rp_own_{_tag()}", "Olive Owner")
    bob = axon.create_user(f"rp_bob_{_tag()}", "Bob Reader")
    team = axon.room(owner, "group", f"rp-team-{_tag()}", [bob])
    news = axon.room(owner, "channel", f"rp-news-{_tag()}", [bob])
    first = axon.post(owner, news, "Release notes are out")
    axon.post(owner, team, "Figures for the board are in the wiki")
    o = open_app(owner, locale=locale)
    b = open_app(bob, locale=locale)

    # The owner makes Bob read-only in the group from its member list.
    o.open_conversation(team)
    o.page.get_by_test_id("open-members").click()
    o.page.locator(f'[data-testid="member"][data-user-id="{bob.id}"]').get_by_test_id(
        "member-role-select").select_option("read_only")
    b.open_conversation(team)
    expect(b.page.get_by_test_id("composer")).to_be_disabled()
    expect(b.page.get_by_test_id("composer-blocked")).to_have_text(read_only)
    expect(b.message("Figures for the board are in the wiki")).to_be_visible()
    if locale == "en-US":
        screenshot(b.page, "composer-read-only-light")

    # An announcement channel: Bob may not post at the top level but may reply in a thread.
    o.open_conversation(news)
    o.page.get_by_test_id("announcement-toggle").click()
    expect(o.page.get_by_test_id("announcement-tag")).to_be_visible()
    b.open_conversation(news)
    expect(b.page.get_by_test_id("composer")).to_be_disabled()
    expect(b.page.get_by_test_id("composer-blocked")).to_have_text(announcement)
    b.message_action("Release notes are out", "act-reply")
    expect(b.page.get_by_test_id("thread-composer")).to_be_enabled()
    b.page.get_by_test_id("thread-composer").fill("Thanks!")
    b.page.get_by_test_id("thread-composer").press("Enter")
    expect(b.page.get_by_test_id("thread").locator('[data-testid="message"]', has_text="Thanks!")).to_be_visible()
    thread = axon.call(owner, "GET", f"/conversations/{news}/messages/{first['id']}/thread")
    assert [r["text"] for r in thread["replies"]] == ["Thanks!"]


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "guest_label"), [("en-US", "Guest"), ("zh-CN", "访客")])
def test_a_guest_invited_into_one_conversation_sees_only_it_and_is_labelled(axon, open_app, locale, guest_label):
    tag = _tag()
    teammate = axon.create_user(f"rp_tm_{tag}", "Tina Teammate")
    project = axon.room(axon.admin, "group", f"rp-project-{tag}", [teammate])
    admin = open_app(axon.admin, locale=locale)
    admin.open_conversation(project)
    admin.page.get_by_test_id("open-members").click()
    admin.page.get_by_test_id("invite-guest").click()
    link = admin.page.get_by_test_id("guest-invite-link").input_value()
    assert "/#/invite/" in link
    admin.page.keyboard.press("Escape")

    name = f"访客 {tag}" if locale == "zh-CN" else f"Gina Guest {tag}"
    guest = open_app(User(id="", username=f"rp_guest_{tag}", display_name=name), locale=locale, sign_in=False)
    sign_up_through(guest.page, link, f"rp_guest_{tag}", name)
    expect(guest.conv_item(project)).to_be_visible()
    expect(guest.page.get_by_test_id("conv-item")).to_have_count(1)  # no #general
    expect(guest.page.get_by_test_id("browse-channels")).to_have_count(0)
    expect(guest.page.get_by_test_id("new-channel")).to_be_hidden()
    expect(guest.page.get_by_test_id("new-group")).to_be_hidden()

    guest.open_conversation(project)
    guest.send("Hello from outside")
    teammate_view = open_app(teammate, locale=locale)
    teammate_view.open_conversation(project)
    expect(teammate_view.message("Hello from outside")).to_be_visible()
    expect(teammate_view.page.get_by_test_id("author-guest").first).to_have_text(guest_label)
    teammate_view.page.get_by_test_id("open-members").click()
    expect(teammate_view.page.get_by_test_id("guest-tag")).to_have_text(guest_label)
    if locale == "en-US":
        screenshot(teammate_view.page, "guest-in-conversation-light")
