"""Client frames are decoded once, at the boundary, with precise errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axon.protocol.client import (
    Delivered,
    Frame,
    FrameError,
    Hello,
    Ping,
    Presence,
    PresenceSub,
    Read,
    Send,
    Typing,
    decode_client_frame,
    encode_client_frame,
)


def reject(data: bytes | str | dict[str, Any]) -> FrameError:
    raw = json.dumps(data) if isinstance(data, dict) else data
    with pytest.raises(FrameError) as caught:
        decode_client_frame(raw)
    return caught.value


@pytest.mark.parametrize(
    ("data", "frame"),
    [
        ({"t": "hello", "token": "tok"}, Hello(token="tok")),
        ({"t": "hello", "token": "tok", "user_seq": 42, "convs": {"c_1": 17}, "epoch": "e1", "resume_limit": 50,
          "client": "web/1.0", "ref": "h1"},
         Hello(token="tok", user_seq=42, convs={"c_1": 17}, epoch="e1", resume_limit=50, client="web/1.0", ref="h1")),
        ({"t": "send", "id": "k1", "conv": "c_1", "text": "Hi @bob"}, Send(id="k1", conv="c_1", text="Hi @bob")),
        ({"t": "send", "id": "k1", "conv": "c_1", "text": "re", "reply_to": "m_1"},
         Send(id="k1", conv="c_1", text="re", reply_to="m_1")),
        ({"t": "read", "conv": "c_1", "seq": 17, "ref": "r1"}, Read(conv="c_1", seq=17, ref="r1")),
        ({"t": "delivered", "convs": {"c_1": 3, "c_2": 9}}, Delivered(convs={"c_1": 3, "c_2": 9})),
        ({"t": "typing", "conv": "c_1"}, Typing(conv="c_1")),
        ({"t": "presence", "state": "away"}, Presence(state="away")),
        ({"t": "presence_sub", "users": ["u_1", "u_2"], "ref": "p1"}, PresenceSub(users=["u_1", "u_2"], ref="p1")),
        ({"t": "ping"}, Ping()),
        ({"t": "ping", "ref": "k1", "future_field": [1, 2]}, Ping(ref="k1")),
    ],
)
def test_valid_frames_decode_to_their_struct(data: dict[str, Any], frame: Frame) -> None:
    decoded = decode_client_frame(json.dumps(data))
    assert type(decoded) is type(frame)
    assert decoded == frame
    assert decode_client_frame(json.dumps(data).encode()) == frame


def test_default_containers_are_not_shared_between_frames() -> None:
    first = decode_client_frame('{"t":"hello","token":"a"}')
    assert isinstance(first, Hello)
    first.convs["c_1"] = 5
    second = decode_client_frame('{"t":"hello","token":"b"}')
    assert isinstance(second, Hello) and second.convs == {}


@pytest.mark.parametrize("tag", ["subscribe", "HELLO", "", "error", "event"])
def test_an_unknown_type_is_unknown_frame_echoing_ref_and_id(tag: str) -> None:
    error = reject({"t": tag, "ref": "r9", "id": "k9"})
    assert (error.code, error.ref, error.send_id) == ("unknown_frame", "r9", "k9")


@pytest.mark.parametrize("data", [{"ref": "r1"}, {"t": None}, {"t": 3}, {"t": ["send"]}])
def test_a_missing_or_non_string_type_is_unknown_frame(data: dict[str, Any]) -> None:
    assert reject(data).code == "unknown_frame"


@pytest.mark.parametrize("data", ["", "{", "not json", b"\xff\xfe", '{"t":"ping"} trailing', "{'t': 'ping'}"])
def test_bad_json_is_invalid_frame(data: bytes | str) -> None:
    error = reject(data)
    assert (error.code, error.ref, error.send_id) == ("invalid_frame", None, None)


def test_json_nested_beyond_the_decoders_depth_is_invalid_frame_not_a_server_failure() -> None:
    depth = 100_000  # ~200 KB: deeper than any decoder's recursion guard
    assert reject('{"t":"send","conv":' + "[" * depth + "]" * depth + "}").code == "invalid_frame"


@pytest.mark.parametrize("data", ["[]", '["ping"]', '"ping"', "42", "null", "true"])
def test_a_frame_that_is_not_an_object_is_invalid_frame(data: str) -> None:
    assert reject(data).code == "invalid_frame"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"t": "hello"}, "token"),
        ({"t": "hello", "token": 1}, "token"),
        ({"t": "hello", "token": "x", "convs": {"c_1": "5"}}, "convs"),
        ({"t": "hello", "token": "x", "user_seq": 1.5}, "user_seq"),
        ({"t": "send", "conv": "c_1", "text": "hi"}, "id"),
        ({"t": "send", "id": "k", "conv": "c_1"}, "text"),
        ({"t": "send", "id": "k", "conv": "c_1", "text": None}, "text"),
        ({"t": "read", "conv": "c_1"}, "seq"),
        ({"t": "read", "conv": "c_1", "seq": "17"}, "seq"),
        ({"t": "read", "conv": "c_1", "seq": True}, "seq"),
        ({"t": "read", "conv": "c_1", "seq": 17.0}, "seq"),
        ({"t": "delivered", "convs": [1]}, "convs"),
        ({"t": "typing"}, "conv"),
        ({"t": "presence_sub", "users": "u_1"}, "users"),
        ({"t": "ping", "ref": 5}, "ref"),
    ],
)
def test_missing_or_mistyped_fields_are_invalid_frame_naming_the_field(data: dict[str, Any], field: str) -> None:
    error = reject(data)
    assert error.code == "invalid_frame"
    assert field in error.message


def test_errors_echo_the_ref_so_the_client_can_match_them() -> None:
    error = reject({"t": "read", "conv": "c_1", "ref": "r7"})
    assert (error.code, error.ref, error.send_id) == ("invalid_frame", "r7", None)


def test_errors_for_a_send_echo_its_id() -> None:
    error = reject({"t": "send", "id": "k7", "conv": "c_1", "text": 5})
    assert (error.code, error.ref, error.send_id) == ("invalid_frame", None, "k7")


def test_a_non_string_ref_or_id_is_not_echoed() -> None:
    error = reject({"t": "nope", "ref": 1, "id": {"x": 1}})
    assert (error.ref, error.send_id) == (None, None)


@pytest.mark.parametrize("t", ["hello", "read", "presence", "presence_sub", "ping"])
def test_a_ref_longer_than_64_characters_is_invalid_frame(t: str) -> None:
    # docs/protocol.md: "Every client frame may carry ref (string <= 64 chars)".
    required: dict[str, dict[str, Any]] = {"hello": {"token": "x"}, "read": {"conv": "c", "seq": 1},
                                           "presence": {"state": "away"}, "presence_sub": {"users": []}, "ping": {}}
    base = required[t]
    assert decode_client_frame(json.dumps({"t": t, **base, "ref": "r" * 64})) is not None
    assert reject({"t": t, **base, "ref": "r" * 65}).code == "invalid_frame"


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=10))
def test_any_json_value_either_decodes_or_raises_frame_error(value: Any) -> None:
    try:
        decode_client_frame(json.dumps(value))
    except FrameError as error:
        assert error.code in {"invalid_frame", "unknown_frame"}


@pytest.mark.parametrize("frame", [
    Hello(token="tok"),
    Hello(token="tok", user_seq=0, convs={"c_1": 2}, epoch="e", resume_limit=5, client="x", ref="h"),
    Send(id="k1", conv="c_1", text="hi"), Send(id="k1", conv="c_1", text="re", reply_to="m_1"),
    Read(conv="c_1", seq=3, ref="r"), Delivered(convs={"c_1": 3}), Typing(conv="c_1"), Presence(state="away"),
    PresenceSub(users=["u_1"], ref="p"), Ping(), Ping(ref="k"),
])
def test_an_encoded_client_frame_decodes_to_the_same_struct(frame: Frame) -> None:
    assert decode_client_frame(encode_client_frame(frame)) == frame


def test_unset_optional_fields_are_left_out_on_the_wire() -> None:
    # A hello without user_seq means "no stored state"; 0 means "replay everything".
    assert json.loads(encode_client_frame(Hello(token="tok"))) == {"t": "hello", "token": "tok"}
    assert json.loads(encode_client_frame(Hello(token="tok", user_seq=0)))["user_seq"] == 0
    assert json.loads(encode_client_frame(Send(id="k", conv="c", text="x"))) == {
        "t": "send", "id": "k", "conv": "c", "text": "x"}
