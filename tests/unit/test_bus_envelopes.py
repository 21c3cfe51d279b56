"""Committed events become bus envelopes once, in commit order, with what routing needs beside the frame."""

from __future__ import annotations

from dataclasses import dataclass, field

from axon.bus.base import Envelope, Topic
from axon.bus.envelopes import envelopes_for, membership_change
from axon.domain.events import ConversationEvent, UserEvent
from axon.protocol.server import event_frame, user_event_frame


@dataclass
class Committed:
    conversation_events: list[ConversationEvent] = field(default_factory=list)
    user_events: list[UserEvent] = field(default_factory=list)


JOINED = UserEvent("u_bob", 3, "conversation.joined", 0, '{"conversation":{"id":"c_9","kind":"group","last_seq":4}}')
LEFT = UserEvent("u_bob", 4, "conversation.left", 0, '{"conversation_id":"c_9","removed_by":"u_ann"}')
MARKER = UserEvent("u_bob", 5, "read_marker", 0, '{"conversation_id":"c_9","seq":4}')


def test_each_event_in_commit_order_with_its_frame() -> None:
    message = ConversationEvent("c_9", 4, "message.new", "u_ann", 0, '{"message":{}}')
    envelopes = envelopes_for(Committed([message], [MARKER]))
    assert envelopes == [
        Envelope(Topic.CONVERSATION, "c_9", 4, event_frame(message), "message.new"),
        Envelope(Topic.USER, "u_bob", 5, user_event_frame(MARKER), "read_marker"),
    ]


def test_membership_events_name_the_conversation_and_a_join_its_last_seq() -> None:
    joined, left = envelopes_for(Committed([], [JOINED, LEFT]))
    assert (joined.kind, joined.conversation_id, joined.conversation_seq) == ("conversation.joined", "c_9", 4)
    assert (left.kind, left.conversation_id, left.conversation_seq) == ("conversation.left", "c_9", 0)
    assert membership_change(MARKER) == ("", 0)
