"""Link previews fetched from the Internet: the ``LinkPreviewer`` adapter behind the
``PreviewFetcher`` port of ``services/ports.py`` (built only by ``axon/app.py``)."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import unquote, urlsplit

from ..domain.link_preview import MAX_SITE_NAME, MAX_TITLE, FetchedPreview, IPNetwork, PreviewImage, clip
from .fetch import Fetched, FetchRefused, Resolver, SafeFetcher, system_resolver
from .image import shrink
from .parse import PageMeta, charset_from_content_type, decode_page, parse_page

log = logging.getLogger("axon.linkpreview")

__all__ = ["FetchRefused", "LinkPreviewer"]

MAX_HTML_BYTES = 1024 * 1024  # the head of any page is in its first MiB
MAX_IMAGE_BYTES = 8 * 1024 * 1024
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def _page_or_image(media_type: str) -> bool:
    return media_type in HTML_TYPES or media_type.startswith("image/")


def _image(media_type: str) -> bool:
    return media_type.startswith("image/") and media_type != "image/svg+xml"


class LinkPreviewer:
    """Fetches a page, reads what it says about itself and fetches its picture, all under the SSRF
    rules of ``SafeFetcher``. Raises ``FetchRefused`` when there is nothing to show."""

    def __init__(self, allow: tuple[IPNetwork, ...] = (), timeout: float = 8.0,
                 resolver: Resolver = system_resolver) -> None:
        self.fetcher = SafeFetcher(allow, timeout=timeout, resolver=resolver)

    async def preview(self, url: str) -> FetchedPreview:
        page = await self.fetcher.get(url, _page_or_image, MAX_HTML_BYTES, truncate=True)
        if _image(page.content_type):
            return await self._image_link(url, page)
        if page.content_type not in HTML_TYPES:
            raise FetchRefused("type", page.content_type)
        meta = await asyncio.to_thread(_read_page, page)  # CPU: never on the node's event loop
        image = await self._picture(meta.image_url) if meta.image_url else None
        found = FetchedPreview(meta.url, meta.title, meta.description, meta.site_name, image)
        if found.empty:
            raise FetchRefused("empty", url)
        return found

    async def _image_link(self, url: str, page: Fetched) -> FetchedPreview:
        """A link straight to a picture: the picture is the preview (all of it, or nothing)."""
        if len(page.body) >= MAX_HTML_BYTES:
            page = await self.fetcher.get(url, _image, MAX_IMAGE_BYTES)
        image = await asyncio.to_thread(shrink, page.body)
        if image is None:
            raise FetchRefused("image", url)
        parts = urlsplit(page.url)
        name = unquote(parts.path.rsplit("/", 1)[-1])
        return FetchedPreview(url, clip(name, MAX_TITLE), "", clip(parts.hostname or "", MAX_SITE_NAME), image)

    async def _picture(self, image_url: str) -> PreviewImage | None:
        try:
            fetched = await self.fetcher.get(image_url, _image, MAX_IMAGE_BYTES)
        except FetchRefused as refused:
            log.info("preview image %s not fetched: %s", image_url, refused)
            return None
        return await asyncio.to_thread(shrink, fetched.body)


def _read_page(page: Fetched) -> PageMeta:
    return parse_page(decode_page(page.body, charset_from_content_type(page.content_type_header)), page.url)

