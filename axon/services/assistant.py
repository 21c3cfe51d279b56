"""The @axon assistant: the ``assistant`` durable consumer that answers what people ask it.

Contract:
- A question is a ``message.new`` sent by a person either in their direct conversation with the
  organisation's assistant (``services/assistant_account.py``) or anywhere with an @-mention of it.
  Edits, the assistant's own messages and messages of organisations without the ``ai_helpers``
  module or the ``ai_assistant`` switch are not questions (in its DM the asker is told it is off).
- The answer is always posted in the asker's DM with @axon, even for a question asked in a channel:
  it was worked out with the asker's permissions and may quote conversations the channel's other
  members cannot read. A question from elsewhere is named at the start of its answer.
- Everything is done **as the asker** (their ``Actor`` with their role): search, digests, events and
  reminders go through the same services and policy as their own requests, so the assistant can
  never show or do more than they could.
- ``prepare`` (off the writer) parses each question (``domain.assistant_intents``) and runs the
  handler of its intent; ``apply_prepared`` posts every answer, and whatever a handler must store
  with it (``Answer.write``), in the write that moves the cursor. Each answer's ``client_msg_id`` is
  its question's id: after a crash between the two, the page is prepared again and answered once.
- A handler's refusal (an ``AxonError``: not found, forbidden, bad input) becomes the answer; any
  other failure is logged and answered with an apology, so one bad question never stops the queue.

Handlers are registered per ``IntentKind`` by the composition root (``app.build_assistant``), so each
ability lives in its own module: search and help here, the digest, scheduling, reminders and
free-form answers beside it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain import policy
from ..domain.assistant_intents import Intent, IntentKind, parse
from ..domain.assistant_replies import (
    ASKED_ELSEWHERE,
    FAILED,
    HELP,
    NOT_ALLOWED,
    SEARCH_EMPTY,
    SEARCH_FOUND,
    SEARCH_NO_WORDS,
    SWITCHED_OFF,
    ResultItem,
    results_card,
    results_text,
    say,
)
from ..domain.errors import AxonError
from ..domain.ids import new_id
from ..domain.model import Actor, ConversationKind, OrgRole
from ..domain.policy import Action
from ..protocol.codec import encode_str
from ..store import accounts
from ..store import conversations as convs
from ..store.database import Conn
from ..store.event_log import CommittedPage
from ..store.tx import Tx
from ..store.writer import Failed
from . import assistant_account, message_events
from .assistant_account import AssistantAccounts
from .conversations import direct_key
from .core import Core
from .messages import SendMessage
from .org_settings import settings_for
from .search import Search

log = logging.getLogger("axon.ai.assistant")

NAME = "assistant"
SEARCH_RESULTS = 5
SEARCH_SLACK = 10  # hits asked for beyond those shown: some may be the assistant's own DM


@dataclass(frozen=True, slots=True)
class Question:
    message_id: str
    conversation_id: str
    seq: int
    text: str  # as sent, the @-mention of the assistant included
    reply_to: str | None
    sent_at_ms: int


@dataclass(frozen=True, slots=True)
class Asking:
    """What a handler gets: who asks (every action is theirs), what, and where."""

    actor: Actor
    assistant_id: str
    intent: Intent
    request: str  # the question without the @-mention of the assistant
    question: Question
    in_dm: bool  # asked in the asker's DM with the assistant
    time_zone: str  # the asker's profile zone (IANA name; "UTC" when unset)
    locale: str

    @property
    def lang(self) -> str:
        return self.intent.lang


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    card: dict[str, Any] | None = None
    # Stored with the answer, in its write (a reminder, a proposal): called with the answer's message id.
    write: Callable[[Tx, str], None] | None = None


Handler = Callable[[Asking], Awaitable[Answer]]


@dataclass(frozen=True, slots=True)
class _Prepared:
    org_id: str
    assistant_id: str
    asker_id: str
    question_id: str
    message_id: str
    answer: Answer


class Assistant:
    name = NAME

    def __init__(self, core: Core, accounts_: AssistantAccounts, search: Search) -> None:
        self.core = core
        self.accounts = accounts_
        self.search = search
        self.handlers: dict[IntentKind, Handler] = {IntentKind.HELP: self.help, IntentKind.SEARCH: self.find}

    def handle(self, kind: IntentKind, handler: Handler) -> None:
        self.handlers[kind] = handler

    # --- the consumer -------------------------------------------------------------------------

    async def prepare(self, page: CommittedPage) -> list[_Prepared]:
        sent = [(message_events.new.decode(e.data_json).message, e.created_at)
                for e in page.conversation_events if e.type == "message.new"]
        if not sent:
            return []
        places = await self.core.read(lambda c: _places(c, {m.conversation_id for m, _ in sent}))
        prepared: list[_Prepared] = []
        for m, sent_at in sent:
            place = places.get(m.conversation_id)
            if place is None:
                continue
            assistant_id = await self.accounts.id_of(place.org_id)
            if assistant_id is None or m.sender_id == assistant_id:
                continue
            in_dm = place.direct_key is not None and assistant_id in place.direct_key.split(":")
            if not in_dm and assistant_id not in m.mentions:
                continue
            question = Question(m.id, m.conversation_id, m.seq, m.text, m.reply_to, sent_at)
            answer = await self._answer(place.org_id, assistant_id, m.sender_id, question, in_dm)
            if answer is not None:
                prepared.append(_Prepared(place.org_id, assistant_id, m.sender_id, m.id,
                                          new_id("message", self.core.clock.now_ms()), answer))
        return prepared

    def apply_prepared(self, tx: Tx, page: CommittedPage, prepared: object) -> None:
        assert isinstance(prepared, list)
        for p in prepared:
            conv_id = assistant_account.dm_in(tx, p.org_id, p.assistant_id, p.asker_id)
            op = SendMessage(assistant_account.actor_of(p.assistant_id, p.org_id), conv_id, p.question_id,
                             p.answer.text, None, p.message_id, preview=False,
                             card=encode_str(p.answer.card) if p.answer.card is not None else None, mentions=False)
            result = op.apply(tx)
            if isinstance(result, Failed):  # e.g. the asker was disabled since: nobody to answer
                log.warning("the assistant could not answer %s: %s", p.question_id, result.error)
                continue
            if result.duplicate:
                continue  # answered before (another node, or before a crash)
            if p.answer.write is not None:
                p.answer.write(tx, p.message_id)

    # --- one question ---------------------------------------------------------------------------

    async def _answer(self, org_id: str, assistant_id: str, asker_id: str, question: Question,
                      in_dm: bool) -> Answer | None:
        asker = await self.core.read(lambda c: accounts.get_user(c, asker_id))
        if asker is None or asker["disabled"] or asker.get("kind", "person") != "person":
            return None
        username = await self.core.read(lambda c: _username(c, assistant_id))
        request = _without_mention(question.text, username)
        intent = parse(request)
        actor = Actor(asker_id, org_id, "", OrgRole(asker["org_role"]))
        settings = await self.core.read(lambda c: settings_for(c, org_id))
        try:
            policy.check_org(actor, Action.ASK_ASSISTANT, settings)
        except AxonError as exc:
            if not in_dm:
                return None  # a mention where the assistant is off: say nothing in the asker's DM
            off = getattr(exc, "code", "") == "module_disabled"
            return Answer(say(SWITCHED_OFF, intent.lang) if off else say(NOT_ALLOWED, intent.lang, reason=str(exc)))
        asking = Asking(actor, assistant_id, intent, request, question, in_dm, asker["timezone"] or "UTC",
                        asker["locale"] or "en")
        handler = self.handlers.get(intent.kind, self.help)
        try:
            answer = await handler(asking)
        except AxonError as exc:
            answer = Answer(say(FAILED, intent.lang, reason=str(exc)))
        except Exception:
            log.exception("the assistant's %s handler failed on %s", intent.kind, question.message_id)
            answer = Answer(say(FAILED, intent.lang, reason="an internal error (logged for the admin)"))
        if not in_dm:
            where = await self.core.read(lambda c: _conversation_names(c, asker_id, [question.conversation_id]))
            prefix = say(ASKED_ELSEWHERE, intent.lang, where=where.get(question.conversation_id, ""))
            answer = Answer(prefix + answer.text, _with_question(answer.card, question), answer.write)
        return answer

    # --- the built-in abilities -------------------------------------------------------------------

    async def help(self, asking: Asking) -> Answer:
        username = await self.core.read(lambda c: _username(c, asking.assistant_id))
        return Answer(say(HELP, asking.lang, username=username))

    async def find(self, asking: Asking) -> Answer:
        query = asking.intent.query.strip()
        if not query:
            return Answer(say(SEARCH_NO_WORDS, asking.lang))
        # Not what was said to the assistant: its DM holds the question itself and earlier answers.
        own_dm = direct_key(asking.actor.org_id, asking.actor.user_id, asking.assistant_id)
        found = await self.search.search(asking.actor, query, limit=SEARCH_RESULTS + SEARCH_SLACK)
        dm_ids = await self.core.read(lambda c: _ids_of_direct(c, own_dm))
        hits = [h for h in found["items"] if h.message.conversation_id not in dm_ids
                and h.message.id != asking.question.message_id][:SEARCH_RESULTS]
        if not hits:
            return Answer(say(SEARCH_EMPTY, asking.lang, query=query))
        items = await self.core.read(lambda c: result_items(c, asking.actor.user_id, [
            (h.message, "".join(f.text for f in h.fragments)) for h in hits]))
        heading = say(SEARCH_FOUND, asking.lang, query=query)
        return Answer(results_text(heading, items), results_card("search", query, items))


def result_items(conn: Conn, reader_id: str, found: Sequence[tuple[Any, str]]) -> list[ResultItem]:
    """``ResultItem``s for (message view, snippet) pairs, with their conversations named for ``reader_id``."""
    names = _conversation_names(conn, reader_id, list({m.conversation_id for m, _ in found}))
    senders = {u["id"]: u["display_name"] for u in accounts.get_users(conn, list({m.sender_id for m, _ in found}))}
    return [ResultItem(m.conversation_id, names.get(m.conversation_id, ""), m.id, m.seq, m.reply_to, m.sender_id,
                       senders.get(m.sender_id, ""), " ".join(snippet.split()), m.created_at or "")
            for m, snippet in found]


@dataclass(frozen=True, slots=True)
class _Place:
    org_id: str
    direct_key: str | None


def _places(conn: Conn, conversation_ids: set[str]) -> dict[str, _Place]:
    return {cid: _Place(org_id, key if kind == ConversationKind.DIRECT.value else None)
            for cid, (org_id, kind, key) in convs.kinds_of(conn, sorted(conversation_ids)).items()}


def _ids_of_direct(conn: Conn, key: str) -> set[str]:
    found = convs.by_direct_key(conn, key)
    return {found.id} if found is not None else set()


def _username(conn: Conn, user_id: str) -> str:
    row = accounts.get_user(conn, user_id)
    return str(row["username"]) if row is not None else "axon"


def _without_mention(text: str, username: str) -> str:
    """The request without the @-mention of the assistant (wherever it is) and the spaces it leaves."""
    return " ".join(re.sub(rf"(?<![\w@])@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).split())


def _conversation_names(conn: Conn, reader_id: str, conversation_ids: list[str]) -> dict[str, str]:
    """How ``reader_id`` calls each conversation: "#name" for a channel, a group's name, and for a DM
    the other person's display name."""
    names: dict[str, str] = {}
    direct: list[str] = []
    for cid in conversation_ids:
        row = convs.get_row(conn, cid)
        if row is None:
            continue
        if row["kind"] == ConversationKind.DIRECT.value:
            direct.append(cid)
        else:
            names[cid] = f"#{row['name']}" if row["kind"] == ConversationKind.CHANNEL.value else str(row["name"])
    peers = convs.peers(conn, reader_id, direct) if direct else {}
    people = {u["id"]: u["display_name"] for u in accounts.get_users(conn, list(set(peers.values())))}
    for cid in direct:
        names[cid] = people.get(peers.get(cid, ""), "")
    return names


def _with_question(card: dict[str, Any] | None, question: Question) -> dict[str, Any] | None:
    """A card of an answer to a question asked elsewhere links back to the question."""
    if card is None:
        return None
    return {**card, "question": {"conversation_id": question.conversation_id, "message_id": question.message_id,
                                 "seq": question.seq}}

