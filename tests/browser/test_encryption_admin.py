"""Admin → Encryption: the organisation's data keys and a rotation's progress, in both languages."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from .conftest import AxonServer, screenshot


def rotate_data_key(axon: AxonServer) -> subprocess.Popen[bytes]:
    """``axon keys rotate --org <slug> --reencrypt`` against the session's node, from the shell."""
    data_dir = axon.log_path.parent
    with sqlite3.connect(data_dir / "axon.db") as db:
        slug = db.execute("SELECT slug FROM orgs").fetchone()[0]
    env = {**os.environ, "AXON_DATA_DIR": str(data_dir), "AXON_RESEAL_BATCH_ROWS": "50"}
    env.pop("AXON_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "axon", "keys", "rotate", "--org", slug, "--reencrypt"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.browser
def test_admins_follow_a_key_rotation_in_both_languages(axon, open_app):
    ivy = axon.create_user("ivy-keys", "Ivy Keys")
    admin = open_app(axon.admin)
    admin.page.get_by_test_id("admin-link").click()
    admin.page.get_by_test_id("admin-tab-encryption").click()
    keys = admin.page.locator('[data-testid="encryption-keys"] tbody tr')
    expect(admin.page.locator('[data-testid="encryption-keys"] tr[data-state="active"]')).to_have_count(1)
    first_key = keys.first.get_attribute("data-key")

    rotation = rotate_data_key(axon)
    # The open page follows the job by itself, to its end: a new active key, the old one retired.
    job = admin.page.get_by_test_id("encryption-job")
    expect(job).to_have_attribute("data-state", "finished", timeout=60_000)
    assert rotation.wait(60) == 0
    expect(admin.page.get_by_test_id("encryption-summary")).to_contain_text("Every record is encrypted")
    expect(admin.page.locator(f'[data-testid="encryption-keys"] tr[data-key="{first_key}"]')).to_have_attribute(
        "data-state", "retired")
    expect(admin.page.locator('[data-testid="encryption-keys"] tr[data-state="active"]')).to_have_count(1)
    expect(admin.page.get_by_test_id("encryption-progress")).to_have_attribute("value", "100")
    screenshot(admin.page, "admin-encryption")

    admin.page.get_by_test_id("settings-link").click()
    admin.page.get_by_test_id("language-select").select_option("zh-CN")
    admin.page.get_by_test_id("admin-link").click()
    expect(admin.page.get_by_test_id("admin-tab-encryption")).to_have_text("加密")
    admin.page.get_by_test_id("admin-tab-encryption").click()
    expect(admin.page.locator(".admin h3")).to_have_text(["静态数据加密", "重新加密", "数据密钥"])
    expect(admin.page.locator(f'tr[data-key="{first_key}"] .key-state')).to_have_text("已停用")
    expect(admin.page.get_by_test_id("encryption-summary")).to_contain_text("所有记录均已使用当前密钥加密")

    member = open_app(ivy)
    member.page.goto(f"{axon.base_url}/#/admin/encryption")
    expect(member.page.get_by_text("Only organisation admins can see this page.")).to_be_visible()
    expect(member.page.get_by_test_id("encryption")).to_have_count(0)
