"""The link preview fetcher against a real web server on loopback: what it fetches, and every way
a URL tries to make it reach inside the network (SSRF) refused before a byte is sent there."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from axon.domain.link_preview import parse_allow_list
from axon.linkpreview import FetchRefused, LinkPreviewer
from tests.support.web_site import SITE_ADDRESS, Answer, Site, huge, page, png, slow, web_site

ALLOW_SITE = parse_allow_list(f"{SITE_ADDRESS}/32")


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with web_site() as running:
        yield running


def previewer(timeout: float = 5.0, **kwargs: object) -> LinkPreviewer:
    return LinkPreviewer(ALLOW_SITE, timeout, **kwargs)  # type: ignore[arg-type]


async def refused(url: str, fetcher: LinkPreviewer | None = None) -> str:
    with pytest.raises(FetchRefused) as caught:
        await (fetcher or previewer()).preview(url)
    return caught.value.reason


async def test_a_page_gives_its_opengraph_card_and_our_copy_of_its_picture(site: Site) -> None:
    site.at("/card.png", Answer(headers={"Content-Type": "image/png"}, body=png(1280, 640)))
    url = site.html("/article", page("Title tag", head=(
        '<meta property="og:title" content="The article"><meta property="og:description" content="What it says">'
        '<meta property="og:site_name" content="Site"><meta property="og:image" content="/card.png">')))
    found = await previewer().preview(url)
    assert (found.title, found.description, found.site_name) == ("The article", "What it says", "Site")
    assert found.image is not None and (found.image.width, found.image.height) == (600, 300)
    assert found.image.data[:4] == b"RIFF" and found.image.mime == "image/webp"


async def test_a_query_in_chinese_reaches_the_site_as_a_browser_sends_it(site: Site) -> None:
    url = site.html("/search", page("搜索结果"))
    found = await previewer().preview(url + "?q=发布日期&lang=zh")
    assert found.title == "搜索结果"
    assert site.targets[-1] == "/search?q=%E5%8F%91%E5%B8%83%E6%97%A5%E6%9C%9F&lang=zh"


async def test_a_link_to_a_picture_is_previewed_as_that_picture(site: Site) -> None:
    url = site.at("/photos/cat.png", Answer(headers={"Content-Type": "image/png"}, body=png(300, 500)))
    found = await previewer().preview(url)
    assert found.title == "cat.png" and found.image is not None and (found.image.width, found.image.height) == (
        300, 500)


async def test_loopback_is_refused_by_default_even_the_test_site(site: Site) -> None:
    url = site.html("/default", page("Hidden"))
    assert await refused(url, LinkPreviewer(timeout=5.0)) == "address"
    assert site.hits.get("/default") is None  # refused before connecting


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/secret", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/secret", "http://[::ffff:127.0.0.1]:{port}/secret", "http://localhost:{port}/secret",
    "http://0x7f.1/", "file:///etc/passwd", "gopher://127.0.0.2/",
])
async def test_a_redirect_inside_the_network_is_refused(site: Site, target: str) -> None:
    port = site.url.rsplit(":", 1)[1]
    site.html("/secret", page("Secret"))
    url = site.redirect(f"/to-{abs(hash(target))}", target.format(port=port))
    assert await refused(url) in ("address", "scheme", "resolve")
    assert site.hits.get("/secret") is None


async def test_a_name_that_resolves_to_loopback_is_refused(site: Site) -> None:
    port = site.url.rsplit(":", 1)[1]

    async def evil_dns(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]  # one public address does not excuse a loopback one

    assert await refused(f"http://rebind.example:{port}/", previewer(resolver=evil_dns)) == "address"
    assert await refused(f"http://localhost:{port}/") == "address"


async def test_the_connection_goes_to_the_checked_address_with_no_second_lookup(site: Site) -> None:
    """DNS rebinding: a name that answers a public (here: allowed) address first and loopback next
    gets no second question; the request reaches the checked address, its Host header the name."""
    port = site.url.rsplit(":", 1)[1]
    answers = iter([[SITE_ADDRESS], ["127.0.0.1"]])
    asked: list[str] = []

    async def rebinding_dns(host: str, port: int) -> list[str]:
        asked.append(host)
        return next(answers)

    site.html("/pinned", page("Pinned page"))
    found = await previewer(resolver=rebinding_dns).preview(f"http://rebind.example:{port}/pinned")
    assert found.title == "Pinned page" and asked == ["rebind.example"]
    assert site.host_headers[-1] == f"rebind.example:{port}"


async def test_redirects_are_followed_up_to_five(site: Site) -> None:
    site.html("/end", page("The end"))
    for i in range(6):
        site.redirect(f"/hop{i}", "/end" if i == 0 else f"/hop{i - 1}", 301 if i % 2 else 307)
    assert (await previewer().preview(site.url + "/hop4")).title == "The end"  # five redirects
    assert await refused(site.url + "/hop5") == "redirects"  # six


async def test_a_huge_body_is_read_only_to_one_mebibyte(site: Site) -> None:
    url = site.at("/huge", Answer(headers={"Content-Type": "text/html"}, stream=huge(200 * 1024 * 1024)))
    started = time.monotonic()
    assert (await previewer().preview(url)).title == "Huge"
    assert time.monotonic() - started < 5
    await asyncio.sleep(0)  # the site's thread notices the closed socket on its next write
    assert site.sent.get("/huge", 0) < 200 * 1024 * 1024


async def test_a_slow_server_hits_the_deadline(site: Site) -> None:
    url = site.at("/slow", Answer(headers={"Content-Type": "text/html"}, stream=slow(10)))
    started = time.monotonic()
    assert await refused(url, previewer(timeout=1.0)) == "timeout"
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/json", b'{"title": "no"}'), ("application/octet-stream", b"\0" * 100),
    ("image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>"), ("text/plain", b"hello"),
])
async def test_anything_but_html_or_a_raster_picture_gives_nothing(site: Site, content_type: str,
                                                                   body: bytes) -> None:
    url = site.at(f"/typed-{content_type.replace('/', '-')}", Answer(headers={"Content-Type": content_type},
                                                                     body=body))
    assert await refused(url) in ("type", "image")


async def test_error_statuses_and_empty_pages_give_nothing(site: Site) -> None:
    assert await refused(site.url + "/missing") == "status"
    assert await refused(site.html("/blank", b"<html><head></head><body>hi</body></html>")) == "empty"


async def test_proxies_from_the_environment_are_ignored(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    assert (await previewer().preview(site.html("/direct", page("Direct")))).title == "Direct"


async def test_a_refused_picture_still_leaves_the_card(site: Site) -> None:
    url = site.html("/bad-picture", page("Card", head='<meta property="og:image" content="http://127.0.0.1/x.png">'))
    found = await previewer().preview(url)
    assert found.title == "Card" and found.image is None

