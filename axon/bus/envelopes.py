"""Committed events → bus envelopes: each event encoded to its frame once, at publish.

A pure function for the after-commit step (``axon.app`` wires it to the writer):
nothing here does I/O. User events that change membership also carry, beside
their frame, what routing needs (the conversation and, for a join, its last seq)
so that no node decodes a frame on the way out.

The envelopes keep the transaction's program order across both kinds of
event, not "conversation events first": a member removed in the same write
batch as later sends must be unsubscribed before those sends are routed (and a
member added before them subscribed), or a live socket would receive messages
of a conversation it had already left.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..domain.events import ConversationEvent, UserEvent
from ..protocol.codec import decode
from ..protocol.server import event_frame, user_event_frame
from .base import Envelope, Topic

JOINED, LEFT = "conversation.joined", "conversation.left"


class CommittedEvents(Protocol):
    """What one commit produced (``axon.store.writer.Committed``)."""

    @property
    def conversation_events(self) -> Sequence[ConversationEvent]: ...

    @property
    def user_events(self) -> Sequence[UserEvent]: ...

    @property
    def user_event_after(self) -> Sequence[int]:
        """For each user event, how many conversation events came before it (empty: after all of them)."""


def envelopes_for(committed: CommittedEvents) -> list[Envelope]:
    """Encode each committed event once, in the order the transaction wrote them."""
    conversation_events = committed.conversation_events
    out: list[Envelope] = []
    after = committed.user_event_after
    if len(after) != len(committed.user_events):  # no interleaving recorded: all of them last
        after = [len(conversation_events)] * len(committed.user_events)
    routed = 0
    for e, position in zip(committed.user_events, after, strict=True):
        if position > routed:
            out += _conversation_envelopes(conversation_events[routed:position])
            routed = position
        conversation_id, conversation_seq = membership_change(e)
        out.append(Envelope(Topic.USER, e.user_id, e.seq, user_event_frame(e), e.type, None,
                            conversation_id, conversation_seq))
    if routed < len(conversation_events):
        out += _conversation_envelopes(conversation_events[routed:])
    return out


def _conversation_envelopes(events: Sequence[ConversationEvent]) -> list[Envelope]:
    return [Envelope(Topic.CONVERSATION, e.conversation_id, e.seq, event_frame(e), e.type) for e in events]


def membership_change(event: UserEvent) -> tuple[str, int]:
    """(conversation id, its last seq at a join / 0 at a leave) of a membership user event; ("", 0) otherwise.

    Reads the event's stored data, and only for the two membership types.
    """
    if event.type == JOINED:
        summary = decode(event.data_json)["conversation"]
        return summary["id"], int(summary["last_seq"])
    if event.type == LEFT:
        return decode(event.data_json)["conversation_id"], 0
    return "", 0
