"""Where the browser tests put their screenshots: an ordinary test run never rewrites the tracked
``docs/screenshots/`` (it writes to the ignored ``test-artifacts/screenshots/``); refreshing the
published ones is asked for with ``AXON_REFRESH_SCREENSHOTS=1`` (``make screenshots``)."""

from __future__ import annotations

import pytest

from .conftest import ROOT, screenshot

DOCS = ROOT / "docs" / "screenshots"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


@pytest.mark.browser
def test_a_test_run_leaves_the_published_screenshots_alone(browser, monkeypatch) -> None:
    monkeypatch.delenv("AXON_REFRESH_SCREENSHOTS", raising=False)
    page = browser.new_page(viewport={"width": 320, "height": 200})
    try:
        page.set_content("<p>not the README's picture</p>")
        name = "group-mention-light"  # the one the README shows first
        published = (DOCS / f"{name}.png").read_bytes()
        (ARTIFACTS / f"{name}.png").unlink(missing_ok=True)
        screenshot(page, name)
        assert (DOCS / f"{name}.png").read_bytes() == published, "a test run rewrote docs/screenshots/"
        assert (ARTIFACTS / f"{name}.png").is_file()
    finally:
        page.close()


@pytest.mark.browser
def test_refreshing_the_screenshots_writes_them_into_the_docs(browser, monkeypatch) -> None:
    monkeypatch.setenv("AXON_REFRESH_SCREENSHOTS", "1")
    page = browser.new_page(viewport={"width": 320, "height": 200})
    written = DOCS / "refresh-check.png"
    try:
        page.set_content("<p>refresh</p>")
        screenshot(page, written.stem)
        assert written.is_file()
    finally:
        written.unlink(missing_ok=True)
        page.close()
