"""Link previews: which link of a message is previewed, which addresses a preview may be fetched
from, and the preview itself as a plain value. No I/O here: the fetcher (``axon/linkpreview``)
asks these functions before every connection it makes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048
MAX_TITLE = 300
MAX_DESCRIPTION = 1000
MAX_SITE_NAME = 100

# Code spans and fenced blocks are examples, not links to preview (as for mentions, domain/content.py).
_CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]*`", re.S)
# A URL is made of ASCII URL characters only: "看https://example.com/a页面" ends before "页".
_URL = re.compile(r"(?<![A-Za-z0-9+.-])https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.I)
_TRAILING = ".,;:!?'\"*_~"


@dataclass(frozen=True, slots=True)
class PreviewImage:
    """The preview's picture, already re-encoded small by the server (never the original)."""

    data: bytes
    mime: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class FetchedPreview:
    """What a page says about itself (OpenGraph, Twitter cards, ``<title>``, meta description)."""

    url: str  # the page's canonical URL as the page gives it (og:url), else the URL fetched
    title: str
    description: str
    site_name: str
    image: PreviewImage | None = None

    def wire(self) -> dict[str, object]:
        """The ``LinkPreview`` of the protocol (the image only by its size: readers fetch it from us)."""
        image = {"width": self.image.width, "height": self.image.height} if self.image else None
        return {"url": self.url, "title": self.title, "description": self.description,
                "site_name": self.site_name, "image": image}

    @property
    def empty(self) -> bool:
        return not (self.title or self.description or self.image)


def first_link(text: str) -> str | None:
    """The first http(s) link of a message's Markdown source, outside code; None when there is none."""
    for match in _URL.finditer(_CODE.sub(" ", text)):
        url = _trim(match.group(0))
        if len(url) <= MAX_URL_LENGTH and _has_host(url):
            return url
    return None


def _trim(url: str) -> str:
    """Drop the punctuation that ends a sentence, and a closing bracket that closes Markdown's
    ``[text](url)`` or prose "(see https://…)" rather than belonging to the URL."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last == ")" and url.count("(") < url.count(")"):
            url = url[:-1]
        elif last == "]" and url.count("[") < url.count("]"):
            url = url[:-1]
        else:
            break
    return url


def _has_host(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port out of range
        return bool(parts.hostname)
    except ValueError:  # a malformed port or IPv6 literal
        return False


# Never fetched from, whatever DNS says: everything that is not the public Internet.
_REFUSED_NETWORKS: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
    "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
))


def parse_allow_list(text: str) -> tuple[IPNetwork, ...]:
    """``AXON_LINK_PREVIEW_ALLOW``: comma-separated addresses or networks that are fetched from even
    though they are not public (an intranet wiki; the tests' loopback server). Raises ValueError."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def address_allowed(address: IPAddress, allow: Iterable[IPNetwork] = ()) -> bool:
    """May a preview be fetched from ``address``? Public unicast only, unless the operator allowed it.

    An IPv6 address that embeds an IPv4 one (mapped, 6to4, Teredo, NAT64) is judged by both, so
    ``::ffff:127.0.0.1`` is loopback however it is written."""
    if any(address.version == net.version and address in net for net in allow):
        return True
    for candidate in _with_embedded(address):
        if any(candidate.version == net.version and candidate in net for net in _REFUSED_NETWORKS):
            return False
        if (candidate.is_private or candidate.is_loopback or candidate.is_link_local or candidate.is_multicast
                or candidate.is_reserved or candidate.is_unspecified or not candidate.is_global):
            return False
    return True


def _with_embedded(address: IPAddress) -> list[IPAddress]:
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, address.teredo[1] if address.teredo else None]
        if address in ipaddress.ip_network("64:ff9b::/96"):
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        found += [e for e in embedded if e is not None]
    return found


def clip(text: str, limit: int) -> str:
    """Whitespace collapsed and cut to ``limit`` characters (with an ellipsis when cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
