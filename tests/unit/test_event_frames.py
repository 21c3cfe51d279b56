"""Event frames carry the stored data JSON as it is; they must be exactly the JSON the protocol promises."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from axon.api.routes_messages import conversation_event_page, user_event_page
from axon.domain.clock import iso_from_ms
from axon.domain.events import ConversationEvent, UserEvent
from axon.protocol import server
from axon.protocol.codec import encode, encode_str

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=15,
)
data_objects = st.dictionaries(st.text(), json_values, max_size=5)
timestamps = st.integers(0, 253_402_300_799_999)  # through 9999-12-31


# The wire format as it was spliced by hand before the typed frames (the contract the typed
# frames must keep byte for byte): the stored data JSON wrapped in a small encoded header.
def _spliced_event_frame(event: ConversationEvent) -> bytes:
    head = encode({"t": "event", "conv": event.conversation_id, "seq": event.seq, "type": event.type,
                         "at": iso_from_ms(event.created_at), "by": event.actor_id})
    return head[:-1] + b',"data":' + event.data_json.encode() + b"}"


def _spliced_user_event_frame(event: UserEvent) -> bytes:
    head = encode({"t": "user_event", "seq": event.seq, "type": event.type, "at": iso_from_ms(event.created_at)})
    return head[:-1] + b',"data":' + event.data_json.encode() + b"}"


def join_frames(prefix: bytes, frames: list[bytes], suffix: bytes) -> bytes:
    return prefix + b",".join(frames) + suffix


conversation_event_frame = server.event_frame
user_event_frame = server.user_event_frame



def test_a_conversation_event_frame() -> None:
    event = ConversationEvent("c_1", 18, "message.new", "u_ann", 1_795_713_005_123, '{"message":{"id":"m_1"}}')
    assert json.loads(conversation_event_frame(event)) == {
        "t": "event", "conv": "c_1", "seq": 18, "type": "message.new", "at": "2026-11-26T17:10:05.123Z",
        "by": "u_ann", "data": {"message": {"id": "m_1"}},
    }


def test_a_system_event_has_a_null_actor_and_empty_data() -> None:
    event = ConversationEvent("c_1", 2, "conversation.archived", None, 0, "{}")
    assert json.loads(conversation_event_frame(event)) == {
        "t": "event", "conv": "c_1", "seq": 2, "type": "conversation.archived", "at": "1970-01-01T00:00:00.000Z",
        "by": None, "data": {},
    }


@given(conv=st.text(), seq=st.integers(1, 2**53), type_=st.text(), actor=st.none() | st.text(), at=timestamps,
       data=data_objects)
def test_conversation_event_frames_are_the_expected_json(
    conv: str, seq: int, type_: str, actor: str | None, at: int, data: dict[str, Any]
) -> None:
    frame = conversation_event_frame(ConversationEvent(conv, seq, type_, actor, at, encode_str(data)))
    assert json.loads(frame) == {"t": "event", "conv": conv, "seq": seq, "type": type_, "at": iso_from_ms(at),
                                 "by": actor, "data": data}


@given(user=st.text(), seq=st.integers(1, 2**53), type_=st.text(), at=timestamps, data=data_objects)
def test_user_event_frames_are_the_expected_json(user: str, seq: int, type_: str, at: int,
                                                 data: dict[str, Any]) -> None:
    frame = user_event_frame(UserEvent(user, seq, type_, at, encode_str(data)))
    assert json.loads(frame) == {"t": "user_event", "seq": seq, "type": type_, "at": iso_from_ms(at), "data": data}


@given(st.lists(data_objects, max_size=3))
def test_a_batch_of_frames_is_the_expected_json(datas: list[dict[str, Any]]) -> None:
    events = [UserEvent("u_1", i + 1, "read_marker", 0, encode_str(d)) for i, d in enumerate(datas)]
    batch = join_frames(b'{"t":"batch","user_events":[', [user_event_frame(e) for e in events], b"]}")
    decoded = json.loads(batch)
    assert decoded["t"] == "batch"
    assert [item["data"] for item in decoded["user_events"]] == datas
    assert [item["seq"] for item in decoded["user_events"]] == list(range(1, len(datas) + 1))


@given(timestamps)
def test_timestamps_are_iso_utc_with_milliseconds(ms: int) -> None:
    text = iso_from_ms(ms)
    assert text is not None and text.endswith("Z") and len(text) == 24
    parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert round(parsed.timestamp() * 1000) == ms


def test_a_missing_timestamp_stays_missing() -> None:
    assert iso_from_ms(None) is None


# --- the typed frames (protocol.server, REST pages) are byte-identical to the spliced ones --------------------

def _spliced_event_page(events: list[ConversationEvent], last_seq: int, next_after_seq: int | None) -> bytes:
    """The REST event page as ``routes_messages`` spliced it by hand before the typed ``EventPage``."""
    items = join_frames(b"[", [conversation_event_frame(e) for e in events], b"]")
    head = encode({"last_seq": last_seq, "next_after_seq": next_after_seq})
    return head[:-1] + b',"items":' + items + b"}"


ids = st.text(max_size=30)
conversation_events = st.builds(ConversationEvent, ids, st.integers(1, 2**53), ids, st.none() | ids, timestamps,
                                data_objects.map(encode_str))
user_events = st.builds(UserEvent, ids, st.integers(1, 2**53), ids, timestamps, data_objects.map(encode_str))


@given(conversation_events)
def test_a_typed_event_frame_is_the_spliced_bytes(event: ConversationEvent) -> None:
    assert server.event_frame(event) == _spliced_event_frame(event)


@given(user_events)
def test_a_typed_user_event_frame_is_the_spliced_bytes(event: UserEvent) -> None:
    assert server.user_event_frame(event) == _spliced_user_event_frame(event)


@given(ids, st.booleans(), st.integers(1, 2**53), st.lists(conversation_events, max_size=4))
def test_a_conversation_batch_is_the_spliced_bytes(conv: str, truncated: bool, from_seq: int,
                                                   events: list[ConversationEvent]) -> None:
    frames = [conversation_event_frame(e) for e in events]
    head = encode({"t": "batch", "conv": conv, "truncated": truncated, "from_seq": from_seq})
    assert server.conversation_batch(conv, truncated, from_seq, frames) == join_frames(
        head[:-1] + b',"events":[', frames, b"]}")


@given(st.lists(user_events, max_size=4))
def test_a_user_batch_is_the_spliced_bytes(events: list[UserEvent]) -> None:
    frames = [user_event_frame(e) for e in events]
    assert server.user_batch(frames) == join_frames(b'{"t":"batch","user_events":[', frames, b"]}")


@given(st.lists(conversation_events, max_size=4), st.integers(0, 2**53), st.none() | st.integers(0, 2**53))
def test_a_rest_event_page_is_the_spliced_bytes(events: list[ConversationEvent], last_seq: int,
                                                next_after_seq: int | None) -> None:
    page = {"items": events, "last_seq": last_seq, "next_after_seq": next_after_seq}
    assert encode(conversation_event_page(page)) == _spliced_event_page(events, last_seq, next_after_seq)


@given(st.lists(user_events, max_size=4))
def test_a_rest_user_event_page_is_the_spliced_bytes(events: list[UserEvent]) -> None:
    spliced = join_frames(b'{"items":[', [user_event_frame(e) for e in events], b"]}")
    assert encode(user_event_page(events)) == spliced
