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
    user_event_after: list[int] = field(default_factory=list)


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


def test_user_events_keep_their_place_among_the_conversation_events_of_the_transaction() -> None:
    # A batch that sent 5, removed Bob (member.left 6 + conversation.left), then sent 7: Bob's
    # sockets must be unsubscribed before 7 is routed, so his user event comes between 6 and 7.
    sent, removal, later = (ConversationEvent("c_9", seq, kind, "u_ann", 0, "{}")
                            for seq, kind in ((5, "message.new"), (6, "member.left"), (7, "message.new")))
    envelopes = envelopes_for(Committed([sent, removal, later], [LEFT, MARKER], [2, 3]))
    assert [(e.topic, e.seq) for e in envelopes] == [
        (Topic.CONVERSATION, 5), (Topic.CONVERSATION, 6), (Topic.USER, 4), (Topic.CONVERSATION, 7), (Topic.USER, 5)]


def test_without_a_recorded_interleaving_user_events_come_last() -> None:
    message = ConversationEvent("c_9", 4, "message.new", "u_ann", 0, "{}")
    envelopes = envelopes_for(Committed([message], [MARKER, LEFT]))
    assert [(e.topic, e.seq) for e in envelopes] == [(Topic.CONVERSATION, 4), (Topic.USER, 5), (Topic.USER, 4)]
