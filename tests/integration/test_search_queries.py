"""Search boxes' ``q``: over 100 characters it is a 400 ``validation_failed`` naming the field, on
every endpoint that takes one (a switcher paste of 300 characters used to be a bare 422)."""

from __future__ import annotations

import pytest

from axon.client import ApiError
from tests.support.people import admin_rest
from tests.support.server import ServerProcess

SEARCHES = ["/users", "/channels", "/admin/users"]


@pytest.mark.parametrize("path", SEARCHES)
async def test_a_query_over_100_characters_is_a_clear_400(server: ServerProcess, path: str) -> None:
    admin = await admin_rest(server.url)
    with pytest.raises(ApiError) as refused:
        await admin.request("GET", path, params={"q": "张" * 101})
    assert (refused.value.status, refused.value.code) == (400, "validation_failed")
    assert refused.value.details == {"field": "q"} and "100 characters" in refused.value.message


@pytest.mark.parametrize("path", SEARCHES)
async def test_a_query_of_100_characters_is_answered(server: ServerProcess, path: str) -> None:
    admin = await admin_rest(server.url)
    found = await admin.request("GET", path, params={"q": "x" * 100})
    assert (found["items"] if isinstance(found, dict) else found) == []
