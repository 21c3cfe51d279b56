"""Admin › Users on the API: server-side search and paging, promoting and demoting, and the guard
that keeps every organisation an admin."""

from __future__ import annotations

import pytest

from axon.client import ApiError
from tests.support.people import PASSWORD, admin_rest, new_person
from tests.support.server import ServerProcess


async def test_promote_demote_and_the_last_admin_guard(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    me = (await admin.me())["id"]
    ann = await new_person(server.url, admin, "au_ann")
    promoted = await admin.request("PATCH", f"/admin/users/{ann.id}", {"role": "admin"})
    assert promoted["role"] == "admin"
    assert len((await ann.rest.request("GET", "/admin/users", params={"q": "au_ann"}))["items"]) == 1  # now may
    demoted = await ann.rest.request("PATCH", f"/admin/users/{ann.id}", {"role": "member"})  # herself: one is left
    assert demoted["role"] == "member"
    with pytest.raises(ApiError) as refused:
        await ann.rest.request("GET", "/admin/users")
    assert refused.value.status == 403  # the role change took effect at once
    with pytest.raises(ApiError) as last:
        await admin.request("PATCH", f"/admin/users/{me}", {"role": "member"})
    assert (last.value.status, last.value.code) == (403, "last_admin")
    assert (await admin.me())["role"] == "owner"  # the organisation's creator is its owner


async def test_admin_users_are_searched_and_paged_on_the_server(server: ServerProcess) -> None:
    admin = await admin_rest(server.url)
    for i in range(32):
        await admin.admin_create_user(f"au_page{i:02d}", f"AU Page {i:02d}", PASSWORD)
    await admin.admin_create_user("au_zhang", "张伟", PASSWORD)
    seen: list[str] = []
    cursor = None
    while True:
        page = await admin.request("GET", "/admin/users", params={"q": "au page", "limit": 10, "cursor": cursor})
        seen += [u["username"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"au_page{i:02d}" for i in range(32)]  # in name order, each once
    found = await admin.request("GET", "/admin/users", params={"q": "zhangw"})  # pinyin, like the directory
    assert [u["username"] for u in found["items"]] == ["au_zhang"]
