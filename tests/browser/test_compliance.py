"""Admin › Compliance: retention of the organisation and of a conversation, legal holds, compliance
exports with their progress, in both languages."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from .conftest import screenshot


@pytest.mark.browser
def test_admin_sets_retention_places_holds_and_exports(axon, open_app, tmp_path):
    kim = axon.create_user("kim", "Kim Compliance")
    room = axon.room(axon.admin, "group", "Board minutes", [kim])
    for i in range(30):
        axon.post(kim, room, f"minute {i}")

    admin = open_app(axon.admin)
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-tab-compliance").click()
    page = admin.page

    page.get_by_test_id("org-retention-days").fill("365")
    page.get_by_test_id("org-retention-save").click()
    expect(page.get_by_test_id("toast").filter(has_text="Saved.")).to_be_visible()
    assert axon.call(axon.admin, "GET", "/org")["retention_days"] == 365

    page.get_by_test_id("hold-target").select_option(room)
    page.get_by_test_id("hold-reason").fill("Litigation 2026-17")
    page.get_by_test_id("hold-place").click()
    holds = page.get_by_test_id("legal-holds").locator("tbody tr")
    expect(holds.first).to_contain_text("Board minutes")
    expect(holds.first).to_contain_text("Active")
    page.get_by_test_id("hold-type").select_option("user")
    page.get_by_test_id("hold-target").select_option(kim.id)
    page.get_by_test_id("hold-place").click()
    expect(holds.filter(has_text="Kim Compliance")).to_contain_text("Active")

    page.get_by_test_id("retention-conversation").select_option(room)
    expect(page.get_by_test_id("retention-status")).to_have_text("A legal hold keeps all of this conversation.")
    holds.filter(has_text="Board minutes").get_by_test_id("hold-release").click()
    expect(holds.filter(has_text="Board minutes")).to_contain_text("Released")
    page.get_by_test_id("retention-mode").select_option("days")
    page.get_by_test_id("retention-days").fill("90")
    page.get_by_test_id("retention-save").click()
    expect(page.get_by_test_id("retention-status")).to_have_text("Messages here are erased after 90 days.")
    assert axon.call(axon.admin, "GET", f"/admin/conversations/{room}/retention")["retention_days"] == 90

    with page.expect_download() as download:
        page.get_by_test_id("conversation-export").click()
    download.value.save_as(tmp_path / "room.json")
    exported = json.loads((tmp_path / "room.json").read_text())
    assert exported["conversation"]["name"] == "Board minutes"
    minutes = [m["text"] for m in exported["messages"] if m["text"].startswith("minute")]
    assert minutes == [f"minute {i}" for i in range(30)]
    expect(page.get_by_test_id("conversation-export-progress")).to_contain_text("Downloaded")
    page.get_by_test_id("export-user").select_option(kim.id)
    with page.expect_download() as download:
        page.get_by_test_id("user-export").click()
    download.value.save_as(tmp_path / "kim.json")
    assert json.loads((tmp_path / "kim.json").read_text())["user"]["id"] == kim.id
    page.get_by_test_id("admin").evaluate("el => el.scrollTop = 0")
    expect(page.get_by_test_id("toast")).to_have_count(0, timeout=15_000)  # a clean picture for the docs
    screenshot(page, "admin-compliance")

    # Recorded, and in Chinese.
    page.get_by_test_id("admin-tab-audit").click()
    page.get_by_test_id("audit-action").select_option("export.")
    expect(page.get_by_test_id("audit-log").locator("tbody tr td:nth-child(2)")).to_have_text(
        ["Person's data exported", "Conversation exported"])
    page.get_by_test_id("settings-link").click()
    page.get_by_test_id("language-select").select_option("zh-CN")
    page.get_by_test_id("admin-link").click()
    expect(page.get_by_test_id("admin-tab-compliance")).to_have_text("合规")
    page.get_by_test_id("admin-tab-compliance").click()
    expect(page.locator('[data-testid="admin"] h3')).to_have_text(["消息保留期限", "法律保全", "会话", "成员数据"])
    expect(page.get_by_test_id("legal-holds").locator("tbody tr").first).to_contain_text("生效中")
    screenshot(page, "admin-compliance-zh")
