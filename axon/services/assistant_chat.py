"""The @axon assistant's free-form answers ("what is our policy on expenses?", "发布计划是什么？"):
anything that is no other intent.

Without a chat endpoint (Admin › AI) the answer is the help text and a sentence saying free-form
answers need one: nothing leaves the server. With one:

1. Retrieval, as the asker: ``Search.search`` with their permissions over the question's content
   words (``domain.assistant_context.retrieval_words``) — all of them first; when that finds fewer than
   ``CONTEXT_MESSAGES``, each word alone, messages matching more words first. The asker's DM with the
   assistant and the question itself are left out. At most ``CONTEXT_MESSAGES`` messages.
2. Nothing found: the answer says so, and the endpoint is not called.
3. Otherwise those messages (and nothing else) go to the endpoint as numbered context under a system
   prompt (answer in the asker's language, cite as [n], say when the context does not hold the
   answer, never invent), with the question; the call is audited (``services/assistant_model.py``).
4. The answer is the model's text with its citations renumbered 1, 2, … and an ``assistant.results``
   card of ``kind: "answer"`` listing the cited messages in that order (a citation of a number the
   context did not have is dropped). When the endpoint fails or times out, the answer says so and
   lists the retrieved messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..domain.assistant_context import (
    ContextMessage,
    chat_prompt,
    cited,
    context_size,
    numbered_context,
    renumbered,
    retrieval_words,
)
from ..domain.assistant_replies import (
    CHAT_FAILED,
    CHAT_NEEDS_ENDPOINT,
    CHAT_NOTHING_FOUND,
    CHAT_SOURCES,
    ResultItem,
    results_card,
    results_text,
    say,
)
from ..domain.digest import snippet
from ..protocol.rest import Message
from ..store import conversations as convs
from ..store.database import Conn
from .assistant import Answer, Asking, result_items
from .assistant_model import AssistantModel
from .conversations import direct_key
from .core import Core
from .ports import EndpointFailure
from .search import Search

CONTEXT_MESSAGES = 8
SEARCH_SLACK = 10  # hits asked for beyond those kept: some may be the assistant's DM or the question
QUERY_CHARS = 200  # of the question, in the card's ``query``


class AssistantChat:
    def __init__(self, core: Core, search: Search, model: AssistantModel,
                 help_: Callable[[Asking], Awaitable[Answer]]) -> None:
        self.core = core
        self.search = search
        self.model = model
        self.help = help_

    async def answer(self, asking: Asking) -> Answer:
        endpoint = await self.model.endpoint(asking.actor.org_id)
        if endpoint is None:
            helped = await self.help(asking)
            return Answer(f"{helped.text}\n\n{say(CHAT_NEEDS_ENDPOINT, asking.lang)}")
        question = " ".join(asking.request.split())
        found = await self._retrieve(asking, question)
        if not found:
            return Answer(say(CHAT_NOTHING_FOUND, asking.lang, question=question[:QUERY_CHARS]))
        items = await self.core.read(lambda c: result_items(c, asking.actor.user_id,
                                                            [(m, snippet(m.text)) for m in found]))
        context = numbered_context([ContextMessage(i.sender_name, i.conversation_name, i.created_at, m.text)
                                    for i, m in zip(items, found, strict=True)])
        items = items[:context_size(context)]
        try:
            reply = await self.model.complete(asking.actor, endpoint, chat_prompt(asking.lang, context), question,
                                              ability="chat", question_id=asking.question.message_id)
        except EndpointFailure as failure:
            heading = say(CHAT_FAILED, asking.lang, reason=str(failure))
            return Answer(results_text(heading, items), results_card("answer", question[:QUERY_CHARS], items, heading))
        return _answered(asking.lang, question, reply, items)

    async def _retrieve(self, asking: Asking, question: str) -> list[Message]:
        """Up to ``CONTEXT_MESSAGES`` messages the asker can read that match the question's words."""
        words = retrieval_words(question)
        if not words:
            return []
        own_dm = direct_key(asking.actor.org_id, asking.actor.user_id, asking.assistant_id)
        left_out = await self.core.read(lambda c: _dm_ids(c, own_dm))

        async def hits(q: str) -> list[Message]:
            found = await self.search.search(asking.actor, q, limit=CONTEXT_MESSAGES + SEARCH_SLACK)
            return [h.message for h in found["items"] if h.message.conversation_id not in left_out
                    and h.message.id != asking.question.message_id]

        together = await hits(" ".join(words))
        if len(together) >= CONTEXT_MESSAGES or len(words) == 1:
            return together[:CONTEXT_MESSAGES]
        # Fewer than wanted with every word: each word alone, the messages matching most words first.
        matched: dict[str, tuple[int, int, Message]] = {m.id: (len(words) + 1, n, m) for n, m in enumerate(together)}
        for word in words:
            for n, m in enumerate(await hits(word)):
                count, first, _ = matched.get(m.id, (0, 1000 + n, m))
                matched[m.id] = (count + 1, first, m)
        ranked = sorted(matched.values(), key=lambda t: (-t[0], t[1]))
        return [m for _, _, m in ranked[:CONTEXT_MESSAGES]]


def _answered(lang: str, question: str, reply: str, items: list[ResultItem]) -> Answer:
    """The model's reply, its citations renumbered as the listed messages, and the card."""
    order = cited(reply, len(items))
    listed = [items[n - 1] for n in order]
    text = renumbered(reply, order)
    if not listed:
        return Answer(text)
    return Answer(results_text(f"{text}\n\n{say(CHAT_SOURCES, lang)}", listed),
                  results_card("answer", question[:QUERY_CHARS], listed, text))


def _dm_ids(conn: Conn, key: str) -> set[str]:
    found = convs.by_direct_key(conn, key)
    return {found.id} if found is not None else set()
