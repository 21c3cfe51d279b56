"""Organisation boundaries as the services enforce them, on the real store: whom a device may
follow the presence of, and who may list the directory as an administrator."""

from __future__ import annotations

import msgspec
import pytest

from axon.app import Services
from axon.domain.errors import Forbidden
from axon.domain.model import Actor, OrgRole
from axon.services.people import NewUser


async def _member(svc: Services, org_id: str, name: str, role: OrgRole = OrgRole.MEMBER) -> Actor:
    user = await svc.people.create_user(org_id, NewUser(name, name.title(), "pass-word-1", f"{name}@example.com",
                                                        role=role))
    return Actor(user["id"], org_id, f"d_{name}", role)


async def test_presence_can_be_followed_for_colleagues_only(svc: Services) -> None:
    home, other = await svc.people.create_org("Home"), await svc.people.create_org("Other")
    ann, bob = await _member(svc, home["id"], "ann"), await _member(svc, home["id"], "bob")
    eve = await _member(svc, other["id"], "eve")
    asked = [bob.user_id, eve.user_id, "u_nobody", bob.user_id, 42, ann.user_id]
    assert await svc.people.visible_user_ids(ann, asked) == [bob.user_id, ann.user_id]
    assert await svc.people.visible_user_ids(eve, asked) == [eve.user_id]


async def test_the_admin_directory_needs_an_org_admin_and_shows_addresses(svc: Services) -> None:
    org = await svc.people.create_org("Home")
    admin = await _member(svc, org["id"], "boss", OrgRole.ADMIN)
    ann = await _member(svc, org["id"], "ann")
    with pytest.raises(Forbidden):
        await svc.people.admin_directory(ann, "", None, 10)
    items, _ = await svc.people.admin_directory(admin, "", None, 10)
    assert {(u.username, u.email, u.kind) for u in items} == {
        ("boss", "boss@example.com", "person"), ("ann", "ann@example.com", "person"), ("axon", None, "assistant")}
    seen_by_ann, _ = await svc.people.directory(ann, "", None, 10)
    assert {u.username for u in seen_by_ann} == {"boss", "ann", "axon"}
    assert all(u.email is msgspec.UNSET for u in seen_by_ann)
