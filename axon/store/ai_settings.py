"""An organisation's AI endpoint settings (``ai_settings``): queries only. API keys are sealed on
the way in and opened on the way out (``sealed_columns``)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert, select, update

from .schema import ai_settings
from .sealed_columns import open_ai_keys, seal_ai_key

Row = dict[str, Any]


def get(conn: Connection, org_id: str) -> Row | None:
    """``{org_id, config (parsed), chat_api_key, translation_api_key, updated_at}``, keys opened; None if never set."""
    found = conn.execute(select(ai_settings).where(ai_settings.c.org_id == org_id)).mappings().first()
    if found is None:
        return None
    row = open_ai_keys(conn, dict(found))
    row["config"] = json.loads(row["config"])
    return row


def put(conn: Connection, org_id: str, config: Row, keys: dict[str, str | None], now_ms: int) -> None:
    """Create or replace the settings; a key of ``None`` in ``keys`` keeps the stored one ("" forgets it)."""
    values: Row = {"config": json.dumps(config, sort_keys=True), "updated_at": now_ms}
    values.update({column: seal_ai_key(conn, org_id, column, key) for column, key in keys.items() if key is not None})
    if not conn.execute(update(ai_settings).where(ai_settings.c.org_id == org_id).values(**values)).rowcount:
        conn.execute(insert(ai_settings).values(org_id=org_id, **{"chat_api_key": "", "translation_api_key": "",
                                                                    **values}))
