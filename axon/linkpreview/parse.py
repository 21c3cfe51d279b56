"""What an HTML page says about itself: OpenGraph first, then Twitter cards, then ``<title>`` and the
meta description. A real HTML parser (the standard library's, which never raises on bad markup),
never regular expressions over HTML.

The text encoding comes from the HTTP header, else from the page's own ``<meta charset>`` or
``http-equiv`` (found by a first pass over the bytes read as Latin-1, which every ASCII-compatible
charset agrees with for markup), else UTF-8. GB2312 and GBK pages are decoded as GB18030, their
superset, as browsers do.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from ..domain.link_preview import MAX_DESCRIPTION, MAX_SITE_NAME, MAX_TITLE, clip

# What browsers do with the labels Chinese pages declare (WHATWG Encoding: all are GB18030 or GBK).
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
            "iso-8859-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252"}


@dataclass(slots=True)
class PageMeta:
    """The page's own claims, raw (relative image URL resolved against the page)."""

    title: str = ""
    description: str = ""
    site_name: str = ""
    url: str = ""
    image_url: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def charset_from_content_type(value: str) -> str | None:
    for param in value.split(";")[1:]:
        name, _, raw = param.partition("=")
        if name.strip().lower() == "charset" and raw.strip():
            return raw.strip().strip("\"'")
    return None


def decode_page(body: bytes, header_charset: str | None) -> str:
    """The page's text, in the encoding it declares (header first, then its own meta), else UTF-8."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace")
    for label in (header_charset, _declared_charset(body)):
        encoding = _known(label)
        if encoding:
            return body.decode(encoding, "replace")
    return body.decode("utf-8", "replace")


def _known(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


class _CharsetFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charset: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta" or self.charset:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        if values.get("charset"):
            self.charset = values["charset"]
        elif values.get("http-equiv", "").lower() == "content-type":
            self.charset = charset_from_content_type(values.get("content", ""))


def _declared_charset(body: bytes) -> str | None:
    finder = _CharsetFinder()
    finder.feed(body[:4096].decode("latin-1"))
    return finder.charset


class _MetaParser(HTMLParser):
    """Collects ``<meta property|name=… content=…>`` and the first ``<title>``, up to the ``<body>``
    (where the head ends: what comes after is content, not what the page says about itself)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title_parts: list[str] = []
        self.in_title = False
        self.title_done = False
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_body = True
        elif tag == "title" and not self.title_done:
            self.in_title = True
        elif tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])  # the first of each wins

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.in_title:
            self.in_title = False
            self.title_done = True

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)


FEED_CHARS = 16 * 1024


def parse_page(html: str, page_url: str) -> PageMeta:
    """What the page says about itself. Fed a piece at a time and stopped at ``<body>``, so a 1 MiB
    page costs what its head costs (a whole one took ~0.5 s of CPU)."""
    parser = _MetaParser()
    for start in range(0, len(html), FEED_CHARS):
        parser.feed(html[start:start + FEED_CHARS])
        if parser.in_body:
            break
    else:
        parser.close()
    meta = parser.meta

    def first(*keys: str) -> str:
        return next((meta[k].strip() for k in keys if meta.get(k, "").strip()), "")

    image = first("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src")
    canonical = first("og:url")
    return PageMeta(
        title=clip(first("og:title", "twitter:title") or "".join(parser.title_parts), MAX_TITLE),
        description=clip(first("og:description", "twitter:description", "description"), MAX_DESCRIPTION),
        site_name=clip(first("og:site_name", "application-name") or (urlsplit(page_url).hostname or ""),
                       MAX_SITE_NAME),
        url=_absolute(canonical, page_url) or page_url,
        image_url=_absolute(image, page_url),
        meta=meta,
    )


def _absolute(url: str, base: str) -> str:
    """``url`` resolved against ``base``; only an http(s) result counts (no ``data:`` or ``javascript:``)."""
    if not url:
        return ""
    try:
        resolved = urljoin(base, url)
        parts = urlsplit(resolved)
    except ValueError:
        return ""
    return resolved if parts.scheme in ("http", "https") and parts.hostname else ""
