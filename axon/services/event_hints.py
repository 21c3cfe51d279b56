"""Meeting times → calendar events, the server side: one event hint per message that proposes a time.

``EventHints`` is the ``event_hints`` durable consumer. For each ``message.new``/``message.edited``/
``message.deleted`` of a page, ``prepare`` — off the group-commit writer, so never on the send path —
reads what it needs (the conversation, its organisation's switches, the sender's time zone, the
message as it now is after an edit, the hint stored before) and runs the ``EventExtractor`` (built by
the composition root in a low-priority child process, ``timeparse/process.py``), held by ``CpuShare``
to a share of one core; no page is taken while the node is busy writing. ``apply_prepared`` stores
or erases the hints with the cursor move and sends the user event
``ai.event_hint`` to the people concerned (``domain.event_hints.participants``): a new or changed hint,
or ``hint: null`` when an edit removed the time, the message was deleted, or people dropped out.

The clock a message is read against is its send time (an edit: the edit's time), in the sender's
profile time zone (UTC when unset: organisations have no time zone of their own): preparing a page
again after a crash gives the same hints. Only organisations with the ``ai_helpers`` module and the
``ai_event_suggestions`` switch on get hints. ``GET /conversations/{cid}/event-hints`` (``hints``)
lists them for history, to their author and addressees only.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from ..domain import policy
from ..domain.event_hints import SMALL_CONVERSATION, hint_wire, ms, participants, zone_named
from ..domain.event_times import title_for
from ..domain.model import Actor, ConversationKind, OrgRole
from ..domain.org_settings import OrgSettings
from ..domain.policy import Action
from ..store import conversations as convs
from ..store import event_hints as store
from ..store.database import Conn
from ..store.event_log import CommittedPage
from ..store.search_index import message_rows
from ..store.tx import Tx
from . import message_events as events
from .core import Core
from .org_settings import check_readable, settings_for
from .ports import ChildLost, EventExtractor, ExtractedEvent
from .semantic import CpuShare

log = logging.getLogger("axon.ai.events")

NAME = "event_hints"
MAX_HINTS_PAGE = 200
EXTRACT_BATCH = 16  # messages per turn (5–70 ms each in the child): the node's busy look comes often


@dataclass(frozen=True, slots=True)
class _Message:
    """A message as the page leaves it (``text`` "" when deleted), and the moment it was written."""

    id: str
    conversation_id: str
    seq: int
    sender_id: str
    text: str
    mentions: tuple[str, ...]
    edited_at: int | None
    written_at: int  # ms: what "tomorrow" is relative to


@dataclass(slots=True)
class PreparedHints:
    put: list[dict[str, Any]] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (user id, ai.event_hint data)


@dataclass(frozen=True, slots=True)
class _Context:
    places: dict[str, store.Place]
    settings: dict[str, OrgSettings]
    zones: dict[str, str]
    before: dict[str, dict[str, Any]]  # the hints stored so far
    members: dict[str, list[str]]  # small conversations' members
    mentionable: dict[str, set[str]]  # per conversation: the mentioned people who are members


def suggests_events(settings: OrgSettings) -> bool:
    """Are event hints on in this organisation (module ``ai_helpers`` and switch ``ai_event_suggestions``)?"""
    return policy.decide(OrgRole.MEMBER, Action.SUGGEST_EVENTS, settings=settings) is None


class EventHints:
    """The ``event_hints`` durable consumer and the hints' reading side (see the module's docstring)."""

    name = NAME

    def __init__(self, core: Core, extractor: EventExtractor, cpu: CpuShare | None = None) -> None:
        self.core = core
        self.extractor = extractor
        self.cpu = cpu or CpuShare()
        self._warm = False

    # --- the consumer ---------------------------------------------------------------------------

    async def prepare(self, page: CommittedPage) -> PreparedHints:
        changed, edited, deleted = _changes(page)
        if not (changed or edited or deleted):
            return PreparedHints()
        await self.cpu.quiet()  # hints wait while the node is busy writing: sends come first
        ctx, now_edited = await self.core.read(lambda c: _context(c, changed, edited, deleted))
        messages = [m for m in [*changed.values(), *now_edited] if m.text]
        wanted = [m for m in messages if (p := ctx.places.get(m.conversation_id)) is not None
                  and suggests_events(ctx.settings[p.org_id])]
        if wanted and not self._warm:
            # Once per process, at normal priority and outside the CPU share: the models' load (1.5 s
            # or more) would otherwise earn the first page three times as long a rest.
            await asyncio.to_thread(self.extractor.warm)
            self._warm = True
        found: list[tuple[ExtractedEvent, str] | None] = []
        for at in range(0, len(wanted), EXTRACT_BATCH):
            batch = wanted[at:at + EXTRACT_BATCH]
            found += await self.cpu.run(functools.partial(self._extract_all, batch, ctx.zones))
        return _outcome(ctx, dict(zip((m.id for m in wanted), found, strict=True)),
                        {m.id: m for m in messages}, [*deleted, *(m.id for m in [*changed.values(), *now_edited]
                                                                  if not m.text)])

    def _extract_all(self, batch: list[_Message], zones: dict[str, str]) -> list[tuple[ExtractedEvent, str] | None]:
        return [self._extract(m, zones.get(m.sender_id)) for m in batch]

    def _extract(self, m: _Message, zone_name: str | None) -> tuple[ExtractedEvent, str] | None:
        zone = zone_named(zone_name)
        now = datetime.fromtimestamp(m.written_at / 1000, tz=UTC).astimezone(zone)
        try:
            found = self.extractor.extract(m.text, now, None)
        except ChildLost:  # the extractor's process died: the page is retried, no hint is skipped
            raise
        except Exception:  # a recognizer's bug must not stop the consumer: this message gets no hint
            log.exception("event extraction failed for message %s", m.id)
            return None
        return (found, zone.key) if found is not None else None

    def apply_prepared(self, tx: Tx, page: CommittedPage, prepared: object) -> None:
        assert isinstance(prepared, PreparedHints)
        store.remove(tx.conn, prepared.remove)
        store.put(tx.conn, [{**row, "updated_at": tx.now_ms} for row in prepared.put])
        for user_id, data in prepared.events:
            tx.user_event(user_id, "ai.event_hint", data)

    # --- reading ---------------------------------------------------------------------------------

    async def hints(self, actor: Actor, conversation_id: str, after_seq: int = 0,
                    before_seq: int | None = None) -> list[dict[str, Any]]:
        """The hints of the conversation's messages with ``after_seq < seq < before_seq`` that
        ``actor`` may see (author or addressee, and a reader of the conversation), oldest first, at most
        ``MAX_HINTS_PAGE``; raises ``module_disabled`` when the organisation has them off."""

        def load(conn: Conn) -> list[dict[str, Any]]:
            policy.check_org(actor, Action.SUGGEST_EVENTS, settings_for(conn, actor.org_id))
            conv, member = convs.get_with_membership(conn, conversation_id, actor.user_id)
            check_readable(conn, actor, conv, member)
            rows = [r for r in store.in_range(conn, conversation_id, after_seq, before_seq, MAX_HINTS_PAGE)
                    if actor.user_id in r["participants"]]
            texts = {r["id"]: r for r in message_rows(conn, [r["message_id"] for r in rows])}
            found = []
            for r in rows:
                m = texts.get(r["message_id"])
                if m is None or m["deleted_at"] is not None or m["edited_at"] != r["edited_at"]:
                    continue  # the consumer has not caught up with an edit yet: its event will come
                title = title_for(m["text"], [(r["span_start"], r["span_end"])])
                found.append({"message_id": r["message_id"], "seq": r["seq"],
                              "hint": hint_wire(title, r["start_at"], r["end_at"], r["time_zone"], r["all_day"],
                                                r["participants"])})
            return found

        return await self.core.read(load)


def _changes(page: CommittedPage) -> tuple[dict[str, _Message], dict[str, int], list[str]]:
    """Each message's last state in the page: sent (with its text), edited (re-read: id → edit time), deleted."""
    changed: dict[str, _Message] = {}
    edited: dict[str, int] = {}
    deleted: dict[str, None] = {}
    for e in page.conversation_events:
        if e.type == "message.new":
            m = events.new.decode(e.data_json).message
            text = "" if m.deleted else m.text
            changed[m.id] = _Message(m.id, m.conversation_id, m.seq, m.sender_id, text, tuple(m.mentions), None,
                                     e.created_at)
        elif e.type == "message.edited":
            message_id = events.ref.decode(e.data_json).message_id
            changed.pop(message_id, None)
            edited[message_id] = e.created_at
        elif e.type == "message.deleted":
            message_id = events.ref.decode(e.data_json).message_id
            changed.pop(message_id, None)
            edited.pop(message_id, None)
            deleted[message_id] = None
    return changed, edited, list(deleted)


def _context(conn: Conn, changed: dict[str, _Message], edited: dict[str, int],
             deleted: list[str]) -> tuple[_Context, list[_Message]]:
    now_edited = [_Message(r["id"], r["conversation_id"], int(r["seq"]), r["sender_id"],
                           "" if r["deleted_at"] is not None else r["text"],
                           tuple(msgspec.json.decode(r["mentions"] or "[]")), r["edited_at"], edited[r["id"]])
                  for r in message_rows(conn, sorted(edited))]
    messages = [*changed.values(), *now_edited]
    places = store.places(conn, {m.conversation_id for m in messages})
    settings = {org: settings_for(conn, org) for org in {p.org_id for p in places.values()}}
    members = {cid: convs.member_ids(conn, cid) for cid, p in places.items() if p.member_count <= SMALL_CONVERSATION
               or p.kind == ConversationKind.DIRECT}
    mentionable: dict[str, set[str]] = {}
    for m in messages:
        known = mentionable.setdefault(m.conversation_id, set())
        for user_id in m.mentions:
            if (user_id in members[m.conversation_id] if m.conversation_id in members
                    else convs.membership(conn, m.conversation_id, user_id) is not None):
                known.add(user_id)
    before = store.existing(conn, [*(m.id for m in messages), *deleted])
    zones = store.time_zones(conn, {m.sender_id for m in messages})
    return _Context(places, settings, zones, before, members, mentionable), now_edited


def _outcome(ctx: _Context, found: dict[str, tuple[ExtractedEvent, str] | None], messages: dict[str, _Message],
             gone: Sequence[str]) -> PreparedHints:
    """The rows to store and erase, and who gets which ``ai.event_hint``."""
    out = PreparedHints()
    for message_id, m in messages.items():
        result = found.get(message_id)
        earlier = ctx.before.get(message_id)
        if result is None:
            if earlier is not None:
                out.remove.append(message_id)
                _tell(out, earlier["participants"], m.conversation_id, message_id, None)
            continue
        event, zone = result
        people = participants(m.sender_id, [u for u in m.mentions if u in ctx.mentionable[m.conversation_id]],
                              ctx.places[m.conversation_id].kind, ctx.members.get(m.conversation_id))
        start_ms, end_ms = ms(event.start), ms(event.end)
        out.put.append({"message_id": message_id, "org_id": ctx.places[m.conversation_id].org_id,
                        "conversation_id": m.conversation_id, "seq": m.seq, "sender_id": m.sender_id,
                        "edited_at": m.edited_at, "start_at": start_ms, "end_at": end_ms, "time_zone": zone,
                        "all_day": event.all_day, "span_start": event.span[0], "span_end": event.span[1],
                        "participants": people})
        hint = hint_wire(event.title, start_ms, end_ms, zone, event.all_day, people)
        _tell(out, people, m.conversation_id, message_id, hint)
        if earlier is not None:  # people no longer concerned see the hint go
            _tell(out, [u for u in earlier["participants"] if u not in people], m.conversation_id, message_id, None)
    for message_id in gone:
        earlier = ctx.before.get(message_id)
        if earlier is not None:
            out.remove.append(message_id)
            _tell(out, earlier["participants"], earlier["conversation_id"], message_id, None)
    return out


def _tell(out: PreparedHints, people: Sequence[str], conversation_id: str, message_id: str,
          hint: dict[str, Any] | None) -> None:
    data = {"conversation_id": conversation_id, "message_id": message_id, "hint": hint}
    out.events += [(user_id, data) for user_id in people]
