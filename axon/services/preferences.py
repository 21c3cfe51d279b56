"""Sidebar preferences (favourites, collapsed sections, the unread filter, mutes) and drafts, kept on
the server so that every device of the user shows the same; each change is a user event
(``preferences.updated``, ``draft.updated``), so a device that was offline gets it on resume."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ..domain import policy
from ..domain import preferences as rules
from ..domain.clock import iso_from_ms
from ..domain.errors import ValidationFailed
from ..domain.model import Actor
from ..protocol.rest import Draft, Preferences
from ..store import conversations as convs
from ..store import preferences as store
from ..store.database import Conn
from ..store.errors import DuplicateKey
from ..store.tx import Tx
from .core import Core

T = TypeVar("T")


class UserPreferences:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def get(self, actor: Actor) -> Preferences:
        return _view(await self.core.read(lambda conn: _current(conn, actor.user_id)))

    async def update(self, actor: Actor, changes: dict[str, Any], base_version: Any) -> Preferences:
        """Apply ``changes`` on top of ``base_version``; a stale base answers ``version_conflict``."""

        def apply(tx: Tx) -> rules.Preferences:
            current = _current(tx.conn, actor.user_id)
            rules.check_base_version(current, base_version)
            updated = rules.apply_changes(current, changes)
            _check_members(tx.conn, actor, rules.added_ids(current, updated))
            updated = rules.without(updated, _departed(tx.conn, actor.user_id, updated))
            if not store.store(tx.conn, actor.user_id, updated.version, updated.data(), tx.now_ms):
                rules.check_base_version(_current(tx.conn, actor.user_id), base_version)  # raises: someone won
            tx.user_event(actor.user_id, "preferences.updated", updated.to_dict())
            return updated

        return _view(await _once_more_on_collision(self.core, apply))


class Drafts:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def list(self, actor: Actor) -> list[Draft]:
        rows = await self.core.read(lambda conn: store.list_drafts(conn, actor.user_id))
        return [Draft(r["conversation_id"], r["thread_root"] or None, r["text"], iso_from_ms(r["updated_at"]))
                for r in rows]

    async def put(self, actor: Actor, conversation_id: str, text: Any, thread_root: Any) -> Draft | None:
        """Save the draft (an empty text clears it); other devices get ``draft.updated``."""
        text = rules.draft_text(text, self.core.limits.max_text_bytes)
        root = _thread_root(thread_root)

        def apply(tx: Tx) -> Draft | None:
            conv, member = convs.get_with_membership(tx.conn, conversation_id, actor.user_id)
            policy.check_can_keep_preference(actor, conv, member)
            if not text:
                _clear(tx, actor.user_id, conversation_id, root)
                return None
            store.put_draft(tx.conn, actor.user_id, conversation_id, root, text, tx.now_ms)
            draft = rules.Draft(conversation_id, root or None, text, tx.now_ms)
            tx.user_event(actor.user_id, "draft.updated", _event(draft))
            return Draft(conversation_id, root or None, text, iso_from_ms(tx.now_ms))

        result: Draft | None = await _once_more_on_collision(self.core, apply)
        return result

    async def delete(self, actor: Actor, conversation_id: str, thread_root: Any) -> None:
        root = _thread_root(thread_root)

        def apply(tx: Tx) -> None:
            conv, member = convs.get_with_membership(tx.conn, conversation_id, actor.user_id)
            policy.check_can_keep_preference(actor, conv, member)
            _clear(tx, actor.user_id, conversation_id, root)

        await self.core.write(apply)


async def _once_more_on_collision(core: Core, apply: Callable[[Tx], T]) -> T:
    """Run ``apply``; if another node inserted the same first row meanwhile, run it again on what it stored
    (a preferences change then answers ``version_conflict``, a draft save replaces the other one)."""
    try:
        return await core.write(apply)
    except DuplicateKey:
        return await core.write(apply)


def clear_sent_drafts(tx: Tx, sent: Iterable[tuple[str, str, str]]) -> None:
    """In the send's own transaction: drop the drafts the sent messages came from.

    ``sent`` holds (user, conversation, thread root or "") only for senders whose membership
    says ``has_draft``, so a send without a draft pays nothing here.
    """
    for user_id, conversation_id, root in sorted(set(sent)):
        _clear(tx, user_id, conversation_id, root)


def _clear(tx: Tx, user_id: str, conversation_id: str, root: str) -> None:
    if store.delete_draft(tx.conn, user_id, conversation_id, root):
        tx.user_event(user_id, "draft.updated", _event(rules.Draft(conversation_id, root or None, None, tx.now_ms)))


def _event(draft: rules.Draft) -> dict[str, Any]:
    return {"conversation_id": draft.conversation_id, "thread_root": draft.thread_root, "text": draft.text,
            "updated_at": iso_from_ms(draft.updated_at)}


def _thread_root(value: Any) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > 32:
        raise ValidationFailed("thread_root must be a message id.", field="thread_root")
    return value


def _current(conn: Conn, user_id: str) -> rules.Preferences:
    version, data = store.load(conn, user_id)
    return rules.from_stored(version, data)


def _check_members(conn: Conn, actor: Actor, conversation_ids: set[str]) -> None:
    if not conversation_ids:
        return
    access = convs.access_many(conn, {(cid, actor.user_id) for cid in conversation_ids})
    for conv, member in access.values():
        policy.check_can_keep_preference(actor, conv, member)


def _departed(conn: Conn, user_id: str, prefs: rules.Preferences) -> set[str]:
    kept = set(prefs.favourites) | set(prefs.muted)
    return kept - store.member_conversations(conn, user_id, kept)


def _view(prefs: rules.Preferences) -> Preferences:
    return Preferences(prefs.version, list(prefs.favourites), list(prefs.collapsed),  # type: ignore[arg-type]
                       prefs.unread_only, list(prefs.muted), prefs.smart_replies)
