"""Calendar reminders: a background job of every node sends ``calendar.reminder`` user events.

Once per (event, attendee, minutes before): the job runs only on the holder of a lease row
(``job_leases``, as retention does), and each reminder is recorded in ``calendar_reminders`` in the
transaction that appends its user event, with an insert that does nothing when the row is there:
even two nodes that both believed they held the lease could not send one twice. Not sent to
attendees who declined, nor for cancelled events; a reminder more than an hour late (the node was
down) is dropped (``domain.calendar.due_reminders``). Moving an event forgets its sent reminders,
so they are due again at the new time. Times come from the core clock.
"""

from __future__ import annotations

import logging

from ..domain.calendar import LATE_REMINDER_MS, REMINDER_MAX_MINUTES, Response, Status, due_reminders
from ..protocol.codec import decode
from ..protocol.rest_calendar import CalendarEvent
from ..store import calendar as stored
from ..store.database import Conn
from ..store.retention import claim_lease
from ..store.tx import Tx
from .calendar_views import views_of
from .core import Core
from .periodic import every

log = logging.getLogger("axon.calendar")
LEASE = "calendar-reminders"
BATCH = 500  # candidate events looked at per round


class CalendarReminders:
    def __init__(self, core: Core, node_id: str, interval: float = 30.0, lease_seconds: float = 120.0) -> None:
        self.core = core
        self.node_id = node_id
        self.interval = interval
        self.lease_ms = int(lease_seconds * 1000)

    async def run(self) -> None:
        await every(self.core.clock, self.interval, self.send_due, log, "sending calendar reminders")

    async def send_due(self) -> int:
        """One round, if this node holds the lease: send every reminder due now. Returns how many."""
        now = self.core.clock.now_ms()
        if not await self.core.write(lambda tx: claim_lease(tx.conn, LEASE, self.node_id, tx.now_ms,
                                                            tx.now_ms + self.lease_ms)):
            return 0
        candidates = await self.core.read(lambda c: stored.starting_between(
            c, now - LATE_REMINDER_MS, now + REMINDER_MAX_MINUTES * 60_000 + 1, BATCH))
        due = {row["id"]: due_reminders(int(row["start_at"]), decode(row["reminders"]), now) for row in candidates}
        due = {event_id: minutes for event_id, minutes in due.items() if minutes}
        if not due:
            return 0
        if not await self.core.read(lambda c: bool(_pending(c, due, now))):
            return 0  # a round whose reminders all went out costs reads, no write
        return await self.core.write(lambda tx: self._send(tx, due))

    def _send(self, tx: Tx, due: dict[str, list[int]]) -> int:
        """Re-read everything in the write (cancelled, moved or answered meanwhile) and send what is due."""
        sent = 0
        for view, user_id, minutes in _pending(tx.conn, due, tx.now_ms):
            if stored.mark_reminder_sent(tx.conn, view.id, user_id, minutes, tx.now_ms):
                tx.user_event(user_id, "calendar.reminder", {"event": view, "minutes_before": minutes})
                sent += 1
        return sent


def _pending(conn: Conn, due: dict[str, list[int]], now_ms: int) -> list[tuple[CalendarEvent, str, int]]:
    """The (event, attendee, minutes) reminders due at ``now_ms`` and not sent yet: confirmed events,
    attendees who have not declined."""
    rows = [row for row in (stored.get(conn, event_id) for event_id in due) if row is not None]
    sent = stored.sent_reminders(conn, [r["id"] for r in rows])
    pending = []
    for row, view in zip(rows, views_of(conn, rows), strict=True):
        if view.status != Status.CONFIRMED.value:
            continue
        for minutes in due_reminders(int(row["start_at"]), decode(row["reminders"]), now_ms):
            pending += [(view, a.user_id, minutes) for a in view.attendees
                        if a.response != Response.DECLINED.value and (view.id, a.user_id, minutes) not in sent]
    return pending
