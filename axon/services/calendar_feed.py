"""Calendar events for other calendar programs: one event as an .ics file, and each person's secret
feed URL (subscribed to by a calendar program, which cannot sign in).

The feed's token is 256 random bits; the database finds it by its SHA-256 (a leaked database
does not give the URLs away: the token itself is kept only sealed, for its owner to be shown the
URL again). A new feed replaces the old one, whose URL then answers 404, as it does once revoked.
A feed holds its owner's events of the last 30 days and every later one (cancelled ones too, so
that subscribed calendars drop them).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import msgspec

from ..domain.calendar_ics import render
from ..domain.clock import iso
from ..domain.errors import NotFound
from ..domain.model import Actor
from ..protocol.rest_calendar import CalendarEvent
from ..store import accounts
from ..store import calendar as stored
from ..store.database import Conn
from ..store.tx import Tx
from .calendar import attended_event
from .calendar_views import views_of
from .core import Core

FEED_DAYS_BACK = 30
FEED_LIMIT = 1000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ics(conn: Conn, views: list[CalendarEvent], name: str | None = None) -> bytes:
    people = {a.user_id for v in views for a in v.attendees} | {v.organizer_id for v in views}
    names = {u["id"]: u["display_name"] for u in accounts.get_users(conn, sorted(people))}
    return render([msgspec.structs.asdict(v) | {"attendees": [msgspec.structs.asdict(a) for a in v.attendees]}
                   for v in views], names, name=name)


class CalendarFeeds:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def event_ics(self, actor: Actor, event_id: str) -> bytes:
        """One event (organiser and attendees only) as an iCalendar file."""
        return await self.core.read(lambda c: _ics(c, views_of(c, [attended_event(c, actor, event_id)])))

    async def feed(self, actor: Actor) -> tuple[str | None, str | None]:
        """The actor's feed token and when it was made; (None, None) when they have none."""
        row = await self.core.read(lambda c: stored.feed_of(c, actor.user_id))
        return (row["token"], iso(int(row["created_at"]))) if row is not None else (None, None)

    async def new_feed(self, actor: Actor) -> tuple[str, str]:
        """A new secret feed token, replacing any earlier one; with when it was made."""
        token = secrets.token_urlsafe(32)

        def put(tx: Tx) -> str:
            stored.put_feed(tx.conn, actor.user_id, token_hash(token), token, tx.now_ms)
            return iso(tx.now_ms)

        return token, await self.core.write(put)

    async def revoke_feed(self, actor: Actor) -> None:
        await self.core.write(lambda tx: stored.delete_feed(tx.conn, actor.user_id))

    async def feed_ics(self, token: str) -> bytes:
        """The feed of the token's owner (no sign-in: the token is the key); ``not_found`` for any other token."""
        since = self.core.clock.now_ms() - FEED_DAYS_BACK * 86_400_000

        def load(conn: Conn) -> bytes:
            owner = stored.feed_owner(conn, token_hash(token)) if 20 <= len(token) <= 100 else None
            user: dict[str, Any] | None = accounts.get_user(conn, owner) if owner is not None else None
            if user is None or user["disabled"]:
                raise NotFound("No such calendar feed.")
            views = views_of(conn, stored.events_of_user(conn, user["id"], since, None, FEED_LIMIT))
            return _ics(conn, views, name=f"Axon · {user['display_name']}")

        return await self.core.read(load)
