"""A link in a message gets its preview card (title, description, site, our copy of the picture in a
box of its real aspect ratio) for everyone, in English and Chinese; the sender's × removes it for all."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.support.web_site import Answer, Site, page, png, web_site


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with web_site() as running:
        yield running


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_card_shows_for_everyone_and_the_sender_removes_it(axon, open_app, site: Site, locale: str) -> None:
    ann, bob = axon.create_user("lp_ann", f"LP Ann {locale}"), axon.create_user("lp_bob", f"LP Bob {locale}")
    room = axon.room(ann, "group", f"lp-{locale}", [bob])
    title = "长城旅行指南" if locale == "zh-CN" else "A guide to the Great Wall"
    slug = f"guide-{locale}"
    site.at(f"/{slug}.png", Answer(headers={"Content-Type": "image/png"}, body=png(1200, 600)))
    # The Chinese page is GBK, said only in its own <meta charset> (the header names no charset).
    charset = "gbk" if locale == "zh-CN" else "utf-8"
    url = site.html(f"/{slug}", page(title, head=(
        f'<meta charset="{charset}"><meta property="og:title" content="{title}">'
        f'<meta property="og:site_name" content="Travel"><meta property="og:description" content="Where to walk">'
        f'<meta property="og:image" content="/{slug}.png">'), charset=charset), content_type="text/html")
    a, b = open_app(ann, locale=locale), open_app(bob, locale=locale)
    a.open_conversation(room)
    b.open_conversation(room)
    a.send(f"look {url}")

    for session in (a, b):
        card = session.message("look").get_by_test_id("link-preview")
        expect(card.get_by_test_id("link-preview-title")).to_have_text(title)
        expect(card.get_by_test_id("link-preview-site")).to_have_text("Travel")
        image = card.get_by_test_id("link-preview-image")
        expect(image).to_have_attribute("width", "600")
        expect(image).to_have_attribute("height", "300")
        expect(image).to_have_attribute("src", re.compile(r"^blob:"))
        session.page.wait_for_function("(img) => img.complete && img.naturalWidth === 600", arg=image.element_handle())
        box = image.bounding_box()
        assert box is not None and abs(box["width"] / box["height"] - 2) < 0.05  # its real aspect ratio
    assert site.hits.get(f"/{slug}.png") == 1  # fetched once, by the server; browsers got our copy
    expect(b.message("look").get_by_test_id("link-preview-remove")).to_have_count(0)  # not Bob's message

    remove = a.message("look").get_by_test_id("link-preview-remove")
    expect(remove).to_have_attribute("aria-label", "移除预览" if locale == "zh-CN" else "Remove preview")
    a.message("look").hover()
    remove.click()
    for session in (a, b):
        expect(session.message("look").get_by_test_id("link-preview")).to_have_count(0)
    assert not a.errors and not b.errors
