"""Server frames: one typed definition that the server encodes and the SDK decodes back to the same struct."""

from __future__ import annotations

import json

import msgspec
import pytest

from axon.protocol import server as s

RAW = msgspec.Raw(b'{"message":{"id":"m_1","text":"hi"}}')
EVENT = s.Event("c_1", 18, "message.new", "2026-11-26T17:10:05.123Z", "u_ann", RAW)
USER_EVENT = s.UserEventFrame(45, "read_marker", "2026-11-26T17:10:05.123Z", msgspec.Raw(b'{"seq":20}'))

EVERY_FRAME: list[s.ServerFrame] = [
    s.Welcome("n_1", "e1", {"id": "u_1", "username": "ann"}, "d_1", 44, 15.0, 45.0, 16384,
              [{"id": "c_1", "kind": "channel", "last_seq": 20}]),
    s.Batch(conv="c_1", truncated=False, from_seq=18, events=[msgspec.Raw(s.encode_frame(EVENT))]),
    s.Batch(user_events=[msgspec.Raw(s.encode_frame(USER_EVENT))]),
    s.Synced(44, {"c_1": 20}),
    EVENT,
    s.Event("c_1", 2, "conversation.archived", "1970-01-01T00:00:00.000Z", None, msgspec.Raw(b"{}")),
    USER_EVENT,
    s.Ack("k1", "m_1", "c_1", 18, "2026-11-26T17:10:05.123Z", False),
    s.Ok("r1"), s.Ok(None), s.Pong("k1"), s.Pong(None),
    s.error_frame("forbidden", "No."),
    s.error_frame("rate_limited", "Slow down.", ref="r1", send_id="k1", details={"retry_after": 1.5}),
    s.Typing("c_1", "u_1"),
    s.Receipt("c_1", "u_1", 20),
    s.Presence("u_1", "online", None), s.Presence("u_1", "away", "2026-11-26T17:10:05.123Z"),
    s.Profile({"id": "u_1", "display_name": "Ann", "status_emoji": "🚆", "avatar": None}),
]


def _comparable(frame: s.ServerFrame) -> object:
    """A frame as plain data, its raw parts decoded (``Raw`` compares by identity, not by bytes)."""
    return json.loads(s.encode_frame(frame))


@pytest.mark.parametrize("frame", EVERY_FRAME, ids=lambda f: type(f).__name__)
def test_every_server_frame_round_trips(frame: s.ServerFrame) -> None:
    decoded = s.decode_server_frame(s.encode_frame(frame))
    assert type(decoded) is type(frame)
    assert _comparable(decoded) == _comparable(frame)
    assert s.encode_frame(decoded) == s.encode_frame(frame)


def test_every_server_frame_type_is_covered() -> None:
    assert {type(f) for f in EVERY_FRAME} == set(s.SERVER_FRAMES)


def test_a_batch_carries_the_event_frames_byte_for_byte() -> None:
    frame = s.encode_frame(EVENT)
    assert s.conversation_batch("c_1", False, 18, [frame, frame]) == (
        b'{"t":"batch","conv":"c_1","truncated":false,"from_seq":18,"events":[' + frame + b"," + frame + b"]}")


def test_error_frame_shape() -> None:
    assert json.loads(s.encode_frame(s.error_frame("forbidden", "No."))) == {
        "t": "error", "error": {"code": "forbidden", "message": "No."}}
    assert json.loads(s.encode_frame(s.error_frame("invalid_frame", "Bad.", ref="r1", send_id="k1",
                                                   details={"field": "text"}))) == {
        "t": "error", "ref": "r1", "id": "k1",
        "error": {"code": "invalid_frame", "message": "Bad.", "details": {"field": "text"}},
    }


def test_empty_details_are_left_out() -> None:
    assert "details" not in json.loads(s.encode_frame(s.error_frame("forbidden", "No.", details={})))["error"]


def test_an_unknown_frame_type_does_not_decode() -> None:
    with pytest.raises(msgspec.ValidationError):
        s.decode_server_frame(b'{"t":"nope"}')


def test_fields_a_newer_server_adds_are_ignored() -> None:
    assert s.decode_server_frame(b'{"t":"pong","ref":"k","new":1}') == s.Pong("k")
