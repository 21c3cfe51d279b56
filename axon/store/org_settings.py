"""Each organisation's permission policy and modules (one row, JSON objects): queries only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from ..protocol.codec import decode, encode_str
from .schema import org_settings

Row = dict[str, Any]


def get(conn: Connection, org_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The stored (policy, modules) objects, or None when the organisation has the defaults."""
    row = conn.execute(select(org_settings.c.policy, org_settings.c.modules)
                       .where(org_settings.c.org_id == org_id)).first()
    return (decode(row.policy), decode(row.modules)) if row is not None else None


def put(conn: Connection, org_id: str, policy: dict[str, Any], modules: dict[str, Any], now_ms: int,
        by: str) -> None:
    values = {"policy": encode_str(policy), "modules": encode_str(modules), "updated_at": now_ms, "updated_by": by}
    if conn.execute(update(org_settings).where(org_settings.c.org_id == org_id).values(**values)).rowcount == 0:
        conn.execute(insert(org_settings).values(org_id=org_id, **values))
