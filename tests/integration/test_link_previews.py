"""Link previews over a real node: a message's first link gets a card after the send is acked
(``message.preview`` live and in history), its picture served by us to members only; nothing for
``"preview": false``, links in code or an organisation that switched previews off; the sender removes
a preview and it stays away; an edit to another link refetches.

The node may fetch only from the tests' web site on 127.0.0.2 (``AXON_LINK_PREVIEW_ALLOW``);
127.0.0.1 and every other loopback or private address stay refused as by default."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from axon.client import ApiError, RestApi
from tests.integration.test_realtime import Raw
from tests.integration.test_security import run_cli
from tests.support.at_rest import raw_stored
from tests.support.people import Person, admin_rest, new_person
from tests.support.server import ServerProcess
from tests.support.web_site import SITE_ADDRESS, Answer, Site, page, png, web_site

_ids = itertools.count()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with web_site() as running:
        yield running


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("previews"),
                         env={"AXON_LINK_PREVIEW_ALLOW": f"{SITE_ADDRESS}/32"}).start()
    yield proc
    proc.stop()


def article(site: Site, title: str, picture: tuple[int, int] | None = None) -> str:
    """A page with an OpenGraph card (and a picture of that size); its URL."""
    slug = f"{title.replace(' ', '-')}-{next(_ids)}"
    head = f'<meta property="og:title" content="{title}"><meta property="og:description" content="About {title}">'
    if picture:
        site.at(f"/{slug}.png", Answer(headers={"Content-Type": "image/png"}, body=png(*picture)))
        head += f'<meta property="og:image" content="/{slug}.png">'
    return site.html(f"/{slug}", page(title, head=head))


async def send(person: Person, conv: str, text: str, **extra: Any) -> dict[str, Any]:
    body = {"client_msg_id": f"lp-{next(_ids)}", "text": text, **extra}
    answer: dict[str, Any] = await person.rest.request("POST", f"/conversations/{conv}/messages", body)
    return answer["message"]


async def preview_event(raw: Raw, message_id: str) -> dict[str, Any]:
    while True:
        frame = await raw.until("event")
        if frame["type"] == "message.preview" and frame["data"]["message_id"] == message_id:
            return frame


async def previews_in(rest: RestApi, conv: str) -> dict[str, Any]:
    page_ = await rest.request("GET", f"/conversations/{conv}/messages")
    return {m["id"]: m["preview"] for m in page_["items"]}


async def picture(node: ServerProcess, token: str, conv: str, message_id: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(f"{node.url}/api/v1/conversations/{conv}/messages/{message_id}/preview-image",
                              headers={"Authorization": f"Bearer {token}"})


async def room(node: ServerProcess) -> tuple[RestApi, Person, Person, str]:
    admin = await admin_rest(node.url)
    ann, bob = [await new_person(node.url, admin) for _ in range(2)]
    conv = (await ann.rest.create_conversation("group", "Links", [bob.id]))["id"]
    return admin, ann, bob, conv


async def test_a_link_gets_its_card_live_in_history_and_its_picture_from_us(node: ServerProcess, site: Site) -> None:
    admin, ann, bob, conv = await room(node)
    raw, _ = await Raw.open(node, bob.token)
    url = article(site, "Rust 2026", picture=(1200, 630))
    sent = await send(ann, conv, f"读一下 {url} 吧")
    assert sent["preview"] is None  # acked before any fetch
    frame = await preview_event(raw, sent["id"])
    preview = frame["data"]["preview"]
    assert preview == {"url": url, "title": "Rust 2026", "description": "About Rust 2026",
                       "site_name": f"{SITE_ADDRESS}", "image": {"width": 600, "height": 315}}
    assert (await previews_in(bob.rest, conv))[sent["id"]] == preview
    got = await picture(node, bob.token, conv, sent["id"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/webp" and got.content[:4] == b"RIFF"
    assert got.headers["x-content-type-options"] == "nosniff"
    outsider = await new_person(node.url, admin)
    assert (await picture(node, outsider.token, conv, sent["id"])).status_code == 404
    stored = await raw_stored(node)  # the card and its URL are sealed at rest like the message's text
    assert b"About Rust 2026" not in stored and url.encode() not in stored
    await raw.close()


async def test_no_card_when_refused_in_code_or_switched_off(node: ServerProcess, site: Site) -> None:
    admin, ann, bob, conv = await room(node)
    raw, _ = await Raw.open(node, bob.token)
    refused_url, code_url, socket_url = (article(site, name) for name in ("Refused", "In code",
                                                                           "Refused on the socket"))
    refused = await send(ann, conv, f"no card please {refused_url}", preview=False)
    ann_raw, _ = await Raw.open(node, ann.token)
    await ann_raw.send({"t": "send", "id": f"ws-{next(_ids)}", "conv": conv, "text": socket_url, "preview": False})
    by_socket = {"id": (await ann_raw.until("ack"))["message_id"]}
    await ann_raw.close()
    in_code = await send(ann, conv, f"`{code_url}`")
    sentinel = await send(ann, conv, article(site, "Sentinel"))
    await preview_event(raw, sentinel["id"])  # queued after the others, so they were decided before it
    shown = await previews_in(bob.rest, conv)
    assert [shown[m["id"]] for m in (refused, by_socket, in_code)] == [None] * 3
    assert [site.hits.get(u.removeprefix(site.url)) for u in (refused_url, socket_url, code_url)] == [None] * 3
    with pytest.raises(ApiError) as bad:
        await send(ann, conv, "x https://example.com", preview="no")
    assert (bad.value.status, bad.value.code) == (422, "validation_failed")
    await raw.close()


async def test_an_organisation_with_previews_switched_off_gets_none(node: ServerProcess, site: Site) -> None:
    """Another organisation switches previews off (and stays off); ours keeps them."""
    env = {**node.env, "AXON_DATA_DIR": str(node.data_dir), "AXON_NEW_USER_PASSWORD": "quiet-pass-1"}
    await run_cli(env, "create-org", "Quiet Co", "--slug", "quiet")
    await run_cli(env, "create-user", "quinn", "--display-name", "Quinn", "--admin", "--org", "quiet")
    quinn = RestApi(node.url)
    await quinn.login("quinn", "quiet-pass-1", org="quiet")
    org = await quinn.request("PATCH", "/admin/org/policy", {"link_previews": False})
    assert org["policy"]["link_previews"] is False
    quiet_room = (await quinn.create_conversation("group", "Quiet"))["id"]
    quiet_url = article(site, "Never fetched")
    quiet = (await quinn.request("POST", f"/conversations/{quiet_room}/messages",
                                 {"client_msg_id": "q-1", "text": f"org said no {quiet_url}"}))["message"]
    admin, ann, bob, conv = await room(node)
    assert (await admin.request("GET", "/org"))["policy"]["link_previews"] is True  # ours is untouched
    raw, _ = await Raw.open(node, bob.token)
    sentinel = await send(ann, conv, article(site, "Ours still"))
    await preview_event(raw, sentinel["id"])  # queued after Quinn's, so that one was decided before
    assert (await previews_in(quinn, quiet_room))[quiet["id"]] is None
    assert site.hits.get(quiet_url.removeprefix(site.url)) is None
    await raw.close()
    await quinn.close()


async def test_the_sender_removes_a_card_for_good_and_an_edit_refetches(node: ServerProcess, site: Site) -> None:
    admin, ann, bob, conv = await room(node)
    raw, _ = await Raw.open(node, bob.token)
    first = await send(ann, conv, article(site, "First"))
    await preview_event(raw, first["id"])
    path = f"/conversations/{conv}/messages/{first['id']}"
    await ann.rest.request("PATCH", path, {"text": "now " + article(site, "Second")})
    assert (await preview_event(raw, first["id"]))["data"]["preview"]["title"] == "Second"
    await ann.rest.request("PATCH", path, {"text": "no link now"})
    assert (await preview_event(raw, first["id"]))["data"]["preview"] is None

    kept = await send(ann, conv, article(site, "Kept"))
    await preview_event(raw, kept["id"])
    with pytest.raises(ApiError) as not_theirs:
        await bob.rest.request("DELETE", f"/conversations/{conv}/messages/{kept['id']}/preview")
    assert (not_theirs.value.status, not_theirs.value.code) == (403, "forbidden")
    await ann.rest.request("DELETE", f"/conversations/{conv}/messages/{kept['id']}/preview")
    frame = await preview_event(raw, kept["id"])
    assert frame["data"] == {"message_id": kept["id"], "preview": None} and frame["by"] == ann.id
    assert (await previews_in(bob.rest, conv))[kept["id"]] is None
    assert (await picture(node, bob.token, conv, kept["id"])).status_code == 404
    edited = await ann.rest.request("PATCH", f"/conversations/{conv}/messages/{kept['id']}",
                                    {"text": article(site, "Still no card")})
    assert edited["preview"] is None
    sentinel = await send(ann, conv, article(site, "After"))
    await preview_event(raw, sentinel["id"])
    assert (await previews_in(bob.rest, conv))[kept["id"]] is None
    with pytest.raises(ApiError) as missing:
        await ann.rest.request("DELETE", f"/conversations/{conv}/messages/m_nope/preview")
    assert missing.value.status == 404
    await raw.close()


async def test_a_deleted_message_loses_its_card(node: ServerProcess, site: Site) -> None:
    admin, ann, bob, conv = await room(node)
    raw, _ = await Raw.open(node, bob.token)
    sent = await send(ann, conv, article(site, "Doomed", picture=(64, 64)))
    await preview_event(raw, sent["id"])
    await ann.rest.delete(conv, sent["id"])
    assert (await previews_in(bob.rest, conv))[sent["id"]] is None
    assert (await picture(node, bob.token, conv, sent["id"])).status_code == 404
    await raw.close()


async def test_loopback_other_than_the_allowed_site_is_never_fetched(node: ServerProcess, site: Site) -> None:
    admin, ann, bob, conv = await room(node)
    raw, _ = await Raw.open(node, bob.token)
    port = site.url.rsplit(":", 1)[1]
    secret = site.html("/internal", page("Internal"))
    via_redirect = site.redirect(f"/jump-{next(_ids)}", f"http://127.0.0.1:{port}/internal")
    direct = await send(ann, conv, f"http://localhost:{node.port}/api/v1/me and {secret}")
    jumped = await send(ann, conv, via_redirect)
    sentinel = await send(ann, conv, article(site, "Fine"))
    await preview_event(raw, sentinel["id"])
    shown = await previews_in(bob.rest, conv)
    assert (shown[direct["id"]], shown[jumped["id"]]) == (None, None)
    assert site.hits.get("/internal") is None
    await raw.close()
