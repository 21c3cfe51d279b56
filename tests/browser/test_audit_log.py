"""Admin › Audit log: browse newest first, filter by action and by a person, export, in both languages."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import screenshot


@pytest.mark.browser
def test_admin_browses_filters_and_exports_the_audit_log(axon, open_app, tmp_path):
    zoe = axon.create_user("zoe", "Zoe Audit")
    for disabled in (True, False):
        axon.call(axon.admin, "PATCH", f"/admin/users/{zoe.id}", json={"disabled": disabled})
    failed = httpx.post(f"{axon.base_url}/api/v1/auth/login", json={"login": zoe.username, "password": "nope-nope-1"})
    assert failed.status_code == 401

    admin = open_app(axon.admin)
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-tab-audit").click()
    rows = admin.page.get_by_test_id("audit-log").locator("tbody tr")
    expect(rows.first).to_have_attribute("data-action", "auth.login")  # newest first: the admin signing in here
    expect(rows.first).to_contain_text("Signed in")

    # Only what concerns Zoe: click her name in a row.
    zoe_row = rows.filter(has_text="Failed sign-in").filter(has_text="Zoe Audit").first
    zoe_row.get_by_role("button", name="Zoe Audit").click()
    expect(admin.page.get_by_test_id("audit-chip-target")).to_have_text("On: Zoe Audit×")
    expect(rows).to_have_count(5)
    expect(rows.locator("td:nth-child(2)")).to_have_text(
        ["Failed sign-in", "Account enabled", "Account disabled", "Signed in", "Account created"])
    admin.page.get_by_test_id("audit-action").select_option("user.")
    expect(rows.locator("td:nth-child(2)")).to_have_text(["Account enabled", "Account disabled", "Account created"])
    expect(rows.nth(1)).to_contain_text("devices_revoked: 1")
    screenshot(admin.page, "admin-audit")

    with admin.page.expect_download() as download:
        admin.page.get_by_test_id("audit-export-csv").click()
    saved = tmp_path / "audit.csv"
    download.value.save_as(saved)
    table = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert [r["action"] for r in table] == ["user.enabled", "user.disabled", "user.created"]
    assert {r["target_id"] for r in table} == {zoe.id}
    with admin.page.expect_download() as download:
        admin.page.get_by_test_id("audit-export-jsonl").click()
    download.value.save_as(tmp_path / "audit.jsonl")
    lines = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [x["action"] for x in lines] == ["user.enabled", "user.disabled", "user.created"]

    # Both exports are themselves in the log.
    admin.page.get_by_test_id("audit-chip-target").get_by_role("button").click()
    admin.page.get_by_test_id("audit-action").select_option("audit.exported")
    expect(rows.locator("td:nth-child(2)")).to_have_text(["Audit log exported", "Audit log exported"])
    expect(rows.first).to_contain_text("format: jsonl")

    # In Chinese.
    admin.page.get_by_test_id("settings-link").click()
    admin.page.get_by_test_id("language-select").select_option("zh-CN")
    admin.page.get_by_test_id("admin-link").click()
    expect(admin.page.get_by_test_id("admin-tab-audit")).to_have_text("审计日志")
    admin.page.get_by_test_id("admin-tab-audit").click()
    expect(admin.page.get_by_test_id("audit-log").locator("thead th")).to_have_text(
        ["时间", "操作", "操作人", "对象", "详情", "地址"])
    admin.page.get_by_test_id("audit-action").select_option("user.disabled")
    expect(rows.filter(has_text="Zoe Audit")).to_have_count(1)
    expect(rows.filter(has_text="Zoe Audit")).to_contain_text("停用账号")
    expect(admin.page.get_by_test_id("toast")).to_have_count(0, timeout=15_000)  # a clean picture for the docs
    screenshot(admin.page, "admin-audit-zh")

    # A member neither sees the page nor reads the API.
    member = open_app(zoe)
    member.page.goto(f"{axon.base_url}/#/admin/audit")
    expect(member.page.get_by_text("Only organisation admins can see this page.")).to_be_visible()
    zoe.token = axon.login(zoe.username, zoe.password)  # disabling her ended her first sign-in
    with pytest.raises(httpx.HTTPStatusError) as refused:
        axon.call(zoe, "GET", "/admin/audit")
    assert refused.value.response.status_code == 403
