"""The installable web app: the manifest and its icons, cache headers, and the service worker,
which keeps the app shell (and only the shell) so the client opens without the network."""

from __future__ import annotations

import json
import struct

import httpx
import pytest
from playwright.sync_api import expect


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.browser
def test_manifest_and_icons_are_served_and_valid(axon):
    with httpx.Client(base_url=axon.base_url, timeout=10) as http:
        page = http.get("/")
        assert '<link rel="manifest" href="manifest.webmanifest">' in page.text
        assert 'name="theme-color"' in page.text and "prefers-color-scheme: dark" in page.text
        csp = page.headers["content-security-policy"]
        assert "manifest-src 'self'" in csp and "worker-src 'self'" in csp and "script-src 'self';" in csp
        r = http.get("/manifest.webmanifest")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/manifest+json")
        manifest = json.loads(r.content)
        assert manifest["name"] == "Axon" and manifest["short_name"] == "Axon"
        assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
        assert manifest["theme_color"].startswith("#") and manifest["background_color"].startswith("#")
        pngs = [i for i in manifest["icons"] if i["type"] == "image/png"]
        assert {(i["sizes"], i["purpose"]) for i in pngs} >= {
            ("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}
        for icon in pngs:
            r = http.get("/" + icon["src"])
            assert r.status_code == 200 and r.headers["content-type"] == "image/png"
            side = int(icon["sizes"].split("x")[0])
            assert png_size(r.content) == (side, side), icon["src"]
            assert "max-age=86400" in r.headers["cache-control"]
        # Pages, code and the worker carry no version in their names: always revalidated.
        for path in ("/", "/js/main.js", "/css/app.css", "/sw.js", "/manifest.webmanifest"):
            assert http.get(path).headers["cache-control"] == "no-cache", path
        worker = http.get("/sw.js")
        assert worker.headers["content-type"].startswith("text/javascript")
        assert worker.text.startswith("const SHELL = {")
        shell = json.loads(worker.text.split("\n", 1)[0].removeprefix("const SHELL = ").removesuffix(";"))
        assert "/" in shell["files"] and "/js/main.js" in shell["files"] and "/icons/icon-512.png" in shell["files"]
        assert not [f for f in shell["files"] if f.startswith("/api") or f == "/sw.js"]
        # The API is not the web app's to cache.
        assert "max-age" not in http.get("/healthz").headers.get("cache-control", "")


def wait_for_worker(page):
    # A function, not an expression: Playwright polls an expression with eval, which the CSP refuses.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return page.evaluate("""async () => {
        const names = await caches.keys();
        const urls = [];
        for (const name of names) {
            for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
        }
        return { names, urls };
    }""")


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_service_worker_opens_the_shell_offline_and_never_answers_the_api(axon, open_app, locale):
    ann = axon.create_user("hd_pwa", "HD Offline")
    s = open_app(ann, locale=locale)
    page = s.page
    cached = wait_for_worker(page)
    assert len(cached["names"]) == 1 and cached["names"][0].startswith("axon-shell-")
    assert {"/", "/js/main.js", "/css/app.css", "/vendor/marked.esm.js", "/manifest.webmanifest"} <= set(cached["urls"])
    assert not [u for u in cached["urls"] if u.startswith("/api")]

    # Online: the shell's code comes from the worker's cache, every API call from the server.
    responses = []
    page.on("response", lambda r: responses.append((r.url.split("/", 3)[3], r.from_service_worker)))
    # The socket can be live before the first REST answer has arrived (a busy machine): wait for one.
    with page.expect_response(lambda r: r.url.split("/", 3)[3].startswith("api/")):
        page.reload()
    expect(page.locator("html")).to_have_attribute("data-conn", "live")
    assert ("js/main.js", True) in responses
    api = [(url, sw) for url, sw in responses if url.startswith("api/")]
    assert api and not [url for url, sw in api if sw], api

    # Offline: the page, its code and styles still load (from the cache); the API does not answer.
    s.context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.locator("html")).to_have_attribute("data-conn", "offline")
    expect(page.get_by_test_id("sidebar")).to_be_visible()
    expect(page.get_by_test_id("conn-banner")).to_contain_text("你已离线" if locale == "zh-CN" else "You are offline")
    failed = page.evaluate("fetch('/api/v1/me').then(() => 'answered', () => 'failed')")
    assert failed == "failed"
    s.context.set_offline(False)
    expect(page.locator("html")).to_have_attribute("data-conn", "live")


@pytest.mark.browser
def test_chromium_finds_the_app_installable(axon, open_app):
    ann = axon.create_user("hd_install", "HD Install")
    s = open_app(ann)
    wait_for_worker(s.page)
    cdp = s.context.new_cdp_session(s.page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest") and manifest["errors"] == [], manifest["errors"]
    # Playwright's contexts are incognito profiles, where nothing installs; every other check passes.
    errors = [e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    assert errors in ([], ["in-incognito"]), errors


@pytest.mark.browser
def test_title_bar_colour_follows_the_theme(axon, open_app):
    ann = axon.create_user("hd_theme", "HD Theme")
    s = open_app(ann, dark=True)
    metas = s.page.locator('meta[name="theme-color"]')
    expect(metas).to_have_count(2)

    def colours():
        return metas.evaluate_all("(ms) => ms.map((m) => [m.media, m.content])")

    # Following the system: each tag names its own theme's colour.
    assert colours() == [["(prefers-color-scheme: light)", "#f0f2f5"], ["(prefers-color-scheme: dark)", "#121418"]]
    s.page.get_by_test_id("settings-link").click()
    s.page.get_by_test_id("theme-select").select_option("light")
    expect(s.page.locator("html")).to_have_attribute("data-theme", "light")
    assert [c for _, c in colours()] == ["#f0f2f5", "#f0f2f5"]  # a chosen theme wins over the system's
    s.page.get_by_test_id("theme-select").select_option("dark")
    assert [c for _, c in colours()] == ["#121418", "#121418"]
