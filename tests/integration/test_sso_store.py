"""The directory sync's lease: with several nodes, one syncs an organisation at a time."""

from __future__ import annotations

from axon.store import accounts, sso
from axon.store.database import open_database


async def test_one_node_holds_the_sync_lease_until_it_finishes_or_it_expires(database_url: str) -> None:
    db = open_database(database_url)
    try:
        run = db.write
        org = {"id": "org_1", "name": "Org", "slug": "org", "signup_domains": "", "created_at": 0,
               "session_idle_days": 30, "session_max_days": 90}
        await run(lambda c: accounts.insert_org(c, org))
        await run(lambda c: sso.put_provider(c, "org_1", "ldap", True, {"url": "ldap://x"}, "s", 0))
        assert await run(lambda c: sso.claim_sync(c, "org_1", "node-a", 1_000, 60_000))
        assert not await run(lambda c: sso.claim_sync(c, "org_1", "node-b", 2_000, 60_000))
        assert not await run(lambda c: sso.claim_sync(c, "org_1", "node-a", 2_000, 60_000))  # not twice at once
        await run(lambda c: sso.finish_sync(c, "org_1", "node-b", 3_000, {"at": 3_000}))  # not its lease: no effect
        assert not await run(lambda c: sso.claim_sync(c, "org_1", "node-b", 3_000, 60_000))
        await run(lambda c: sso.finish_sync(c, "org_1", "node-a", 4_000, {"at": 4_000}))
        assert await run(lambda c: sso.claim_sync(c, "org_1", "node-b", 5_000, 60_000))
        # A node that died holding the lease frees it when the lease runs out.
        assert await run(lambda c: sso.claim_sync(c, "org_1", "node-a", 65_001, 60_000))
        row = await db.read(lambda c: sso.get_provider(c, "org_1", "ldap"))
        assert row is not None and row["last_sync_at"] == 4_000 and row["last_sync_result"] == {"at": 4_000}
        assert row["secret"] == "s" and row["config"] == {"url": "ldap://x"}
    finally:
        await db.close()
