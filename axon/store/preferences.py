"""User preferences and drafts: queries only, no rules."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, insert, select, update

from .errors import duplicate_key_on_integrity_error
from .schema import drafts, members, user_preferences
from .sealed_columns import open_drafts, seal_draft

Row = dict[str, Any]


def load(conn: Connection, user_id: str) -> tuple[int, dict[str, Any]]:
    """The stored (version, data) of the user's preferences; (0, {}) when never changed."""
    row = conn.execute(select(user_preferences.c.version, user_preferences.c.data)
                       .where(user_preferences.c.user_id == user_id)).first()
    return (int(row.version), json.loads(row.data)) if row is not None else (0, {})


def store(conn: Connection, user_id: str, version: int, data: dict[str, Any], now_ms: int) -> bool:
    """Write version ``version`` if the stored one is ``version - 1``; False when another writer won."""
    text = json.dumps(data, separators=(",", ":"))
    if version == 1:  # raises DuplicateKey when another node stored a first version meanwhile
        with duplicate_key_on_integrity_error():
            conn.execute(insert(user_preferences).values(user_id=user_id, version=1, data=text, updated_at=now_ms))
        return True
    result = conn.execute(update(user_preferences)
                          .where(user_preferences.c.user_id == user_id, user_preferences.c.version == version - 1)
                          .values(version=version, data=text, updated_at=now_ms))
    return bool(result.rowcount)


def member_conversations(conn: Connection, user_id: str, conversation_ids: set[str]) -> set[str]:
    """Which of ``conversation_ids`` the user is a member of."""
    if not conversation_ids:
        return set()
    stmt = select(members.c.conversation_id).where(members.c.user_id == user_id,
                                                   members.c.conversation_id.in_(sorted(conversation_ids)))
    return set(conn.execute(stmt).scalars())


# --- drafts ----------------------------------------------------------------------------


def list_drafts(conn: Connection, user_id: str) -> list[Row]:
    stmt = (select(drafts.c.conversation_id, drafts.c.thread_root, drafts.c.text, drafts.c.updated_at)
            .join(members, and_(members.c.conversation_id == drafts.c.conversation_id,
                                members.c.user_id == drafts.c.user_id))
            .where(drafts.c.user_id == user_id)
            .order_by(drafts.c.updated_at.desc()))
    return open_drafts(conn, user_id, [dict(r) for r in conn.execute(stmt).mappings()])


def put_draft(conn: Connection, user_id: str, conversation_id: str, thread_root: str, text: str, now_ms: int) -> None:
    """Insert or replace the draft; raises ``DuplicateKey`` if another node inserted it concurrently."""
    key = _key(user_id, conversation_id, thread_root)
    text = seal_draft(conn, user_id, conversation_id, thread_root, text)
    if not conn.execute(update(drafts).where(key).values(text=text, updated_at=now_ms)).rowcount:
        with duplicate_key_on_integrity_error():  # another node inserted it meanwhile
            conn.execute(insert(drafts).values(user_id=user_id, conversation_id=conversation_id,
                                               thread_root=thread_root, text=text, updated_at=now_ms))
    _set_flag(conn, user_id, conversation_id, True)


def delete_draft(conn: Connection, user_id: str, conversation_id: str, thread_root: str) -> bool:
    """Remove one draft; True when there was one. Keeps ``members.has_draft`` true while others remain."""
    deleted = bool(conn.execute(delete(drafts).where(_key(user_id, conversation_id, thread_root))).rowcount)
    if deleted:
        others = conn.execute(select(exists().where(drafts.c.user_id == user_id,
                                                    drafts.c.conversation_id == conversation_id))).scalar()
        if not others:
            _set_flag(conn, user_id, conversation_id, False)
    return deleted


def _key(user_id: str, conversation_id: str, thread_root: str) -> Any:
    return and_(drafts.c.user_id == user_id, drafts.c.conversation_id == conversation_id,
                drafts.c.thread_root == thread_root)


def _set_flag(conn: Connection, user_id: str, conversation_id: str, value: bool) -> None:
    conn.execute(update(members).where(members.c.conversation_id == conversation_id, members.c.user_id == user_id)
                 .values(has_draft=value))
