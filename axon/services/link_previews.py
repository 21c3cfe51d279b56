"""Link previews: the first link of a new (or edited) message gets a preview card, fetched by the
server after the message is committed, never on the send path.

**Why an after-commit sink and a queue.** A fetch takes up to seconds; the writer and the ack must
not wait for it, and a durable consumer's effect must commit with its cursor in the writer's
transaction, which a network fetch cannot be part of. So ``LinkPreviews`` is an after-commit sink
that only looks at the committed events and puts a job on a bounded in-memory queue (dropping it,
logged, when full: a preview is decoration), and ``run`` owns a few workers that fetch and then
write the preview with a ``message.preview`` event. At most once: a node that dies between the
commit and the fetch leaves that message without a preview, which nobody is owed. The job runs on
the node whose writer committed the message, so nodes never fetch the same message twice.

Every step re-reads what it depends on (the message still there and not deleted, its first link
the same, the organisation's switch on, the sender's "no preview" choice), so a job that is late
never writes a preview that is no longer wanted.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass

from ..domain import policy
from ..domain.errors import NotFound
from ..domain.link_preview import FetchedPreview, first_link
from ..domain.model import Actor
from ..protocol.codec import decode, encode_str
from ..store import conversations as convs
from ..store import link_previews as stored
from ..store import messages as msgs
from ..store.database import Conn
from ..store.errors import DuplicateKey
from ..store.tx import Tx
from ..store.writer import Committed
from .core import Core
from .org_settings import check_readable, settings_for
from .ports import PreviewFetcher

log = logging.getLogger("axon.link_previews")

NOTHING_RETRY_MS = 10 * 60_000  # a URL that showed nothing (or failed) is tried again after 10 minutes


@dataclass(frozen=True, slots=True)
class PreviewJob:
    conversation_id: str
    message_id: str


@dataclass(frozen=True, slots=True)
class _Found:
    """A URL's preview as cached: the wire JSON (None: nothing to show) and the picture."""

    data: str | None
    image: bytes | None = None
    image_mime: str | None = None


@dataclass(frozen=True, slots=True)
class _Target:
    org_id: str
    url: str | None  # the message's first link now


class LinkPreviews:
    name = "link-previews"

    def __init__(self, core: Core, fetcher: PreviewFetcher, *, cache_ms: int = 24 * 3_600_000, workers: int = 4,
                 queue_size: int = 1000) -> None:
        self.core = core
        self.fetcher = fetcher
        self.cache_ms = cache_ms
        self.workers = workers
        self.queue: asyncio.Queue[PreviewJob] = asyncio.Queue(queue_size)

    # --- the after-commit sink: cheap, never blocks -------------------------------------------

    def __call__(self, committed: Committed) -> None:
        for event in committed.conversation_events:
            if event.type not in ("message.new", "message.edited"):
                continue
            if event.type == "message.new" and "://" not in event.data_json:
                continue  # most messages have no link: not even decoded
            data = decode(event.data_json)
            message_id = data["message"]["id"] if event.type == "message.new" else data["message_id"]
            try:
                self.queue.put_nowait(PreviewJob(event.conversation_id, message_id))
            except asyncio.QueueFull:
                log.warning("link preview queue full: message %s gets no preview", message_id)

    # --- the workers ----------------------------------------------------------------------------

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            for i in range(self.workers):
                group.create_task(self._work(), name=f"axon-link-preview-{i}")

    async def _work(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self.handle(job)
            except Exception:
                log.exception("link preview of message %s failed", job.message_id)
            finally:
                self.queue.task_done()

    async def handle(self, job: PreviewJob) -> None:
        target = await self.core.read(lambda conn: self._target(conn, job))
        if target is None:
            return
        if target.url is None:
            await self.core.write(lambda tx: self._attach(tx, job, None, _Found(None)))
            return
        found = await self._preview_of(target.org_id, target.url)
        await self.core.write(lambda tx: self._attach(tx, job, target.url, found))

    def _target(self, conn: Conn, job: PreviewJob) -> _Target | None:
        """What the message wants now; None: nothing to do (gone, deleted, previews off, the preview
        refused by its sender, or the link it already shows)."""
        row = msgs.get(conn, job.message_id)
        if row is None or row["deleted_at"] is not None or row["conversation_id"] != job.conversation_id:
            return None
        conv = convs.get(conn, job.conversation_id)
        if conv is None or not settings_for(conn, conv.org_id).policy.link_previews:
            return None
        current = stored.get(conn, job.message_id)
        url = first_link(row["text"])
        if current is not None and (current["data"] is None or current["url"] == url):
            return None  # refused by its sender, or already showing this link
        if url is None and current is None:
            return None
        return _Target(conv.org_id, url)

    # --- the per-organisation cache -----------------------------------------------------------

    async def _preview_of(self, org_id: str, url: str) -> _Found:
        url_hash = hashlib.sha256(url.encode()).hexdigest()
        cached = await self.core.read(lambda conn: stored.cached(conn, org_id, url_hash))
        now = self.core.clock.now_ms()
        if cached is not None and now - int(cached["fetched_at"]) < (
                self.cache_ms if cached["data"] is not None else NOTHING_RETRY_MS):
            return _Found(cached["data"], cached["image"], cached["image_mime"])
        found = _found(url, await self._fetch(url))
        try:
            await self.core.write(lambda tx: self._cache(tx, org_id, url_hash, url, found))
        except DuplicateKey:
            pass  # another node cached the same URL meanwhile: ours is as good
        return found

    async def _fetch(self, url: str) -> FetchedPreview | None:
        try:
            return await self.fetcher.preview(url)
        except Exception as exc:  # any failure is "no preview"; the reason is for the operator
            log.info("no link preview for %s: %s", url, exc)
            return None

    def _cache(self, tx: Tx, org_id: str, url_hash: str, url: str, found: _Found) -> None:
        stored.cache_sweep(tx.conn, tx.now_ms - self.cache_ms)
        stored.cache_put(tx.conn, {"org_id": org_id, "url_hash": url_hash, "url": url, "data": found.data,
                                   "image": found.image, "image_mime": found.image_mime, "fetched_at": tx.now_ms})

    # --- writing the preview on the message ---------------------------------------------------

    def _attach(self, tx: Tx, job: PreviewJob, url: str | None, found: _Found) -> None:
        """Set (or, with no link any more, clear) the message's preview, if it is still wanted."""
        conn = tx.conn
        row = msgs.get(conn, job.message_id)
        if row is None or row["deleted_at"] is not None or first_link(row["text"]) != url:
            return  # deleted or edited meanwhile: the edit's own job decides
        conv = convs.get(conn, job.conversation_id)
        if conv is None or not settings_for(conn, conv.org_id).policy.link_previews:
            return
        current = stored.get(conn, job.message_id)
        if current is not None and current["data"] is None:
            return  # the sender refused a preview meanwhile
        if found.data is None:
            if current is not None:
                stored.remove(conn, job.message_id)
                self._event(tx, job, None, None)
            return
        stored.put(conn, {"message_id": job.message_id, "conversation_id": job.conversation_id, "url": url,
                          "data": found.data, "image": found.image, "image_mime": found.image_mime,
                          "created_at": tx.now_ms})
        self._event(tx, job, None, decode(found.data))

    @staticmethod
    def _event(tx: Tx, job: PreviewJob, actor_id: str | None, preview: object) -> None:
        tx.conversation_event(job.conversation_id, "message.preview", actor_id,
                              {"message_id": job.message_id, "preview": preview})

    # --- people's requests --------------------------------------------------------------------

    async def remove(self, actor: Actor, conversation_id: str, message_id: str) -> None:
        """The sender (or a moderator) takes the preview away; it stays away after edits."""

        def remove(tx: Tx) -> None:
            conv, member = convs.get_with_membership(tx.conn, conversation_id, actor.user_id)
            policy.check_member(actor, conv, member)
            row = msgs.get(tx.conn, message_id)
            if row is None or row["conversation_id"] != conversation_id:
                raise NotFound("Message not found.")
            policy.check_can_remove_preview(actor, conv, member, row["sender_id"], row["deleted_at"] is not None,
                                            settings=settings_for(tx.conn, actor.org_id))
            current = stored.get(tx.conn, message_id)
            stored.put(tx.conn, {"message_id": message_id, "conversation_id": conversation_id,
                                 "url": current["url"] if current else "", "data": None, "image": None,
                                 "image_mime": None, "created_at": tx.now_ms})
            if current is not None and current["data"] is not None:
                self._event(tx, PreviewJob(conversation_id, message_id), actor.user_id, None)

        await self.core.write(remove)

    async def image(self, actor: Actor, conversation_id: str, message_id: str) -> tuple[bytes, str]:
        """The preview's picture (our small copy), for those who may read the conversation."""

        def load(conn: Conn) -> tuple[bytes, str]:
            conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
            check_readable(conn, actor, conv, member)
            row = msgs.get(conn, message_id)
            found = stored.image(conn, message_id) if row is not None and row["deleted_at"] is None else None
            if found is None or row is None or row["conversation_id"] != conversation_id:
                raise NotFound("This message has no preview image.")
            return found

        return await self.core.read(load)


def _found(url: str, fetched: FetchedPreview | None) -> _Found:
    if fetched is None:
        return _Found(None)
    wire = fetched.wire()
    wire["url"] = url  # the link as the message has it, so clients match card and link
    image = fetched.image
    return _Found(encode_str(wire), image.data if image else None, image.mime if image else None)
