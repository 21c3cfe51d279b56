"""Committed events, as plain records (encoded to frames by ``axon.protocol``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConversationEvent:
    conversation_id: str
    seq: int
    type: str
    actor_id: str | None
    created_at: int
    data_json: str  # the JSON object, encoded once when committed


@dataclass(frozen=True, slots=True)
class UserEvent:
    user_id: str
    seq: int
    type: str
    created_at: int
    data_json: str
