"""Browser tests: a real Axon node in a subprocess, driven through Debian's chromium.

One server and one browser per session; each test opens fresh browser contexts
(one per simulated person) and creates its own users, so tests do not depend on
each other. Waiting is always on a condition (Playwright's ``expect`` or a polling
loop), never a fixed sleep.

Needs: ``apt-get install chromium`` and ``pip install playwright`` (no
``playwright install``: the system chromium is used). Skipped when either is missing.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.mailbox import MailDrop, running_mail_drop
from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("AXON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Voice messages (test_files.py): a fake microphone (a tone), allowed without a prompt.
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
]
DOC_SCREENSHOTS = ROOT / "docs" / "screenshots"  # tracked: rewritten only on request (make screenshots)
ARTIFACT_SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"  # ignored: a test run leaves the tree clean
METRICS_FILE = ROOT / "test-artifacts" / "browser-metrics.json"
READY_TIMEOUT_S = 30
PASSWORD = "correct horse battery"

if not Path(CHROMIUM).exists():
    # Never a silent skip: `make test` installs chromium; without it these tests cannot say anything.
    raise pytest.UsageError(f"chromium not found at {CHROMIUM}: run `apt-get install chromium` (make test does)")

expect.set_options(timeout=10_000)

# Replaces the Notification API with a recorder (the headless browser shows nothing),
# and counts alert/confirm/prompt dialogs so XSS tests can assert none fired.
SPY_SCRIPT = """
(() => {
  window.__notifications = [];
  class RecordingNotification {
    constructor(title, options = {}) {
      window.__notifications.push({ title, body: options.body || "", tag: options.tag || "" });
    }
    close() {}
    static get permission() { return "granted"; }
    static requestPermission() { return Promise.resolve("granted"); }
  }
  window.Notification = RecordingNotification;
})();
"""


def _axon_executable() -> str:
    local = Path(sys.executable).parent / "axon"
    return str(local) if local.exists() else (shutil.which("axon") or "axon")


@dataclass
class User:
    id: str
    username: str
    display_name: str
    password: str = PASSWORD
    token: str = ""


@dataclass
class AxonServer:
    base_url: str
    admin: User
    process: subprocess.Popen[bytes]
    log_path: Path
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def api(self, token: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=f"{self.base_url}/api/v1", headers=headers, timeout=10)

    def login(self, login: str, password: str) -> str:
        r = httpx.post(f"{self.base_url}/api/v1/auth/login", json={"login": login, "password": password}, timeout=10)
        r.raise_for_status()
        return str(r.json()["token"])

    def create_user(self, name: str, display_name: str | None = None) -> User:
        """A fresh member through the admin API; usernames get a suffix so tests never collide."""
        username = f"{name}{next(self._counter)}"
        with self.api(self.admin.token) as api:
            r = api.post("/admin/users", json={"username": username, "display_name": display_name or name.title(),
                                               "password": PASSWORD})
            r.raise_for_status()
            body = r.json()
        user = User(id=body["id"], username=username, display_name=body["display_name"])
        user.token = self.login(username, PASSWORD)
        return user

    def call(self, user: User, method: str, path: str, **kwargs: Any) -> Any:
        with self.api(user.token) as api:
            r = api.request(method, path, **kwargs)
            r.raise_for_status()
            return r.json() if r.content else None

    def post(self, user: User, conv_id: str, text: str) -> dict[str, Any]:
        body = {"client_msg_id": str(uuid.uuid4()), "text": text}
        return dict(self.call(user, "POST", f"/conversations/{conv_id}/messages", json=body)["message"])

    def direct(self, a: User, b: User) -> str:
        return str(self.call(a, "POST", "/conversations/direct", json={"user_id": b.id})["id"])

    def room(self, owner: User, kind: str, name: str, members: list[User], topic: str = "") -> str:
        body = {"kind": kind, "name": name, "topic": topic, "member_ids": [m.id for m in members]}
        return str(self.call(owner, "POST", "/conversations", json=body)["id"])


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(timeout=1) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"axon serve exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if client.get(f"{url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # poll interval, not a wait for an outcome
    raise RuntimeError(f"axon serve not ready after {READY_TIMEOUT_S}s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def mail_drop() -> Iterator[tuple[MailDrop, int]]:
    with running_mail_drop() as drop_and_port:
        yield drop_and_port


@pytest.fixture(scope="session")
def axon(tmp_path_factory: pytest.TempPathFactory, mail_drop: tuple[MailDrop, int]) -> Iterator[AxonServer]:
    with running_axon(tmp_path_factory, mail_drop) as server:
        yield server


@contextmanager
def running_axon(tmp_path_factory: pytest.TempPathFactory, mail_drop: tuple[MailDrop, int],
                 extra_env: dict[str, str] | None = None) -> Iterator[AxonServer]:
    """A node for browser tests; `extra_env` turns on what tests leave off (e.g. AXON_EVENT_HINTS=1)."""
    data_dir = tmp_path_factory.mktemp("axon-data")
    log_path = data_dir / "server.log"
    port = free_port()
    admin_password = f"admin-{uuid.uuid4().hex}"
    env = {**os.environ, "AXON_ADMIN_USERNAME": "admin", "AXON_ADMIN_PASSWORD": admin_password,
           "AXON_ORG_NAME": "Test Org", "AXON_LOG_LEVEL": "warning",
           # Mail goes to the test's own SMTP server; its links point at this node.
           "AXON_SMTP_HOST": "127.0.0.1", "AXON_SMTP_PORT": str(mail_drop[1]), "AXON_SMTP_SECURITY": "none",
           "AXON_PUBLIC_URL": f"http://127.0.0.1:{port}",
           # Tests post history pages through the API far faster than a person sends.
           "AXON_SEND_RATE_PER_USER": "100000", "AXON_SEND_BURST_PER_USER": "100000",
           "AXON_SEND_RATE_PER_DEVICE": "100000", "AXON_SEND_BURST_PER_DEVICE": "100000",
           # Link previews may be fetched from the tests' web site (tests/support/web_site.py) only.
           "AXON_LINK_PREVIEW_ALLOW": "127.0.0.2/32", **(extra_env or {})}
    env.pop("AXON_DATABASE_URL", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [_axon_executable(), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log_path)
        admin = User(id="", username="admin", display_name="Administrator", password=admin_password)
        server = AxonServer(base_url=url, admin=admin, process=process, log_path=log_path)
        admin.token = server.login("admin", admin_password)
        admin.id = server.call(admin, "GET", "/me")["id"]
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Session:
    """One person in one browser context."""

    page: Page
    context: BrowserContext
    user: User
    dialogs: list[str]
    errors: list[str]

    def notifications(self) -> list[dict[str, str]]:
        return list(self.page.evaluate("window.__notifications"))

    def open_conversation(self, conv_id: str) -> None:
        self.page.locator(f'[data-testid="conv-item"][data-conv-id="{conv_id}"]').click()
        expect(self.page.locator(f'.conversation[data-conv-id="{conv_id}"]')).to_be_visible()

    def send(self, text: str) -> None:
        box = self.page.get_by_test_id("composer")
        box.fill(text)
        box.press("Enter")

    def message(self, text: str) -> Any:
        return self.page.get_by_test_id("timeline").locator('[data-testid="message"]', has_text=text)

    def message_action(self, message: Any, action: str) -> None:
        """Hover a message and click one of its hover actions (``act-reply``, ``act-edit``…).

        The actions show only while the pointer is over the message; a message that moves
        under a still pointer (a new message, the unread divider going away) loses the hover,
        as it would for a person, who would simply point again — so this points again.
        """
        if isinstance(message, str):
            message = self.message(message)
        button = message.get_by_test_id(action)
        for _ in range(10):
            message.hover()
            try:
                button.click(timeout=2_000)
                return
            except PlaywrightTimeoutError:
                continue
        button.click()

    def conv_item(self, conv_id: str) -> Any:
        return self.page.locator(f'[data-testid="conv-item"][data-conv-id="{conv_id}"]')


@pytest.fixture
def open_app(axon: AxonServer, browser: Browser) -> Iterator[Callable[..., Session]]:
    """Open the web client signed in as a user: open_app(user, locale=..., viewport=..., dark=...)."""
    sessions: list[Session] = []

    def _open(user: User, *, locale: str = "en-US", viewport: dict[str, int] | None = None, dark: bool = False,
              sign_in: bool = True, ws_route: Callable[..., None] | None = None) -> Session:
        context = browser.new_context(
            locale=locale, viewport=viewport or {"width": 1280, "height": 800},
            color_scheme="dark" if dark else "light", timezone_id="Asia/Shanghai",
        )
        context.add_init_script(SPY_SCRIPT)
        if ws_route:
            context.route_web_socket("**/api/v1/ws", ws_route)
        page = context.new_page()
        session = Session(page=page, context=context, user=user, dialogs=[], errors=[])
        page.on("dialog", lambda d: (session.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: session.errors.append(f"pageerror: {e.stack}"))
        page.on("console", lambda m: session.errors.append(m.text) if _is_problem(m.text) else None)
        sessions.append(session)
        page.goto(axon.base_url + "/")
        if sign_in:
            sign_in_ui(page, user.username, user.password)
        return session

    yield _open
    for s in sessions:
        s.context.close()
    problems = [e for s in sessions for e in s.errors]
    assert not problems, f"errors in the page: {problems}"


def _is_problem(console_text: str) -> bool:
    """Console lines that mean a bug: an untranslated string, or something the CSP blocked."""
    return "i18n: missing" in console_text or "Content Security Policy" in console_text


def sign_in_ui(page: Page, login: str, password: str) -> None:
    page.get_by_test_id("login-user").fill(login)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.locator("html")).to_have_attribute("data-conn", "live")


def sign_up_through(page: Page, link: str, username: str, display_name: str) -> None:
    """Open an invite link signed out and create the account it offers; wait until the app is live."""
    page.goto(link)
    page.get_by_test_id("signup-username").fill(username)
    page.get_by_test_id("signup-display-name").fill(display_name)
    page.get_by_test_id("signup-password").fill(PASSWORD)
    page.get_by_test_id("signup-submit").click()
    expect(page.locator("html")).to_have_attribute("data-conn", "live")


class Metrics:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def record(self, name: str, value: Any) -> None:
        self.values[name] = value


@pytest.fixture(scope="session")
def metrics() -> Iterator[Metrics]:
    m = Metrics()
    yield m
    if m.values:
        METRICS_FILE.parent.mkdir(parents=True, exist_ok=True)
        METRICS_FILE.write_text(json.dumps(m.values, indent=2, sort_keys=True) + "\n")
        _written.append(METRICS_FILE)


def screenshot_dir() -> Path:
    """docs/screenshots/ with AXON_REFRESH_SCREENSHOTS=1 (`make screenshots`), else test-artifacts/screenshots/."""
    return DOC_SCREENSHOTS if os.environ.get("AXON_REFRESH_SCREENSHOTS") == "1" else ARTIFACT_SCREENSHOTS


def screenshot(page: Page, name: str) -> None:
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


_written: list[Path] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for path in _written:
        terminalreporter.write_sep("-", f"browser metrics ({path.relative_to(ROOT)})")
        terminalreporter.write_line(path.read_text())
