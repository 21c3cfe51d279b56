"""The @axon assistant's "what did I miss": a digest of the messages the asker has not read (or of
today's, or since yesterday's), as the asker.

What is read: the conversations the asker is a member of now — or only the one the request names
("#design", a group's name), looked up among those — without their DM with the assistant; in each,
the messages after their read marker (``Period.UNREAD``) or since midnight of today or yesterday in
their time zone, not their own and not deleted. Bounded: only the newest ``READ_CAP`` events of each
conversation are looked at, and at most ``READ_CAP`` messages, the newest, are read in all (the
answer says when the cap was reached).

``domain.digest`` picks the few messages that say the most; the answer lists them by conversation
(an ``assistant.results`` card of ``kind: "digest"``, each item with its ``why``). With a chat
endpoint configured, the picked messages — and only they — are also sent to the model as numbered
context for a short summary citing them as [n] (the card's items, in order); when the endpoint
fails, the digest is answered without it and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..domain.assistant_context import (
    ContextMessage,
    context_size,
    numbered_context,
    period_start_ms,
    renumbered,
    summary_prompt,
)
from ..domain.assistant_intents import Period
from ..domain.assistant_replies import (
    DIGEST_CAPPED,
    DIGEST_CAUGHT_UP,
    DIGEST_CONVERSATION,
    DIGEST_EVERYWHERE,
    DIGEST_HEADING,
    DIGEST_LEFT_OUT,
    DIGEST_NOT_FOUND,
    DIGEST_PERIODS,
    DIGEST_SUMMARY,
    DIGEST_SUMMARY_UNAVAILABLE,
    ResultItem,
    results_card,
    say,
)
from ..domain.digest import Digest, DigestMessage, digest
from ..domain.model import ConversationKind
from ..protocol.codec import decode
from ..store import accounts, missed, search_scope
from ..store import conversations as convs
from ..store import messages as msgs
from ..store.database import Conn
from .assistant import Answer, Asking, result_items
from .assistant_model import AssistantModel
from .conversations import direct_key
from .core import Core
from .ports import EndpointFailure
from .views import message_view

Row = dict[str, Any]
READ_CAP = 2000  # messages read at most (the newest), and events looked at per conversation
NAMED_PEOPLE = 3


@dataclass(frozen=True, slots=True)
class _Scope:
    conversation_ids: list[str]
    where: str  # "#design", a group's name, or "" for all the asker's conversations


@dataclass(frozen=True, slots=True)
class _Picked:
    digest: Digest
    items: list[ResultItem]
    texts: list[str]  # each item's whole text, for the model's context
    capped: bool
    names: dict[str, str]  # user id → display name of the people who wrote


class AssistantDigest:
    def __init__(self, core: Core, model: AssistantModel) -> None:
        self.core = core
        self.model = model

    async def answer(self, asking: Asking) -> Answer:
        scope = await self.core.read(lambda c: _scope(c, asking))
        if scope is None:
            return Answer(say(DIGEST_NOT_FOUND, asking.lang, name=f"#{asking.intent.conversation}"))
        period = asking.intent.period
        query = f"{scope.where or say(DIGEST_EVERYWHERE, asking.lang)} · {say(DIGEST_PERIODS[period], asking.lang)}"
        since = period_start_ms(period, self.core.clock.now_ms(), asking.time_zone)
        picked = await self.core.read(lambda c: _pick(c, asking.actor.user_id, scope, period, since))
        if not picked.items:
            return Answer(say(DIGEST_CAUGHT_UP, asking.lang, where=scope.where or say(DIGEST_EVERYWHERE, asking.lang),
                              period=say(DIGEST_PERIODS[period], asking.lang)))
        summary = await self._summary(asking, picked)
        return Answer(_text(asking.lang, query, picked, summary), results_card("digest", query, picked.items))

    async def _summary(self, asking: Asking, picked: _Picked) -> str | None:
        """The model's summary line, the line saying it is unavailable, or None without an endpoint."""
        endpoint = await self.model.endpoint(asking.actor.org_id)
        if endpoint is None:
            return None
        context = numbered_context([ContextMessage(i.sender_name, i.conversation_name, i.created_at, text)
                                    for i, text in zip(picked.items, picked.texts, strict=True)])
        try:
            reply = await self.model.complete(asking.actor, endpoint, summary_prompt(asking.lang, context),
                                              asking.request, ability="digest",
                                              question_id=asking.question.message_id)
        except EndpointFailure:
            return say(DIGEST_SUMMARY_UNAVAILABLE, asking.lang)
        return say(DIGEST_SUMMARY, asking.lang, summary=renumbered(reply, range(1, context_size(context) + 1)))


def _scope(conn: Conn, asking: Asking) -> _Scope | None:
    """The asker's conversations to read (None when the one they named is not among them)."""
    mine = search_scope.member_conversations(conn, asking.actor.user_id)
    own_dm = convs.by_direct_key(conn, direct_key(asking.actor.org_id, asking.actor.user_id, asking.assistant_id))
    mine = [r for r in mine if own_dm is None or r["id"] != own_dm.id]
    named = asking.intent.conversation
    if named is None:
        return _Scope([r["id"] for r in mine], "")
    found = [r for r in mine if r["kind"] != ConversationKind.DIRECT.value and r["name"].lower() == named.lower()]
    if not found:
        return None
    kind = found[0]["kind"]
    return _Scope([r["id"] for r in found], f"#{found[0]['name']}" if kind == ConversationKind.CHANNEL.value
                  else str(found[0]["name"]))


def _pick(conn: Conn, me: str, scope: _Scope, period: Period, since: int | None) -> _Picked:
    rows = missed.missed_messages(conn, me, scope.conversation_ids, unread_only=period is Period.UNREAD,
                                  since_ms=since, window=READ_CAP, limit=READ_CAP + 1)
    capped, rows = len(rows) > READ_CAP, rows[:READ_CAP]
    reactions = msgs.reactions_for(conn, [r["id"] for r in rows])
    found = digest([_digest_message(r, sum(x["count"] for x in reactions.get(r["id"], []))) for r in rows], me)
    by_id = {r["id"]: r for r in rows}
    highlights = [h for d in found.conversations for h in d.highlights]
    items = result_items(conn, me, [(message_view(by_id[h.message.id]), h.snippet) for h in highlights])
    writers = list({u for d in found.conversations for u in d.people})
    names = {u["id"]: u["display_name"] for u in accounts.get_users(conn, writers)}
    return _Picked(found, [replace(i, why=h.why) for i, h in zip(items, highlights, strict=True)],
                   [h.message.text for h in highlights], capped, names)


def _digest_message(row: Row, reactions: int) -> DigestMessage:
    return DigestMessage(row["id"], row["conversation_id"], int(row["seq"]), row["sender_id"], row["text"],
                         int(row["created_at"]), row["reply_to"], tuple(decode(row["mentions"] or "[]")),
                         bool(row["mentions_all"]),
                         reactions, int(row["reply_count"]))


def _text(lang: str, query: str, picked: _Picked, summary: str | None) -> str:
    """The plain-text answer: heading, the summary when there is one, then each conversation's
    highlights under its own heading, numbered as the card's items."""
    found = picked.digest
    conversations = len(found.conversations) + found.left_out
    lines = [say(DIGEST_HEADING, lang, query=query, messages=str(found.messages), ms=_plural(found.messages),
                 conversations=str(conversations), cs=_plural(conversations))]
    if summary:
        lines += ["", summary]
    numbers = iter(range(1, len(picked.items) + 1))
    items = iter(picked.items)
    for conversation in found.conversations:
        if not conversation.highlights:
            continue
        people = [picked.names.get(u, "") for u in conversation.people[:NAMED_PEOPLE]]
        people += ["…"] if len(conversation.people) > NAMED_PEOPLE else []
        first = [next(items) for _ in conversation.highlights]
        lines += ["", say(DIGEST_CONVERSATION, lang, name=first[0].conversation_name,
                          messages=str(conversation.messages), people=", ".join(people))]
        lines += [f"{next(numbers)}. {i.snippet} — {i.sender_name}" for i in first]
    if found.left_out:
        lines += ["", say(DIGEST_LEFT_OUT, lang, n=str(found.left_out), cs=_plural(found.left_out))]
    if picked.capped:
        lines += [say(DIGEST_CAPPED, lang, cap=f"{READ_CAP:,}")]
    return "\n".join(lines)


def _plural(n: int) -> str:
    """The English plural's "s" (the Chinese texts have no use for it)."""
    return "" if n == 1 else "s"
