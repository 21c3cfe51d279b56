"""Client → server frames: one tagged ``msgspec.Struct`` per wire type ``t``.

The SDK encodes these structs; the server decodes them once at the boundary.
Decoding is two-step so that errors are precise: the JSON is parsed, the type
tag looked up (an unknown tag is ``unknown_frame``), then the object converted
to its struct (a missing or wrongly typed field is ``invalid_frame`` naming it).

Optional fields are left out when unset (``omit_defaults``): a ``hello`` without
``user_seq`` means "no stored state", which ``user_seq: null`` would also mean
but ``docs/protocol.md`` shows it left out.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

Ref = Annotated[str, msgspec.Meta(max_length=64)]


class Frame(msgspec.Struct, tag_field="t", omit_defaults=True, forbid_unknown_fields=False):
    """Base of the client frames; unknown fields are ignored so that newer clients stay compatible."""


class Hello(Frame, tag="hello"):
    token: str
    user_seq: int | None = None  # None: a device without user-stream state (no replay)
    convs: dict[str, int] = {}
    epoch: str | None = None
    resume_limit: int | None = None
    client: str = ""
    ref: Ref | None = None


class ForwardOf(msgspec.Struct, forbid_unknown_fields=False):
    """The message a ``send`` forwards (its text is copied by the server)."""

    conversation_id: str
    seq: int


class Send(Frame, tag="send"):
    id: str
    conv: str
    text: str  # "" with ``forward_of`` (the server copies the source's text)
    reply_to: str | None = None
    forward_of: ForwardOf | None = None
    attachments: list[str] = []  # ids of files the sender uploaded into ``conv`` (at most 10)


class Read(Frame, tag="read"):
    conv: str
    seq: int
    ref: Ref | None = None


class Delivered(Frame, tag="delivered"):
    convs: dict[str, int]


class Typing(Frame, tag="typing"):
    conv: str


class Presence(Frame, tag="presence"):
    state: str
    ref: Ref | None = None


class PresenceSub(Frame, tag="presence_sub"):
    users: list[str]
    ref: Ref | None = None


class Ping(Frame, tag="ping"):
    ref: Ref | None = None


AnyClientFrame = Hello | Send | Read | Delivered | Typing | Presence | PresenceSub | Ping
CLIENT_FRAMES: dict[str, type[Frame]] = {
    kind.__struct_config__.tag: kind  # type: ignore[misc]
    for kind in (Hello, Send, Read, Delivered, Typing, Presence, PresenceSub, Ping)
}

_json = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


class FrameError(Exception):
    def __init__(self, code: str, message: str, ref: str | None = None, send_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref
        self.send_id = send_id


def encode_client_frame(frame: Frame) -> bytes:
    return _encoder.encode(frame)


def _escapes_nul(data: bytes) -> bool:
    """Does the JSON text hold the escape of U+0000 (and not a typed backslash followed by "u0000")?"""
    at = data.find(b"\\u0000")
    while at != -1:
        backslashes = len(data[:at]) - len(data[:at].rstrip(b"\\"))
        if backslashes % 2 == 0:  # this backslash starts an escape
            return True
        at = data.find(b"\\u0000", at + 1)
    return False


def decode_client_frame(data: bytes | str) -> Frame:
    if _escapes_nul(data.encode() if isinstance(data, str) else data):  # PostgreSQL cannot store NUL
        raise FrameError("invalid_frame", "Frames must not contain NUL (U+0000) characters.")
    try:
        raw = _json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise FrameError("invalid_frame", f"Frame is not valid JSON: {exc}") from None
    except RecursionError:  # msgspec's depth guard: no frame nests anywhere near that deep
        raise FrameError("invalid_frame", "Frame is nested too deeply.") from None
    if not isinstance(raw, dict):
        raise FrameError("invalid_frame", "Frame must be a JSON object.")
    ref = raw.get("ref") if isinstance(raw.get("ref"), str) else None
    send_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    tag = raw.get("t")
    kind = CLIENT_FRAMES.get(tag) if isinstance(tag, str) else None
    if kind is None:
        raise FrameError("unknown_frame", f"Unknown frame type {tag!r}.", ref, send_id)
    try:
        return msgspec.convert(raw, kind)  # the struct checks its own tag ``t``
    except msgspec.ValidationError as exc:
        raise FrameError("invalid_frame", f"Invalid {tag} frame: {exc}", ref, send_id) from None
