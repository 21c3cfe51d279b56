"""The @axon assistant's calls to the organisation's chat endpoint (Admin › AI), through the
``ChatModel`` port, each one audited as translation's are.

``endpoint(org_id)`` is the configured chat endpoint or None (then nothing ever leaves the server).
``complete`` sends a system prompt and the asker's request, and records ``ai.endpoint_called`` —
who asked, ``purpose: "assistant"`` and which ability, how many characters were sent, the outcome
(``ok``, ``timeout``, ``failed``, ``cancelled``) — never the text. A failure is an
``EndpointFailure`` (``EndpointTimedOut`` after the endpoint's timeout) for the ability to answer
around it.
"""

from __future__ import annotations

from ..domain import audit as actions
from ..domain.model import Actor
from .ai_settings import org_ai
from .core import Core
from .ports import ChatMessage, ChatModel, EndpointFailure, EndpointSettings, EndpointTimedOut


class AssistantModel:
    def __init__(self, core: Core, chat: ChatModel) -> None:
        self.core = core
        self.chat = chat

    async def endpoint(self, org_id: str) -> EndpointSettings | None:
        return (await self.core.read(lambda conn: org_ai(conn, org_id))).chat

    async def complete(self, actor: Actor, endpoint: EndpointSettings, system: str, request: str, *,
                       ability: str, question_id: str) -> str:
        """The model's reply to ``request`` under ``system``, for ``actor``'s question ``question_id``."""
        messages = [ChatMessage("system", system), ChatMessage("user", request)]
        outcome = "cancelled"  # the consumer stopped before the endpoint answered
        try:
            reply = await self.chat.complete(endpoint, messages)
            outcome = "ok"
            return reply
        except EndpointTimedOut:
            outcome = "timeout"
            raise
        except EndpointFailure:
            outcome = "failed"
            raise
        finally:
            await self.core.record_audit(self.core.audit.event(
                actor, actions.AI_ENDPOINT_CALLED, "message", question_id, purpose="assistant", ability=ability,
                provider="openai", endpoint="chat_endpoint", characters=sum(len(m.content) for m in messages),
                outcome=outcome))
