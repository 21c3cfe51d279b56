"""Organisation activity counts (``org_activity``), added to by the durable ``org_activity`` consumer."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from ..domain.activity import COUNTED, DayCounts
from .schema import conversations, org_activity


def conversation_orgs(conn: Connection, conversation_ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(conversation_ids), 500):
        chunk = conversation_ids[start:start + 500]
        rows = conn.execute(select(conversations.c.id, conversations.c.org_id).where(conversations.c.id.in_(chunk)))
        found.update({cid: org for cid, org in rows})
    return found


def add(conn: Connection, counts: dict[tuple[str, str], DayCounts]) -> None:
    """Add to each (organisation, day)'s counts, creating the row on its first event."""
    if counts:
        rows = [{"org_id": org, "day": day, **dict(zip(COUNTED, c.as_tuple(), strict=True))}
                for (org, day), c in sorted(counts.items())]
        conn.execute(_upsert(conn.dialect.name), rows)


@cache
def _upsert(dialect_name: str) -> Any:
    """One parametrised upsert per dialect, built once (executed for many rows at a time)."""
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(org_activity)
    return stmt.on_conflict_do_update(index_elements=[org_activity.c.org_id, org_activity.c.day],
                                      set_={name: org_activity.c[name] + stmt.excluded[name] for name in COUNTED})


def days(conn: Connection, org_id: str, first_day: str, last_day: str) -> dict[str, DayCounts]:
    t = org_activity.c
    rows = conn.execute(select(t.day, *(t[name] for name in COUNTED))
                        .where(t.org_id == org_id, t.day >= first_day, t.day <= last_day))
    return {row[0]: DayCounts(*(int(v) for v in row[1:])) for row in rows}
