"""How active an organisation is, day by day: kept by a durable consumer of committed events.

``OrgActivityCounter`` is the first durable consumer of the event spine (``axon/spine``):
it counts messages, thread replies, reactions and joins per organisation and UTC day,
exactly once per committed event even across crashes, because its counts and its
cursor commit in one transaction. ``Activity.report`` shows them to the
organisation's admins.
"""

from __future__ import annotations

import msgspec

from ..domain import policy
from ..domain.activity import DayCounts, Happening, day_range, tally
from ..domain.errors import ValidationFailed
from ..domain.model import Actor
from ..protocol.rest import ActivityDay
from ..store import activity as store
from ..store.event_log import CommittedPage
from ..store.tx import Tx
from .core import Core

MAX_DAYS = 366


class _ReplyProbe(msgspec.Struct):
    """Just enough of a ``message.new`` event's data to tell a thread reply."""

    class _Message(msgspec.Struct):
        reply_to: str | None = None

    message: _Message


_probe = msgspec.json.Decoder(_ReplyProbe)


_ORGS_REMEMBERED = 100_000  # conversations whose organisation is kept between pages


class OrgActivityCounter:
    name = "org_activity"

    def __init__(self) -> None:
        # A conversation never changes organisation, so what was read once stays true: pages
        # under load name the same busy conversations again and again.
        self._org_of: dict[str, str] = {}

    def apply(self, tx: Tx, page: CommittedPage) -> None:
        events = page.conversation_events
        if not events:
            return
        orgs = self._orgs(tx, {e.conversation_id for e in events})
        store.add(tx.conn, tally(
            Happening(orgs[e.conversation_id], e.created_at, e.type,
                      e.type == "message.new" and _probe.decode(e.data_json).message.reply_to is not None)
            for e in events if e.conversation_id in orgs))

    def _orgs(self, tx: Tx, conversation_ids: set[str]) -> dict[str, str]:
        unknown = sorted(conversation_ids - self._org_of.keys())
        if unknown:
            if len(self._org_of) + len(unknown) > _ORGS_REMEMBERED:
                self._org_of.clear()
            self._org_of.update(store.conversation_orgs(tx.conn, unknown))
        return self._org_of


class Activity:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def report(self, actor: Actor, days: int) -> list[ActivityDay]:
        """The last ``days`` UTC days of the caller's organisation, oldest first, zeros included."""
        policy.check_org_admin(actor)
        if not 1 <= days <= MAX_DAYS:
            raise ValidationFailed(f"days must be between 1 and {MAX_DAYS}.", field="days")
        wanted = day_range(self.core.clock.now_ms(), days)
        found = await self.core.read(lambda c: store.days(c, actor.org_id, wanted[0], wanted[-1]))
        return [ActivityDay(day, *found.get(day, DayCounts()).as_tuple()) for day in wanted]
