"""The gateway's typed server frames write exactly the bytes the dict/concatenation frames wrote.

Each expected value below was produced by the gateway before it used
``axon.protocol.server`` (commit fe076e0): the wire must not change.
"""

from __future__ import annotations

from axon.domain.events import ConversationEvent, UserEvent
from axon.gateway.presence import PresenceTracker
from axon.protocol.server import (
    Ack,
    Ok,
    Pong,
    Receipt,
    Synced,
    Typing,
    Welcome,
    conversation_batch,
    encode_frame,
    error_frame,
    event_frame,
    user_batch,
    user_event_frame,
)
from axon.testing.clock import FakeClock

EVENT = ConversationEvent("c_1", 18, "message.new", "u_ann", 1_795_713_005_123,
                          '{"message":{"id":"m_1","text":"Hi \\u00e9 \\ud83d\\udc4b"}}')
USER_EVENT = UserEvent("u_bob", 45, "read_marker", 1_795_713_005_123, '{"conversation_id":"c_1","seq":20}')
EVENT_BYTES = (b'{"t":"event","conv":"c_1","seq":18,"type":"message.new","at":"2026-11-26T17:10:05.123Z","by":"u_ann",'
               b'"data":{"message":{"id":"m_1","text":"Hi \\u00e9 \\ud83d\\udc4b"}}}')
USER_EVENT_BYTES = (b'{"t":"user_event","seq":45,"type":"read_marker","at":"2026-11-26T17:10:05.123Z",'
                    b'"data":{"conversation_id":"c_1","seq":20}}')


def test_event_and_user_event_frames() -> None:
    assert event_frame(EVENT) == EVENT_BYTES
    assert user_event_frame(USER_EVENT) == USER_EVENT_BYTES


def test_replay_batches_carry_the_live_frames_verbatim() -> None:
    assert conversation_batch("c_1", False, 18, [EVENT_BYTES, EVENT_BYTES]) == (
        b'{"t":"batch","conv":"c_1","truncated":false,"from_seq":18,"events":[' + EVENT_BYTES + b","
        + EVENT_BYTES + b"]}")
    assert user_batch([USER_EVENT_BYTES]) == b'{"t":"batch","user_events":[' + USER_EVENT_BYTES + b"]}"


def test_welcome_and_synced() -> None:
    welcome = Welcome("n_1", "e1", {"id": "u_1"}, "d_1", 44, 15.0, 45.0, 16384, [{"id": "c_1", "last_seq": 20}])
    assert encode_frame(welcome) == (
        b'{"t":"welcome","session":"n_1","epoch":"e1","user":{"id":"u_1"},"device_id":"d_1","user_seq":44,'
        b'"heartbeat_interval":15.0,"heartbeat_timeout":45.0,"max_text_bytes":16384,'
        b'"conversations":[{"id":"c_1","last_seq":20}]}')
    assert encode_frame(Synced(44, {"c_1": 20})) == b'{"t":"synced","user_seq":44,"convs":{"c_1":20}}'


def test_replies() -> None:
    ack = Ack("s1", "m_1", "c_1", 18, "2026-11-26T17:10:05.123Z", False)
    assert encode_frame(ack) == (b'{"t":"ack","id":"s1","message_id":"m_1","conv":"c_1","seq":18,'
                                 b'"at":"2026-11-26T17:10:05.123Z","duplicate":false}')
    assert encode_frame(Ok(None)) == b'{"t":"ok","ref":null}'
    assert encode_frame(Ok("r1")) == b'{"t":"ok","ref":"r1"}'
    assert encode_frame(Pong("k1")) == b'{"t":"pong","ref":"k1"}'


def test_errors_leave_out_what_is_unset() -> None:
    limited = error_frame("rate_limited", "Too many frames; slow down.", "r1", "s1", {"retry_after": 0.02})
    assert encode_frame(limited) == (b'{"t":"error","error":{"code":"rate_limited","message":"Too many frames; '
                                     b'slow down.","details":{"retry_after":0.02}},"ref":"r1","id":"s1"}')
    assert encode_frame(error_frame("not_found", "Conversation not found.", details={})) == (
        b'{"t":"error","error":{"code":"not_found","message":"Conversation not found."}}')


def test_ephemeral_signals() -> None:
    assert encode_frame(Typing("c_1", "u_1")) == b'{"t":"typing","conv":"c_1","user_id":"u_1"}'
    assert encode_frame(Receipt("c_1", "u_1", 20)) == b'{"t":"receipt","conv":"c_1","user_id":"u_1","read_seq":20}'


class _Device:
    user_id = "u_1"


def test_presence_as_the_tracker_reports_it() -> None:
    tracker = PresenceTracker(FakeClock(), lambda user_id, state: None)
    device = _Device()
    assert encode_frame(tracker.state("u_1")) == b'{"t":"presence","user_id":"u_1","state":"offline","last_seen":null}'
    tracker.set(device, "online")
    assert encode_frame(tracker.state("u_1")) == b'{"t":"presence","user_id":"u_1","state":"online","last_seen":null}'
    tracker.remove(device)
    assert encode_frame(tracker.state("u_1")) == (
        b'{"t":"presence","user_id":"u_1","state":"offline","last_seen":"2026-05-28T20:26:40.000Z"}')
