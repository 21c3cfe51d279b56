"""The @axon assistant schedules a meeting, after the asker confirms a proposal card.

Contract:
- ``propose`` is the ``SCHEDULE`` handler. The people are those @-mentioned in the question (other
  than the assistant and the asker) and the names the request typed (``intent.people``), each
  resolved among the people the asker may see (``visibility.people_visible_to``) by
  ``domain.assistant_schedule.match_person``; an unknown or ambiguous name is answered by asking for
  an @-mention, nobody at all by asking whom to invite. The time is what the ``EventExtractor``
  (the composition root's one instance, a child process: called in a worker thread) finds in the
  request, read against the question's send time in the asker's zone; none, or a day without a
  clock time, is answered by asking when. Otherwise the answer is a pending ``assistant.proposal``
  card (``docs/protocol.md``) and its plain-text fallback. Nothing is stored but the answer.
- ``confirm``/``dismiss`` are the asker's only (the card's ``asker_id``), on the assistant's message
  in their DM with it: for anyone else, or any other message, ``not_found``. The organisation's
  ``ai_assistant`` switch applies (403 ``module_disabled``). ``confirm`` creates the event as the
  asker through ``Calendar.create`` — its own checks: attendees they may see, posting the event
  card where the meeting was asked for — with the idempotency key ``axon-<message id>``, then
  replaces the card (``scheduled`` + ``event_id``, a ``message.card`` event) in a write. A retry of
  the same action answers the card as it is; the other action on a closed proposal is 409
  ``proposal_closed``. Should a dismissal win the race with a confirmation, the event the
  confirmation made is cancelled.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import msgspec

from ..domain import assistant_schedule as rules
from ..domain import policy
from ..domain.assistant_replies import say
from ..domain.assistant_schedule import Attendee, Candidate, Match, ProposalState
from ..domain.clock import iso
from ..domain.errors import Conflict, NotFound
from ..domain.event_hints import ms, zone_named
from ..domain.model import Actor, ConversationKind
from ..domain.names import MAX_QUERY_CHARS, normalise_query
from ..domain.policy import Action
from ..store import accounts
from ..store import conversations as convs
from ..store import messages as msgs
from ..store.database import Conn
from ..store.tx import Tx
from .assistant import Answer, Asking
from .assistant_account import AssistantAccounts
from .calendar import Calendar
from .conversations import direct_key
from .core import Core
from .messages import replace_card
from .org_settings import settings_for
from .ports import EventExtractor
from .visibility import people_visible_to

Row = dict[str, Any]
CANDIDATES = 20  # people looked at per typed name: a name that matches more is ambiguous anyway


class AssistantSchedule:
    def __init__(self, core: Core, calendar: Calendar, accounts_: AssistantAccounts,
                 extractor: EventExtractor) -> None:
        self.core = core
        self.calendar = calendar
        self.accounts = accounts_
        self.extractor = extractor

    # --- the handler ----------------------------------------------------------------------------

    async def propose(self, asking: Asking) -> Answer:
        lang = asking.lang
        matches, mentioned = await self.core.read(lambda c: _people(c, asking))
        unclear = rules.unclear_names(matches, lang)
        if unclear is not None:
            return Answer(unclear)
        attendees = list({a.user_id: a for a in [*mentioned, *await self._named(matches)]}.values())
        if not attendees:
            return Answer(say(rules.WITH_NOBODY, lang))
        zone = zone_named(asking.time_zone)
        now = datetime.fromtimestamp(asking.question.sent_at_ms / 1000, tz=UTC).astimezone(zone)
        found = await asyncio.to_thread(self.extractor.extract, asking.request, now,
                                        "zh-CN" if lang == "zh" else "en")
        if found is None or found.all_day:  # a meeting needs a clock time, not just a day
            return Answer(say(rules.WHEN, lang))
        title = asking.intent.what or rules.meeting_title(found.title, asking.intent.people, lang)
        where = None if asking.in_dm else asking.question.conversation_id
        card = rules.proposal_card(asking.actor.user_id, title, iso(ms(found.start)), iso(ms(found.end)), zone.key,
                                   attendees, where)
        return Answer(rules.proposal_text(title, found.start, found.end, attendees, lang), card)

    async def _named(self, matches: list[Match]) -> list[Attendee]:
        ids = [m.user_id for m in matches if m.user_id is not None]
        rows = await self.core.read(lambda c: accounts.get_users(c, ids))
        names = {r["id"]: r["display_name"] for r in rows}
        return [Attendee(i, names.get(i, "")) for i in ids]

    # --- the asker's answer ---------------------------------------------------------------------

    async def confirm(self, actor: Actor, message_id: str) -> dict[str, Any]:
        """Schedule the proposal's meeting (see the module's contract) → the card as it now is."""
        card = await self._open(actor, message_id)
        if not rules.next_state(card, ProposalState.SCHEDULED):
            return card
        event, _ = await self.calendar.create(actor, _event_body(card), idempotency_key=f"axon-{message_id}")

        def scheduled(tx: Tx) -> dict[str, Any]:
            now = _proposal(tx.conn, actor, message_id, self.accounts)
            if not rules.next_state(now, ProposalState.SCHEDULED):
                return now
            done = rules.closed(now, ProposalState.SCHEDULED, event.id)
            replace_card(tx, message_id, done, actor.user_id)
            return done

        try:
            return await self.core.write(scheduled)
        except Conflict:  # dismissed since it was read: the meeting was not wanted after all
            await self.calendar.cancel(actor, event.id)
            raise

    async def dismiss(self, actor: Actor, message_id: str) -> dict[str, Any]:
        """Close the proposal without an event → the card as it now is."""
        await self._open(actor, message_id)

        def dismissed(tx: Tx) -> dict[str, Any]:
            now = _proposal(tx.conn, actor, message_id, self.accounts)
            if not rules.next_state(now, ProposalState.DISMISSED):
                return now
            done = rules.closed(now, ProposalState.DISMISSED)
            replace_card(tx, message_id, done, actor.user_id)
            return done

        return await self.core.write(dismissed)

    async def _open(self, actor: Actor, message_id: str) -> dict[str, Any]:
        settings = await self.core.read(lambda c: settings_for(c, actor.org_id))
        policy.check_org(actor, Action.ASK_ASSISTANT, settings)
        return await self.core.read(lambda c: _proposal(c, actor, message_id, self.accounts))


def _proposal(conn: Conn, actor: Actor, message_id: str, accounts_: AssistantAccounts) -> dict[str, Any]:
    """The proposal card of the assistant's message ``message_id`` in the actor's DM with it, made
    for the actor; ``not_found`` for anything else (others learn nothing of it)."""
    missing = NotFound("No such proposal.")
    row = msgs.get(conn, message_id) if isinstance(message_id, str) and len(message_id) <= 32 else None
    assistant_id = accounts_.known_id_of(conn, actor.org_id)
    if row is None or row["deleted_at"] is not None or not row["card"] or row["sender_id"] != assistant_id:
        raise missing
    card = msgspec.json.decode(row["card"])
    conv = convs.get_row(conn, row["conversation_id"])
    if (not isinstance(card, dict) or card.get("type") != rules.CARD_TYPE or card.get("asker_id") != actor.user_id
            or conv is None or conv["kind"] != ConversationKind.DIRECT.value
            or conv["direct_key"] != direct_key(actor.org_id, actor.user_id, assistant_id or "")):
        raise missing
    return card


def _event_body(card: dict[str, Any]) -> dict[str, Any]:
    """What ``Calendar.create`` is given: the proposal's meeting, its card posted where it was asked for
    (the question itself recorded as where it came from)."""
    body: dict[str, Any] = {"title": card["title"], "start": card["start"], "end": card["end"],
                            "time_zone": card["time_zone"], "attendees": [a["user_id"] for a in card["attendees"]]}
    if card.get("conversation_id"):
        body["conversation_id"] = card["conversation_id"]
        question = card.get("question") or {}
        if question.get("conversation_id") == card["conversation_id"]:
            body["source_message_id"] = question.get("message_id")
    return body


def _people(conn: Conn, asking: Asking) -> tuple[list[Match], list[Attendee]]:
    """The typed names' matches and the people @-mentioned in the question (enabled, visible, not
    the asker or the assistant), as the asker may see them."""
    actor = asking.actor
    among = people_visible_to(conn, actor)
    row = msgs.get(conn, asking.question.message_id)
    mentioned_ids = [u for u in msgspec.json.decode(row["mentions"]) if u not in (actor.user_id, asking.assistant_id)] \
        if row is not None and row["mentions"] else []
    mentioned = [Attendee(u["id"], u["display_name"]) for u in accounts.get_users(conn, mentioned_ids)
                 if _invitable(u, actor, among)]
    matches = []
    for typed in asking.intent.people:
        query = normalise_query(typed.lstrip("@"))[:MAX_QUERY_CHARS]
        rows = accounts.search_users(conn, actor.org_id, query, None, CANDIDATES, False, among) if query else []
        candidates = [Candidate(u["id"], u["username"], u["display_name"], u.get("search_key") or "")
                      for u in rows if _invitable(u, actor, among)]
        matches.append(rules.match_person(typed, candidates))
    return matches, mentioned


def _invitable(user: Row, actor: Actor, among: set[str] | None) -> bool:
    return (user["org_id"] == actor.org_id and not user["disabled"] and user.get("kind", "person") == "person"
            and user["id"] != actor.user_id and (among is None or user["id"] in among))
