"""Calendar events: plan, list, change, cancel and answer; the event card a conversation shows.

Every method takes the ``Actor`` it acts for, so the REST routes and the @axon assistant call the
same use cases. Who may do what:

- anyone of the organisation (members and guests) plans events; the creator is the organiser
  and an attendee who has ``accepted``;
- attendees must be people the organiser may see (``visibility.people_visible_to``: the whole
  organisation, or for a guest the people of their conversations); anyone else is ``not_found``;
- an event is seen by its organiser and attendees only (``not_found`` for everyone else); only
  the organiser edits or cancels it; attendees answer;
- with ``conversation_id`` the organiser must be able to post there: the card message is sent
  through the messages service's own send (its checks, limits and ``message.new``) in the write
  that stores the event; every later change of the event replaces the card (``message.card``)
  in the write of that change.

Each change appends ``calendar.event`` to the organiser and every attendee (``calendar_views.tell``).
"""

from __future__ import annotations

from typing import Any

from ..domain import calendar as rules
from ..domain.calendar import EventFields, Response, Status
from ..domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..domain.ids import new_id
from ..domain.model import Actor
from ..protocol.codec import encode_str
from ..protocol.rest_calendar import CalendarEvent
from ..store import accounts
from ..store import calendar as stored
from ..store import conversations as convs
from ..store import messages as msgs
from ..store.database import Conn
from ..store.errors import DuplicateKey
from ..store.tx import Tx
from ..store.writer import Failed
from .calendar_views import card_of, load_view, tell, views_of
from .core import Core
from .messages import Messages, SendMessage, replace_card
from .org_settings import check_readable
from .visibility import people_visible_to

Row = dict[str, Any]
LIST_LIMIT = 1000  # events in one listing (a range of a few months holds far fewer)


class Calendar:
    def __init__(self, core: Core, messages: Messages) -> None:
        self.core = core
        self.messages = messages

    # --- planning -----------------------------------------------------------------------------

    async def create(self, actor: Actor, body: dict[str, Any], idempotency_key: str | None = None,
                     ) -> tuple[CalendarEvent, bool]:
        """Plan an event; returns it and whether it is new (False: a retry with the same
        ``Idempotency-Key`` of this organiser, answered with the event the first try made)."""
        fields = rules.validate_fields(body, creating=True)
        conversation_id = body.get("conversation_id")
        if conversation_id is not None and (not isinstance(conversation_id, str) or not conversation_id):
            raise ValidationFailed("conversation_id must be a conversation id.", field="conversation_id")
        if fields.source_message_id is not None and conversation_id is None:
            raise ValidationFailed("source_message_id needs the conversation_id it is in.", field="source_message_id")
        key = _idempotency_key(idempotency_key)
        now = self.core.clock.now_ms()
        event_id = new_id("calendar_event", now)
        card = None
        if conversation_id is not None:  # built (and limited) now, applied in the write below
            text = rules.card_text(fields.title or "", fields.start_ms or 0, fields.time_zone or "UTC")
            card = self.messages.card_send(actor, conversation_id, f"calendar-{event_id}", text, {})

        def create(tx: Tx) -> tuple[CalendarEvent, bool]:
            if key is not None and (found := stored.by_idempotency_key(tx.conn, actor.user_id, key)) is not None:
                return views_of(tx.conn, [found])[0], False
            _check_attendees(tx.conn, actor, fields.attendees or ())
            if fields.source_message_id is not None:
                _check_source(tx.conn, actor, conversation_id or "", fields.source_message_id)
            row = {"id": event_id, "org_id": actor.org_id, "organizer_id": actor.user_id, "title": fields.title,
                   "description": fields.description or "", "location": fields.location or "",
                   "start_at": fields.start_ms, "end_at": fields.end_ms, "time_zone": fields.time_zone,
                   "conversation_id": conversation_id, "source_message_id": fields.source_message_id,
                   "card_message_id": card.message_id if card else None, "status": Status.CONFIRMED.value,
                   "reminders": encode_str(list(fields.reminders or ())), "idempotency_key": key,
                   "created_at": tx.now_ms, "updated_at": tx.now_ms, "version": 1}
            stored.insert_event(tx.conn, row)
            responses = {u: Response.NEEDS_ACTION.value for u in fields.attendees or () if u != actor.user_id}
            stored.set_attendees(tx.conn, event_id, {actor.user_id: Response.ACCEPTED.value, **responses}, tx.now_ms)
            view = load_view(tx.conn, event_id)
            if card is not None:
                _send_card(tx, card, card_of(view))
            tell(tx, view)
            return view, True

        try:
            return await self.core.write(create)
        except DuplicateKey:  # another node stored this key's event first: it is the answer
            found = await self.core.read(lambda c: stored.by_idempotency_key(c, actor.user_id, key or ""))
            if found is None:
                raise
            return (await self.core.read(lambda c: views_of(c, [found])))[0], False

    async def update(self, actor: Actor, event_id: str, body: dict[str, Any]) -> CalendarEvent:
        """The organiser changes any of the fields but the conversation; a new start or end asks every
        other attendee again (``needs_action``) and makes every reminder due again."""
        if "conversation_id" in body:
            raise ValidationFailed("An event stays in its conversation.", field="conversation_id")
        fields = rules.validate_fields(body, creating=False)

        def update(tx: Tx) -> CalendarEvent:
            row = _organised(tx.conn, actor, event_id)
            before = stored.attendees_of(tx.conn, [event_id])[event_id]
            values = _changed_values(row, fields)
            if "start_at" in values or "end_at" in values:
                rules.check_span(values.get("start_at", row["start_at"]), values.get("end_at", row["end_at"]))
            responses = dict(before)
            if fields.attendees is not None:
                _check_attendees(tx.conn, actor, fields.attendees)
                responses = {u: before.get(u, Response.NEEDS_ACTION.value) for u in fields.attendees}
                responses[actor.user_id] = before[actor.user_id]
            if fields.source_message_id is not None:
                _check_source(tx.conn, actor, row["conversation_id"] or "", fields.source_message_id)
            rescheduled = ("start_at" in values or "end_at" in values)
            if rescheduled:
                responses = rules.responses_after_reschedule(responses, actor.user_id)
                stored.forget_reminders(tx.conn, event_id)
            if not values and responses == before:
                return views_of(tx.conn, [row])[0]
            stored.update_event(tx.conn, row, {**values, "updated_at": tx.now_ms, "version": row["version"] + 1})
            if responses != before:
                stored.set_attendees(tx.conn, event_id, responses, tx.now_ms)
            return _changed(tx, actor, event_id, removed=set(before) - set(responses))

        return await self.core.write(update)

    async def cancel(self, actor: Actor, event_id: str) -> CalendarEvent:
        """The organiser cancels; the event stays (``status: "cancelled"``) so everyone's calendar shows it."""

        def cancel(tx: Tx) -> CalendarEvent:
            row = _organised(tx.conn, actor, event_id, cancelled_ok=True)
            if row["status"] == Status.CANCELLED.value:
                return views_of(tx.conn, [row])[0]
            stored.update_event(tx.conn, row, {"status": Status.CANCELLED.value, "updated_at": tx.now_ms,
                                               "version": row["version"] + 1})
            return _changed(tx, actor, event_id)

        return await self.core.write(cancel)

    async def respond(self, actor: Actor, event_id: str, answer: Any) -> CalendarEvent:
        response = rules.validate_answer(answer)

        def respond(tx: Tx) -> CalendarEvent:
            row = attended_event(tx.conn, actor, event_id)
            if row["status"] == Status.CANCELLED.value:
                raise Conflict("The event was cancelled.", code="event_cancelled")
            current = stored.attendees_of(tx.conn, [event_id])[event_id]
            if current[actor.user_id] == response.value:
                return views_of(tx.conn, [row])[0]
            stored.set_response(tx.conn, event_id, actor.user_id, response.value, tx.now_ms)
            stored.update_event(tx.conn, row, {"updated_at": tx.now_ms, "version": row["version"] + 1})
            return _changed(tx, actor, event_id)

        return await self.core.write(respond)

    # --- reading ------------------------------------------------------------------------------

    async def get(self, actor: Actor, event_id: str) -> CalendarEvent:
        return await self.core.read(lambda c: views_of(c, [attended_event(c, actor, event_id)])[0])

    async def list(self, actor: Actor, start: Any, end: Any) -> list[CalendarEvent]:
        """The events the actor organises or attends that overlap [start, end), by start (cancelled ones too)."""
        start_ms = rules.parse_instant(start, "start") if start is not None else None
        end_ms = rules.parse_instant(end, "end") if end is not None else None
        if start_ms is not None and end_ms is not None and end_ms <= start_ms:
            raise ValidationFailed("end must be after start.", field="end")
        return await self.core.read(
            lambda c: views_of(c, stored.events_of_user(c, actor.user_id, start_ms, end_ms, LIST_LIMIT)))


# --- the steps the use cases share -----------------------------------------------------------------


def _idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not 1 <= len(value) <= 64 or not value.isprintable():
        raise ValidationFailed("Idempotency-Key must be 1..64 printable characters.", field="Idempotency-Key")
    return value


def attended_event(conn: Conn, actor: Actor, event_id: str) -> Row:
    """The event, if the actor organises or attends it (else ``not_found``: others learn nothing)."""
    row = stored.get(conn, event_id) if isinstance(event_id, str) else None
    if row is None or row["org_id"] != actor.org_id or actor.user_id not in stored.attendees_of(
            conn, [event_id])[event_id]:
        raise NotFound("Event not found.")
    return row


def _organised(conn: Conn, actor: Actor, event_id: str, *, cancelled_ok: bool = False) -> Row:
    row = attended_event(conn, actor, event_id)
    if row["organizer_id"] != actor.user_id:
        raise Forbidden("Only the organiser may change the event.")
    if row["status"] == Status.CANCELLED.value and not cancelled_ok:
        raise Conflict("The event was cancelled.", code="event_cancelled")
    return row


def _check_attendees(conn: Conn, actor: Actor, user_ids: tuple[str, ...]) -> None:
    """Every invited person exists, is enabled and is someone the organiser may see."""
    others = [u for u in user_ids if u != actor.user_id]
    if not others:
        return
    found = {u["id"]: u for u in accounts.get_users(conn, others)}
    visible = people_visible_to(conn, actor)
    for user_id in others:
        user = found.get(user_id)
        if (user is None or user["org_id"] != actor.org_id or user["disabled"]
                or (visible is not None and user_id not in visible)):
            raise NotFound("No such person to invite.", field="attendees", user_id=user_id)


def _check_source(conn: Conn, actor: Actor, conversation_id: str, message_id: str) -> None:
    """The message an event came from is in its conversation and readable by the organiser."""
    conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
    check_readable(conn, actor, conv, member)
    row = msgs.get(conn, message_id)
    if row is None or row["conversation_id"] != conversation_id or row["deleted_at"] is not None:
        raise NotFound("The source message was not found.", field="source_message_id")


def _send_card(tx: Tx, op: SendMessage, card: dict[str, Any]) -> None:
    op.card = encode_str(card)
    result = op.apply(tx)
    if isinstance(result, Failed):
        raise result.error


def _changed_values(row: Row, fields: EventFields) -> Row:
    """The stored columns ``fields`` change."""
    wanted = {"title": fields.title, "description": fields.description, "location": fields.location,
              "start_at": fields.start_ms, "end_at": fields.end_ms, "time_zone": fields.time_zone,
              "source_message_id": fields.source_message_id,
              "reminders": encode_str(list(fields.reminders)) if fields.reminders is not None else None}
    return {k: v for k, v in wanted.items() if v is not None and v != row[k]}


def _changed(tx: Tx, actor: Actor, event_id: str, removed: set[str] | frozenset[str] = frozenset()) -> CalendarEvent:
    """After a change: the event's new view, its card replaced, and everyone told."""
    view = load_view(tx.conn, event_id)
    if view.card_message_id is not None:
        replace_card(tx, view.card_message_id, card_of(view), actor.user_id)
    tell(tx, view, removed)
    return view
