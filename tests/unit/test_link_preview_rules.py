"""Link previews, pure parts: which link of a message is previewed, which addresses are never
fetched from, and what a page says about itself (OpenGraph, fallbacks, Chinese encodings)."""

from __future__ import annotations

import ipaddress

import pytest

from axon.domain.link_preview import address_allowed, first_link, parse_allow_list
from axon.linkpreview.image import shrink
from axon.linkpreview.parse import charset_from_content_type, decode_page, parse_page
from tests.support.web_site import page, png


@pytest.mark.parametrize(("text", "link"), [
    ("see https://example.com/a?b=1.", "https://example.com/a?b=1"),
    ("[docs](https://example.com/docs) and http://other.example", "https://example.com/docs"),
    ("(see https://en.wikipedia.org/wiki/Rust_(programming_language))",
     "https://en.wikipedia.org/wiki/Rust_(programming_language)"),
    ("看这个https://example.cn/页面很好", "https://example.cn/"),
    ("`https://in.code.example` then https://after.example/", "https://after.example/"),
    ("```\nhttps://fenced.example\n```\nhttps://real.example", "https://real.example"),
    ("<https://angle.example/x>", "https://angle.example/x"),
    ("ftp://files.example and file:///etc/passwd", None),
    ("no link at all", None),
    ("https:// nothing", None),
    ("HTTPS://EXAMPLE.COM/Caps", "HTTPS://EXAMPLE.COM/Caps"),
    ("https://example.com:99999/bad-port then https://ok.example", "https://ok.example"),
])
def test_the_first_http_link_outside_code_is_previewed(text: str, link: str | None) -> None:
    assert first_link(text) == link


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "64:ff9b::7f00:1", "2002:7f00:1::", "2001:db8::1", "::ffff:8.8.8.8",  # mapped: never from DNS
])
def test_no_address_outside_the_public_internet_is_allowed(address: str) -> None:
    assert not address_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_allowed(ipaddress.ip_address(address))


def test_the_allow_list_opens_exactly_what_it_names() -> None:
    allow = parse_allow_list(" 127.0.0.2/32, 10.5.0.0/16 ,")
    assert address_allowed(ipaddress.ip_address("127.0.0.2"), allow)
    assert address_allowed(ipaddress.ip_address("10.5.9.9"), allow)
    assert not address_allowed(ipaddress.ip_address("127.0.0.1"), allow)
    assert not address_allowed(ipaddress.ip_address("10.6.0.1"), allow)
    with pytest.raises(ValueError):
        parse_allow_list("not-a-network")


def test_opengraph_wins_and_relative_image_urls_are_resolved() -> None:
    html = page("Plain title", head=(
        '<meta property="og:title" content="OG &amp; title">'
        '<meta property="og:description" content="  An   OG\n description ">'
        '<meta property="og:site_name" content="Example">'
        '<meta property="og:image" content="/img/card.png">'
        '<meta name="description" content="meta description">')).decode()
    meta = parse_page(html, "https://example.com/post/1")
    assert (meta.title, meta.description, meta.site_name) == ("OG & title", "An OG description", "Example")
    assert meta.image_url == "https://example.com/img/card.png"


def test_twitter_cards_then_title_and_meta_description_are_the_fallbacks() -> None:
    twitter = parse_page(page("T", head='<meta name="twitter:title" content="Tw title">'
                                       '<meta name="twitter:image" content="https://cdn.example/t.png">').decode(),
                         "https://x.example/")
    assert (twitter.title, twitter.image_url) == ("Tw title", "https://cdn.example/t.png")
    plain = parse_page(page("Just a title", head='<meta name="description" content="Said plainly">').decode(),
                       "https://plain.example/a")
    assert (plain.title, plain.description, plain.site_name) == ("Just a title", "Said plainly", "plain.example")


def test_scripted_or_broken_markup_gives_text_only() -> None:
    html = ('<title><script>alert(1)</script>T</title><meta property="og:image" content="javascript:alert(1)">'
            '<meta property="og:description" content="<b>bold</b>"><div <<')
    meta = parse_page(html, "https://x.example/")
    assert meta.image_url == ""  # only http(s) pictures are fetched
    assert meta.description == "<b>bold</b>"  # text, escaped by the client like any text


def test_a_gbk_page_is_read_from_its_meta_charset() -> None:
    body = page("中文标题", head='<meta charset="gbk"><meta name="description" content="这是一个测试页面">',
                charset="gbk")
    meta = parse_page(decode_page(body, None), "https://example.cn/")
    assert (meta.title, meta.description) == ("中文标题", "这是一个测试页面")


def test_the_header_charset_wins_and_gb2312_is_read_as_gb18030() -> None:
    body = page("简体中文", head='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
                charset="gb18030")
    assert charset_from_content_type('text/html; charset="GB2312"') == "GB2312"
    assert "简体中文" in decode_page(body, "GB2312")
    assert "简体中文" in decode_page(body, None)  # from http-equiv
    assert "简体中文" in decode_page("简体中文".encode(), None)  # no declaration: UTF-8


def test_a_picture_is_re_encoded_small_and_a_bomb_is_refused() -> None:
    small = shrink(png(1200, 800))
    assert small is not None and small.mime == "image/webp" and (small.width, small.height) == (600, 400)
    assert shrink(b"not an image") is None
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")  # 48 million pixels in a few kilobytes
    assert len(out.getvalue()) < 100_000 and shrink(out.getvalue()) is None


def test_reading_stops_at_the_body_so_a_big_page_costs_its_head() -> None:
    filler = "<p>text <b>and</b> more</p>" * 40_000  # about 1 MB of content
    html = (page("Head title", head='<meta property="og:description" content="In the head">').decode()
            .replace("<body></body>", f"<body>{filler}<meta property=\"og:title\" content=\"In the body\"></body>"))
    meta = parse_page(html, "https://x.example/")
    assert (meta.title, meta.description) == ("Head title", "In the head")
