"""Search administration on a real node: organisation words over REST (admins only, checked), and
``axon search reindex`` rebuilding the index from the stored messages while the node runs."""

from __future__ import annotations

import pytest

from axon.client import ApiError
from tests.integration.test_key_rotation import axon_cli
from tests.support.at_rest import run_sql
from tests.support.people import admin_rest, eventually, new_person
from tests.support.server import ServerProcess


async def test_admins_set_their_organisations_words_and_members_may_not(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    assert await admin.request("PUT", "/admin/search/words", {"words": ["星火协作台", "Axon-X", "星火协作台"]}) == {
        "words": ["Axon-X", "星火协作台"]}
    assert await admin.request("GET", "/admin/search/words") == {"words": ["Axon-X", "星火协作台"]}
    for bad, says in ((["x"], "2 to 32"), (["a b"], "letters, digits"), ([f"w{i}" for i in range(501)], "500")):
        with pytest.raises(ApiError) as refused:
            await admin.request("PUT", "/admin/search/words", {"words": bad})
        assert (refused.value.status, refused.value.code) == (400, "validation_failed")
        assert refused.value.details == {"field": "words"} and says in refused.value.message
    for method, body in (("GET", None), ("PUT", {"words": ["星火"]})):
        with pytest.raises(ApiError) as member:
            await ann.rest.request(method, "/admin/search/words", body)
        assert (member.value.status, member.value.code) == (403, "forbidden")
    assert await admin.request("GET", "/admin/search/words") == {"words": ["Axon-X", "星火协作台"]}


async def test_the_cli_reindexes_what_the_index_lost(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    ann = await new_person(server.url, admin)
    conv = await ann.rest.create_conversation("group", "Reindexed")
    sent = [(await ann.rest.send(conv["id"], f"r{i}", f"reindex me {i}"))["message"]["id"] for i in range(12)]

    async def indexed() -> set[str]:
        return {r[0] for r in await run_sql(server, "SELECT message_id FROM search_docs")}

    async def all_indexed() -> bool:
        return set(sent) <= await indexed()

    await eventually(all_indexed)
    before = await indexed()
    sqlite = server.database_url is None
    if sqlite:
        await run_sql(server, "DELETE FROM search_fts")
    await run_sql(server, "DELETE FROM search_docs")
    slug = (await admin.request("GET", "/org"))["slug"]
    code, out = await axon_cli(server, "search", "reindex", "--org", slug)
    assert code == 0, out
    assert "re-indexed" in out
    assert await indexed() == before
    if sqlite:
        fts = await run_sql(server, "SELECT count(*) FROM search_fts")
        assert fts[0][0] == len(before)
    code, out = await axon_cli(server, "search", "reindex", "--org", "no-such-org")
    assert code == 1 and "no-such-org" in out
