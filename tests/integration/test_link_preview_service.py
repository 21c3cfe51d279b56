"""The link preview service on the real store, with the fetcher port answered in memory (the
network side has its own tests): a job that is late writes nothing unwanted, the cache is per
organisation and expires, and who may take a preview away."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from axon.app import Services, build_services
from axon.domain.errors import Forbidden
from axon.domain.link_preview import FetchedPreview, PreviewImage
from axon.domain.model import Actor, OrgRole
from axon.services.link_previews import LinkPreviews, PreviewJob
from axon.services.people import NewUser
from axon.store.writer import Committed

_ids = itertools.count()


class PagesInMemory:
    """The ``PreviewFetcher`` port answered from memory; ``hold`` keeps a fetch waiting until released."""

    def __init__(self) -> None:
        self.fetched: list[str] = []
        self.hold: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def preview(self, url: str) -> FetchedPreview:
        self.fetched.append(url)
        self.started.set()
        if self.hold is not None:
            await self.hold.wait()
        if "nothing" in url:
            raise LookupError("no such page")
        return FetchedPreview(url, f"Title of {url}", "Description", "Site", PreviewImage(b"webp", "image/webp", 4, 3))


async def person(svc: Services, org_id: str, role: OrgRole = OrgRole.MEMBER) -> Actor:
    name = f"p{next(_ids)}"
    user = await svc.people.create_user(org_id, NewUser(name, name.title(), "pass-word-1", f"{name}@example.com",
                                                        role=role))
    return Actor(user["id"], org_id, f"d_{name}", role)


async def setting(svc: Services, cache_ms: int = 3_600_000) -> tuple[LinkPreviews, PagesInMemory]:
    pages = PagesInMemory()
    return LinkPreviews(svc.core, pages, cache_ms=cache_ms), pages


async def room(svc: Services, org_name: str = "Home") -> tuple[Actor, Actor, str]:
    org = await svc.people.create_org(org_name)
    ann, bob = await person(svc, org["id"]), await person(svc, org["id"])
    conv = await svc.conversations.create(ann, "group", "Links", "", [bob.user_id])
    return ann, bob, conv["id"]


async def send(svc: Services, actor: Actor, conv: str, text: str) -> str:
    return (await svc.messages.send(actor, conv, f"c{next(_ids)}", text)).message.id


async def preview_of(svc: Services, actor: Actor, conv: str, message_id: str) -> object:
    return (await svc.messages.get(actor, conv, message_id))["preview"]


async def test_a_message_deleted_during_the_fetch_gets_nothing(svc: Services) -> None:
    previews, pages = await setting(svc)
    ann, bob, conv = await room(svc)
    mid = await send(svc, ann, conv, "https://example.com/a")
    pages.hold = asyncio.Event()
    job = asyncio.create_task(previews.handle(PreviewJob(conv, mid)))
    await pages.started.wait()
    await svc.messages.delete(ann, conv, mid)
    pages.hold.set()
    await job
    events = await svc.sync.conversation_events(bob, conv, 0, 100, None, ("message.preview",))
    assert events["items"] == [] and await preview_of(svc, bob, conv, mid) is None


async def test_a_message_edited_to_another_link_during_the_fetch_keeps_the_new_one(svc: Services) -> None:
    previews, pages = await setting(svc)
    ann, bob, conv = await room(svc)
    mid = await send(svc, ann, conv, "https://example.com/old")
    pages.hold = asyncio.Event()
    late = asyncio.create_task(previews.handle(PreviewJob(conv, mid)))
    await pages.started.wait()
    await svc.messages.edit(ann, conv, mid, "https://example.com/new")
    pages.hold.set()
    await late  # the old link's answer is not written on the edited message
    assert await preview_of(svc, bob, conv, mid) is None
    await previews.handle(PreviewJob(conv, mid))  # the edit's own job
    shown = await preview_of(svc, bob, conv, mid)
    assert shown is not None and shown.url == "https://example.com/new"


async def test_the_cache_is_per_organisation_and_expires(svc: Services) -> None:
    previews, pages = await setting(svc)
    ann, _, conv = await room(svc, "Home")
    eve, _, other = await room(svc, "Other")
    for actor, where in ((ann, conv), (ann, conv), (eve, other)):
        await previews.handle(PreviewJob(where, await send(svc, actor, where, "see https://example.com/shared")))
    assert pages.fetched == ["https://example.com/shared"] * 2  # once per organisation
    fresh, pages_again = await setting(svc, cache_ms=0)
    await fresh.handle(PreviewJob(conv, await send(svc, ann, conv, "https://example.com/shared")))
    assert pages_again.fetched == ["https://example.com/shared"]  # expired: fetched again


async def test_a_page_with_nothing_to_show_is_remembered_briefly_and_shows_nothing(svc: Services) -> None:
    previews, pages = await setting(svc)
    ann, bob, conv = await room(svc)
    for _ in range(2):
        mid = await send(svc, ann, conv, "https://nothing.example/")
        await previews.handle(PreviewJob(conv, mid))
        assert await preview_of(svc, bob, conv, mid) is None
    assert pages.fetched == ["https://nothing.example/"]


async def test_an_admin_may_take_a_preview_away_a_member_may_not(svc: Services) -> None:
    previews, _ = await setting(svc)
    ann, bob, conv = await room(svc)
    boss = await person(svc, ann.org_id, OrgRole.ADMIN)
    await svc.conversations.add_members(ann, conv, [boss.user_id])
    mid = await send(svc, ann, conv, "https://example.com/x")
    await previews.handle(PreviewJob(conv, mid))
    with pytest.raises(Forbidden):
        await previews.remove(bob, conv, mid)
    await previews.remove(boss, conv, mid)
    assert await preview_of(svc, bob, conv, mid) is None


async def test_the_sink_queues_new_and_edited_messages_and_skips_the_rest(svc: Services) -> None:
    previews, _ = await setting(svc)
    ann, _, conv = await room(svc)
    mid = await send(svc, ann, conv, "https://example.com/q")
    events = await svc.sync.conversation_events(ann, conv, 0, 100, None, ())
    previews(Committed(conversation_events=events["items"]))
    assert previews.queue.qsize() == 1 and previews.queue.get_nowait() == PreviewJob(conv, mid)


async def test_a_full_queue_drops_the_job_and_the_node_switch_registers_nothing(
        svc: Services, caplog: pytest.LogCaptureFixture) -> None:
    assert "link-previews" in svc.spine.sink_names  # on by default
    previews = LinkPreviews(svc.core, PagesInMemory(), queue_size=1)
    ann, _, conv = await room(svc)
    for text in ("https://example.com/1", "https://example.com/2"):
        await send(svc, ann, conv, text)
    events = await svc.sync.conversation_events(ann, conv, 0, 100, None, ("message.new",))
    previews(Committed(conversation_events=events["items"]))  # never blocks the commit that called it
    assert previews.queue.qsize() == 1 and "queue full" in caplog.text
    off = build_services(svc.settings.model_copy(update={"link_previews": False}))
    assert "link-previews" not in off.spine.sink_names
    await off.core.db.close()


async def test_the_organisation_switch_is_read_when_the_job_runs(svc: Services) -> None:
    """Off: nothing is fetched for the organisation's messages; the job that ran while it was off
    is not redone when previews come back on (an edit's new link would be)."""
    previews, pages = await setting(svc)
    ann, bob, conv = await room(svc)
    boss = await person(svc, ann.org_id, OrgRole.ADMIN)
    await svc.org_settings.update_policy(boss, {"link_previews": False})
    mid = await send(svc, ann, conv, "https://example.com/off")
    await previews.handle(PreviewJob(conv, mid))
    await svc.org_settings.update_policy(boss, {"link_previews": True})
    assert pages.fetched == [] and await preview_of(svc, bob, conv, mid) is None
