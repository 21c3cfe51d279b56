"""Round 2, administration (helper HA): every organisation's #general and its default channels,
joined/added system lines in the timeline, Admin › Users (search, paging, promote and demote, the
last-admin guard) and renaming the organisation. English and zh-CN where text is shown."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, AxonServer, Session, User, screenshot, sign_up_through

LOCALES = [("en-US", "{name} joined #general", "{actor} added {name}"),
           ("zh-CN", "{name} 加入了 #general", "{actor} 添加了 {name}")]


def _tag() -> str:
    """Six letters, never a digit: a tag like "3a07c1" made the search for "<tag> 07" match every row."""
    return uuid.uuid4().hex[:6].translate(str.maketrans("0123456789", "ghijklmnop"))


def _general(axon: AxonServer) -> str:
    return next(c["id"] for c in axon.call(axon.admin, "GET", "/conversations") if c["name"] == "general")


def _system_line(session: Session, text: str):  # noqa: ANN202 - a Playwright locator
    return session.page.get_by_test_id("timeline").locator('[data-testid="system-line"]', has_text=text)


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "joined", "_added"), LOCALES)
def test_a_newcomer_invited_lands_in_general_and_both_see_the_joined_line(axon, open_app, locale, joined, _added):
    general = _general(axon)
    admin = open_app(axon.admin, locale=locale)
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-tab-invites").click()
    admin.page.get_by_test_id("create-invite").click()
    link = admin.page.get_by_test_id("invite-link").input_value()
    admin.open_conversation(general)

    tag = _tag()
    name = f"HA 张伟 {tag}" if locale == "zh-CN" else f"HA Newcomer {tag}"
    dark = locale == "zh-CN"  # the Chinese run in the dark theme
    newcomer = open_app(User(id="", username=f"ha_new_{tag}", display_name=name), locale=locale, sign_in=False,
                        dark=dark)
    sign_up_through(newcomer.page, link, f"ha_new_{tag}", name)

    # Not an empty sidebar: #general is there at once, and opens with the newcomer's own line.
    expect(newcomer.conv_item(general)).to_be_visible()
    newcomer.open_conversation(general)
    line = joined.format(name=name)
    expect(_system_line(newcomer, line)).to_be_visible()
    expect(_system_line(admin, line)).to_be_visible()  # live, for whoever has #general open
    for session in (admin, newcomer):
        expect(session.page.get_by_test_id("timeline")).not_to_contain_text("null")
    line_colour = _system_line(newcomer, line).evaluate("el => getComputedStyle(el).color")
    page_colour = newcomer.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert line_colour != page_colour  # readable in either theme
    screenshot(newcomer.page, f"general-joined-{'dark' if dark else 'light'}")


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "_joined", "added"), LOCALES)
def test_someone_added_shows_who_added_whom(axon, open_app, locale, _joined, added):
    tag = _tag()
    ann = axon.create_user(f"ha_ann_{tag}", f"HA Ann {tag}")
    bob = axon.create_user(f"ha_bob_{tag}", f"HA Bob {tag}")
    room = axon.room(ann, "group", f"ha-room-{tag}", [])
    session = open_app(ann, locale=locale)
    session.open_conversation(room)
    axon.call(ann, "POST", f"/conversations/{room}/members", json={"user_ids": [bob.id]})
    expect(_system_line(session, added.format(actor=ann.display_name, name=bob.display_name))).to_be_visible()
    # History shows it too (loaded with the page, not only live).
    session.page.reload()
    expect(session.page.locator("html")).to_have_attribute("data-conn", "live")
    session.open_conversation(room)
    expect(_system_line(session, added.format(actor=ann.display_name, name=bob.display_name))).to_be_visible()


@pytest.mark.browser
def test_admin_chooses_the_default_channels(axon, open_app):
    tag = _tag()
    news = axon.room(axon.admin, "channel", f"ha-news-{tag}", [])
    general = _general(axon)
    admin = open_app(axon.admin)
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-tab-org").click()
    expect(admin.page.get_by_test_id("default-channel-general")).to_be_checked()
    admin.page.get_by_test_id(f"default-channel-ha-news-{tag}").check()
    admin.page.get_by_test_id("default-channels-save").click()
    expect(admin.page.get_by_test_id("toast").filter(has_text="Default channels saved.")).to_be_visible()
    try:
        newcomer = axon.create_user(f"ha_dc_{tag}", f"HA Default {tag}")
        names = {c["id"] for c in axon.call(newcomer, "GET", "/conversations")}
        assert {general, news} <= names
    finally:
        axon.call(axon.admin, "PUT", "/admin/default-channels", json={"channel_ids": [general]})


@pytest.mark.browser
def test_admin_users_are_searched_and_paged(axon, open_app):
    tag = _tag()
    with axon.api(axon.admin.token) as api:
        for i in range(30):
            name = f"{tag} {i:02d}"
            body = {"username": f"ha_page_{tag}_{i:02d}", "display_name": f"HA Page {name}", "password": PASSWORD}
            api.post("/admin/users", json=body).raise_for_status()
    admin = open_app(axon.admin)
    admin.page.get_by_test_id("admin-link").click()
    rows = admin.page.get_by_test_id("admin-users").locator("tbody tr")
    admin.page.get_by_test_id("admin-user-search").fill(f"ha page {tag}")
    expect(rows.first).to_contain_text(f"HA Page {tag} 00")
    expect(rows).to_have_count(25)  # one page
    admin.page.get_by_test_id("admin-users-more").click()
    expect(rows).to_have_count(30)
    expect(admin.page.get_by_test_id("admin-users-more")).to_be_hidden()
    admin.page.get_by_test_id("admin-user-search").fill(f"{tag} 07")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"HA Page {tag} 07")
    admin.page.get_by_test_id("admin-user-search").fill(f"{tag} nobody")
    expect(admin.page.get_by_test_id("admin-users-empty")).to_be_visible()


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "admin_label", "member_label", "owner_label", "role_label", "refusal"), [
    ("en-US", "Admin", "Member", "Owner", "Role: ",
     "The organisation needs at least one admin: make someone else an admin first."),
    ("zh-CN", "管理员", "成员", "所有者", "角色：", "组织至少需要一位管理员：请先将其他人设为管理员。"),
])
def test_promote_demote_and_the_last_admin_is_kept(axon, open_app, locale, admin_label, member_label, owner_label,
                                                   role_label, refusal):
    tag = _tag()
    user = axon.create_user(f"ha_role_{tag}", f"HA Role {tag}")
    admin = open_app(axon.admin, locale=locale)
    admin.page.get_by_test_id("admin-link").click()
    search = admin.page.get_by_test_id("admin-user-search")
    search.fill(user.username)
    row = admin.page.locator(f'tr[data-username="{user.username}"]')
    expect(row.get_by_test_id("user-role")).to_have_text(member_label)
    role = row.get_by_test_id("user-role-select")
    expect(role).to_have_attribute("aria-label", f"{role_label}{user.display_name}")
    role.select_option("admin")
    expect(row.get_by_test_id("user-role")).to_have_text(admin_label)
    assert axon.call(axon.admin, "GET", f"/users/{user.id}")["role"] == "admin"
    row.get_by_test_id("user-role-select").select_option("member")
    expect(row.get_by_test_id("user-role")).to_have_text(member_label)

    # The only admin (the organisation's owner) demoting themselves is refused, with a message saying why.
    search.fill("admin")
    me = admin.page.locator('tr[data-username="admin"]')
    expect(me.get_by_test_id("user-role")).to_have_text(owner_label)
    me.get_by_test_id("user-role-select").select_option("member")
    expect(admin.page.get_by_test_id("toast").filter(has_text=refusal)).to_be_visible()
    expect(me.get_by_test_id("user-role")).to_have_text(owner_label)
    expect(me.get_by_test_id("user-role-select")).to_have_value("owner")


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_organisation_is_renamed_in_admin(axon, open_app, locale):
    tag = _tag()
    admin = open_app(axon.admin, locale=locale, dark=locale == "zh-CN")
    member = open_app(axon.create_user(f"ha_org_{tag}", f"HA Org {tag}"), locale=locale)
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-tab-org").click()
    field = admin.page.get_by_test_id("org-name-input")
    expect(field).to_have_value("Test Org")
    try:
        field.fill(f"HA 团队 {tag}")
        admin.page.get_by_test_id("org-name-save").click()
        expect(admin.page.locator(".org-name")).to_have_text(f"HA 团队 {tag}")
        expect(admin.page).to_have_title(re.compile(rf"Axon · HA 团队 {tag}$"))
        member.page.reload()  # others see it when they next open the app
        expect(member.page.locator(".org-name")).to_have_text(f"HA 团队 {tag}")
        screenshot(admin.page, f"admin-org-{locale}")
    finally:
        axon.call(axon.admin, "PATCH", "/admin/org", json={"name": "Test Org"})


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "dark"), [("en-US", False), ("zh-CN", True)], ids=["light-en", "dark-zh"])
def test_the_new_admin_screens_and_system_lines_pass_axe(axon, open_app, locale, dark):
    from .test_a11y import axe_violations

    tag = _tag()
    ann = axon.create_user(f"ha_axe_{tag}", f"HA Axe {tag}")
    bob = axon.create_user(f"ha_axe_b_{tag}", f"HA Axe Bob {tag}")
    room = axon.room(ann, "channel", f"ha-axe-{tag}", [bob])
    axon.post(bob, room, "hello")
    admin = open_app(axon.admin, locale=locale, dark=dark)
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-user-search").fill(f"HA Axe {tag}")
    expect(admin.page.get_by_test_id("admin-users").locator("tbody tr")).to_have_count(2)
    found = axe_violations(admin.page, "admin users")
    admin.page.get_by_test_id("admin-tab-org").click()
    expect(admin.page.get_by_test_id("default-channel-general")).to_be_visible()
    found += axe_violations(admin.page, "admin organisation")
    member = open_app(ann, locale=locale, dark=dark)
    member.open_conversation(room)
    expect(member.page.locator('[data-testid="system-line"]').first).to_be_visible()
    found += axe_violations(member.page, "system lines")
    assert not found, "\n".join(found)
