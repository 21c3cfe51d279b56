"""``python -m bench.web_timing``: how fast the web client feels, measured in chromium (Playwright).

Starts a fresh node (or uses ``--url``), creates two people who share a direct conversation and
a dozen groups, and measures:

* **page load → interactive conversation list**: from navigation start until the sidebar lists
  every conversation and the connection is live (``<html data-conn="live">``), for a person already
  signed in. *Cold*: a new browser profile each run (no HTTP cache, no service worker). *Warm, HTTP
  cache*: the same profile loaded again with the service worker blocked (revalidation, 304s).
  *Warm, service worker*: the same profile with the app shell in the worker's cache.
* **send → display**: Enter in one person's composer until the message is in the other person's
  timeline, for ``--messages`` messages one after the other (both times read from the same clock:
  ``performance.timeOrigin + performance.now()`` in each page).

Not a pass/fail test and not part of ``make test``: the figures depend on the machine and on what
else runs on it (the machine load is sampled first and written with the results).
Results: printed, and written to ``bench/results/web-timing.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from . import session
from .node import Node

CHROMIUM = os.environ.get("AXON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "web timing password"
GROUPS = 12
# An init script (injected before the page's own, so the page's CSP, which forbids eval, does not
# apply): on every animation frame until it holds, checks for the full list and a live connection,
# and notes the time since navigation start.
LIST_READY = """(() => {
    const check = () => {
        if (document.querySelectorAll('[data-testid="conv-item"]').length >= %d
            && document.documentElement.dataset.conn === 'live') window.__listReady = performance.now();
        else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
})();"""
RECORD_SENDS = """() => {
    window.__sent = {};
    document.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && e.target.dataset.testid === 'composer')
            window.__sent[e.target.value] = performance.timeOrigin + performance.now();
    }, true);
}"""
RECORD_ARRIVALS = """() => {
    window.__shown = {};
    const timeline = document.querySelector('[data-testid="timeline"]');
    new MutationObserver(() => {
        const now = performance.timeOrigin + performance.now();
        for (const m of timeline.querySelectorAll('[data-testid="message"] .msg-body')) {
            const text = m.textContent.trim();
            if (text.startsWith('wt-') && !(text in window.__shown)) window.__shown[text] = now;
        }
    }).observe(timeline, { childList: true, subtree: true, characterData: true });
}"""


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m bench.web_timing", description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running node (http://host:port) instead of starting one")
    ap.add_argument("--admin-password", default="bench-admin-password", help="admin password of that node")
    ap.add_argument("--runs", type=int, default=9, help="page loads per case (the median is reported)")
    ap.add_argument("--messages", type=int, default=50, help="messages for send → display")
    ap.add_argument("--out", default=os.path.join(session.RESULTS_DIR, "web-timing.json"))
    return ap


def provision(base_url: str, admin_password: str) -> dict[str, Any]:
    """Two people, their direct conversation and GROUPS groups with a few messages each."""
    tag = uuid.uuid4().hex[:6]
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=30) as http:
        def login(name: str, password: str) -> str:
            r = http.post("/auth/login", json={"login": name, "password": password})
            r.raise_for_status()
            return str(r.json()["token"])

        admin = {"Authorization": f"Bearer {login('admin', admin_password)}"}
        people = {}
        for who in ("ann", "bob"):
            username = f"wt_{who}_{tag}"
            r = http.post("/admin/users", headers=admin,
                          json={"username": username, "display_name": f"WT {who.title()}", "password": PASSWORD})
            r.raise_for_status()
            people[who] = {"id": r.json()["id"], "username": username}
            people[who]["auth"] = {"Authorization": f"Bearer {login(username, PASSWORD)}"}
        ann, bob = people["ann"], people["bob"]
        r = http.post("/conversations/direct", headers=ann["auth"], json={"user_id": bob["id"]})
        r.raise_for_status()
        direct = r.json()["id"]
        for i in range(GROUPS):
            r = http.post("/conversations", headers=ann["auth"],
                          json={"kind": "group", "name": f"wt group {i}", "topic": "", "member_ids": [bob["id"]]})
            r.raise_for_status()
            for j in range(3):
                http.post(f"/conversations/{r.json()['id']}/messages", headers=bob["auth"],
                          json={"client_msg_id": str(uuid.uuid4()), "text": f"hello {j}"}).raise_for_status()
    return {"ann": ann["username"], "bob": bob["username"], "direct": direct, "conversations": GROUPS + 1}


def until(page: Page, expression: str, arg: Any = None, timeout_s: float = 60) -> Any:
    """Polls a page expression until it is truthy. The times measured are taken in the page;
    this loop only collects them (page.wait_for_function would eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = page.evaluate(expression, arg)
        if value:
            return value
        time.sleep(0.01)
    raise TimeoutError(f"{expression!r} still false after {timeout_s} s")


def signed_in_state(browser: Browser, url: str, username: str) -> Any:
    """The storage (localStorage with the session) of a profile that signed in through the page."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.goto(url + "/")
    page.get_by_test_id("login-user").fill(username)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    until(page, "document.documentElement.dataset.conn === 'live'")
    state = context.storage_state()
    context.close()
    return state


def time_to_list(page: Page, url: str) -> float:
    page.goto(url + "/")
    return float(until(page, "window.__listReady"))


def page_loads(browser: Browser, url: str, state: Any, n: int, runs: int) -> dict[str, list[float]]:
    cold = []
    for _ in range(runs):
        context = listing(browser.new_context(storage_state=state, service_workers="block"), n)
        cold.append(time_to_list(context.new_page(), url))
        context.close()
    no_worker = listing(browser.new_context(storage_state=state, service_workers="block"), n)
    http_cache = warm_runs(no_worker, url, runs, False)
    worker = warm_runs(listing(browser.new_context(storage_state=state), n), url, runs, True)
    return {"cold": cold, "warm_http_cache": http_cache, "warm_service_worker": worker}


def listing(context: BrowserContext, n: int) -> BrowserContext:
    context.add_init_script(LIST_READY % n)
    return context


def warm_runs(context: BrowserContext, url: str, runs: int, worker: bool) -> list[float]:
    page = context.new_page()
    time_to_list(page, url)  # the first visit fills the caches
    if worker:
        until(page, "navigator.serviceWorker.controller !== null")
    times = [time_to_list(page, url) for _ in range(runs)]
    if worker:
        assert page.evaluate("navigator.serviceWorker.controller !== null")
    context.close()
    return times


def send_to_display(browser: Browser, url: str, states: dict[str, Any], direct: str, count: int) -> list[float]:
    pages = {}
    for who in ("ann", "bob"):
        context = browser.new_context(storage_state=states[who])
        page = context.new_page()
        page.goto(f"{url}/#/c/{direct}")
        until(page, "document.documentElement.dataset.conn === 'live'")
        page.get_by_test_id("composer").wait_for()
        pages[who] = page
    ann, bob = pages["ann"], pages["bob"]
    ann.evaluate(RECORD_SENDS)
    bob.evaluate(RECORD_ARRIVALS)
    box = ann.get_by_test_id("composer")
    latencies = []
    for i in range(count):
        text = f"wt-{i}-{uuid.uuid4().hex[:8]}"
        box.fill(text)
        box.press("Enter")
        shown = until(bob, "(t) => window.__shown[t]", text)
        latencies.append(float(shown) - float(ann.evaluate("(t) => window.__sent[t]", text)))
    for page in pages.values():
        page.context.close()
    return latencies


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(values), "median_ms": round(statistics.median(values), 1), "p95_ms": round(p95, 1),
            "min_ms": round(ordered[0], 1), "max_ms": round(ordered[-1], 1)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    machine = session.wait_quiet(0)  # one sample of the machine's load, no waiting
    node = Node(url=args.url, admin_password=args.admin_password).start()
    try:
        assert node.url is not None
        world = provision(node.url, args.admin_password)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            states = {who: signed_in_state(browser, node.url, world[who]) for who in ("ann", "bob")}
            loads = page_loads(browser, node.url, states["ann"], world["conversations"], args.runs)
            latencies = send_to_display(browser, node.url, states, world["direct"], args.messages)
            browser.close()
    finally:
        node.stop()
    return {
        "machine_before": machine, "cpus": os.cpu_count(), "conversations": world["conversations"],
        "page_load_to_list": {case: summary(times) for case, times in loads.items()},
        "send_to_display": summary(latencies),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def table(result: dict[str, Any]) -> str:
    rows = [f"machine before: {result['machine_before']}, {result['cpus']} CPUs",
            f"page load → interactive list of {result['conversations']} conversations (ms since navigation start):"]
    for case, s in result["page_load_to_list"].items():
        rows.append(f"  {case:<20} median {s['median_ms']:>7}  p95 {s['p95_ms']:>7}  (n={s['n']})")
    s = result["send_to_display"]
    rows.append(f"send → display in the other browser: median {s['median_ms']} ms, p95 {s['p95_ms']} ms, "
                f"max {s['max_ms']} ms (n={s['n']})")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    result = run(args)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=1)
    print(table(result))
    print(f"\nresults: {args.out}")


if __name__ == "__main__":
    main()
