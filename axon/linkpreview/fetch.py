"""HTTP GET of somebody else's URL without letting that URL reach inside our network (SSRF).

Every hop is checked before a byte is sent:

- the scheme is http or https (any port: a public address is public on every port, as in Slack's
  and Synapse's previewers);
- the host name is resolved HERE, once, and every address it resolves to must be public unicast
  (``domain.link_preview.address_allowed``: no loopback, private, link-local, CGNAT, multicast,
  reserved, ULA, or IPv4 hidden in IPv6), else the hop is refused;
- the connection is made to the address that was checked: the request URL carries the IP, the
  ``Host`` header and the TLS server name (SNI, and so the certificate check) carry the name. No
  second resolution happens, so DNS rebinding between the check and the connect is impossible;
- redirects are followed by hand (at most ``max_redirects``), each new URL checked again;
- the body is streamed and reading stops at ``max_bytes`` (after decompression, so a gzip bomb
  stops there too); the whole fetch, every hop included, has one deadline;
- proxies from the environment are ignored (``trust_env=False``); no cookies, no credentials.

httpx (already a dependency) lets the address be pinned this way with no custom transport; each
connection is closed after its response, so a pooled connection made for one name is never reused
for another name on the same address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import httpx

from ..domain.link_preview import IPAddress, IPNetwork, address_allowed

USER_AGENT = "Mozilla/5.0 (compatible; AxonLinkPreview/1.0)"
# A query keeps its reserved characters and escapes; only what is not ASCII (a Chinese search term) is
# percent-encoded, as a browser sends it.
_QUERY_SAFE = "!#$%&'()*+,/:;=?@[]~"
Resolver = Callable[[str, int], Awaitable[list[str]]]


class FetchRefused(Exception):
    """The URL was not fetched (or not to the end); ``reason`` is a short stable word for logs and tests:
    ``scheme``, ``address``, ``resolve``, ``redirects``, ``status``, ``type``, ``too_large``, ``timeout``,
    ``connect``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    content_type: str  # lower-case media type, without parameters
    content_type_header: str
    body: bytes


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class SafeFetcher:
    def __init__(self, allow: Iterable[IPNetwork] = (), *, timeout: float = 8.0, max_redirects: int = 5,
                 resolver: Resolver = system_resolver) -> None:
        self.allow = tuple(allow)
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.resolve = resolver

    async def get(self, url: str, accept: Callable[[str], bool], max_bytes: int, truncate: bool = False) -> Fetched:
        """GET ``url`` (following checked redirects); ``accept`` judges the media type before the body
        is read. A body over ``max_bytes`` is cut there (``truncate``: a page's head is what matters)
        or refused. Raises ``FetchRefused``."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._get(url, accept, max_bytes, truncate)
        except TimeoutError:
            raise FetchRefused("timeout", url) from None

    async def _get(self, url: str, accept: Callable[[str], bool], max_bytes: int, truncate: bool) -> Fetched:
        timeout = httpx.Timeout(self.timeout)
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False, timeout=timeout,
                                     limits=httpx.Limits(max_keepalive_connections=0)) as client:
            for _ in range(self.max_redirects + 1):
                request = await self._pinned_request(client, url)
                try:
                    response = await client.send(request, stream=True)
                except httpx.HTTPError as exc:
                    raise FetchRefused("connect", str(exc)) from None
                try:
                    location = response.headers.get("location")
                    if response.is_redirect and location:
                        url = urljoin(url, location)
                        continue
                    return await self._read(url, response, accept, max_bytes, truncate)
                finally:
                    await response.aclose()
        raise FetchRefused("redirects", f"more than {self.max_redirects}")

    async def _pinned_request(self, client: httpx.AsyncClient, url: str) -> httpx.Request:
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchRefused("scheme", "malformed URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused("scheme", parts.scheme or "none")
        try:
            host = parts.hostname.encode("idna").decode("ascii") if not parts.hostname.isascii() else parts.hostname
        except UnicodeError:
            raise FetchRefused("resolve", "bad host name") from None
        address = await self._checked_address(host, port)
        pinned = httpx.URL(scheme=parts.scheme, host=str(address), port=port, path=parts.path or "/",
                           query=quote(parts.query, safe=_QUERY_SAFE).encode("ascii"))
        host_header = host if parts.port is None else f"{host}:{port}"
        if ":" in host and parts.port is None:
            host_header = f"[{host}]"
        elif ":" in host:
            host_header = f"[{host}]:{port}"
        headers = {"Host": host_header, "User-Agent": USER_AGENT, "Accept-Language": "en, zh-CN;q=0.8",
                   "Accept": "text/html,application/xhtml+xml,image/*;q=0.8,*/*;q=0.1"}
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        return client.build_request("GET", pinned, headers=headers, extensions=extensions)

    async def _checked_address(self, host: str, port: int) -> IPAddress:
        """The address to connect to: every address ``host`` has must be allowed, not just one."""
        try:
            found = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                found = [ipaddress.ip_address(a.split("%")[0]) for a in await self.resolve(host, port)]
            except (OSError, UnicodeError, ValueError) as exc:
                raise FetchRefused("resolve", f"{host}: {exc}") from None
        if not found:
            raise FetchRefused("resolve", host)
        refused = [a for a in found if not address_allowed(a, self.allow)]
        if refused:
            raise FetchRefused("address", f"{host} is {refused[0]}")
        return found[0]

    async def _read(self, url: str, response: httpx.Response, accept: Callable[[str], bool],
                    max_bytes: int, truncate: bool) -> Fetched:
        if response.status_code != 200:
            raise FetchRefused("status", str(response.status_code))
        header = response.headers.get("content-type", "")
        media_type = header.split(";")[0].strip().lower()
        if not accept(media_type):
            raise FetchRefused("type", media_type or "none")
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > max_bytes:
            raise FetchRefused("too_large", declared)
        body = bytearray()
        try:
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    if truncate:
                        return Fetched(url, media_type, header, bytes(body[:max_bytes]))
                    raise FetchRefused("too_large", f"over {max_bytes} bytes")
        except httpx.HTTPError as exc:
            raise FetchRefused("connect", str(exc)) from None
        return Fetched(url, media_type, header, bytes(body))
