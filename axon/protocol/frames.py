"""Client frames, decoded once at the boundary into typed structs.

Decoding is two-step so that errors are precise: the JSON is parsed, the type
tag looked up (an unknown tag is ``unknown_frame``), then the object converted
to its struct (a missing or wrongly typed field is ``invalid_frame`` naming it).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

Ref = Annotated[str, msgspec.Meta(max_length=64)]


class Frame(msgspec.Struct, forbid_unknown_fields=False):
    """Base of the client frames; unknown fields are ignored so that newer clients stay compatible."""


class Hello(Frame):
    token: str
    user_seq: int | None = None  # None: a device without user-stream state (no replay)
    convs: dict[str, int] = {}
    epoch: str | None = None
    resume_limit: int | None = None
    client: str = ""
    ref: Ref | None = None


class Send(Frame):
    id: str
    conv: str
    text: str
    reply_to: str | None = None


class Read(Frame):
    conv: str
    seq: int
    ref: Ref | None = None


class Delivered(Frame):
    convs: dict[str, int]


class Typing(Frame):
    conv: str


class Presence(Frame):
    state: str
    ref: Ref | None = None


class PresenceSub(Frame):
    users: list[str]
    ref: Ref | None = None


class Ping(Frame):
    ref: Ref | None = None


CLIENT_FRAMES: dict[str, type[Frame]] = {
    "hello": Hello,
    "send": Send,
    "read": Read,
    "delivered": Delivered,
    "typing": Typing,
    "presence": Presence,
    "presence_sub": PresenceSub,
    "ping": Ping,
}

_json = msgspec.json.Decoder()


class FrameError(Exception):
    def __init__(self, code: str, message: str, ref: str | None = None, send_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref
        self.send_id = send_id


def decode_client_frame(data: bytes | str) -> Frame:
    try:
        raw = _json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise FrameError("invalid_frame", f"Frame is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise FrameError("invalid_frame", "Frame must be a JSON object.")
    ref = raw.get("ref") if isinstance(raw.get("ref"), str) else None
    send_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    tag = raw.get("t")
    kind = CLIENT_FRAMES.get(tag) if isinstance(tag, str) else None
    if kind is None:
        raise FrameError("unknown_frame", f"Unknown frame type {tag!r}.", ref, send_id)
    raw.pop("t")
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as exc:
        raise FrameError("invalid_frame", f"Invalid {tag} frame: {exc}", ref, send_id) from None


def error_frame(code: str, message: str, ref: str | None = None, send_id: str | None = None,
                details: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    frame: dict[str, Any] = {"t": "error", "error": error}
    if ref is not None:
        frame["ref"] = ref
    if send_id is not None:
        frame["id"] = send_id
    return frame
