"""Server → client frames: every frame the server writes is one of these structs.

Each is a ``msgspec.Struct`` tagged with its wire type ``t``, so that one
definition serves the server (``encode``) and the SDK (``decode_server_frame``).
Committed events keep their encode-once property: their ``data`` was encoded at
commit and travels as ``msgspec.Raw``, and a ``batch`` carries the very bytes of
the ``event`` / ``user_event`` frames that live delivery would send.

Fields that are optional on the wire (``ref``, ``id`` of an error, the two kinds
of ``batch``) are left out when unset; everything else is always present, ``null``
included, exactly as ``docs/protocol.md`` shows.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from ..domain.clock import iso
from ..domain.events import ConversationEvent, UserEvent

# The data of a committed event: a JSON object, encoded once at commit and carried as is.
EventData = Annotated[msgspec.Raw, msgspec.Meta(extra_json_schema={"type": "object"})]


class ServerFrame(msgspec.Struct, tag_field="t", forbid_unknown_fields=False):
    """Base of the server frames (unknown fields are ignored by decoders: newer servers stay readable)."""


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """The one error body of the API: inside an ``error`` frame, and as ``{"error": …}`` of a REST answer."""

    code: Annotated[str, msgspec.Meta(description="Stable machine-readable code (see docs/protocol.md).",
                                      examples=["forbidden"])]
    message: Annotated[str, msgspec.Meta(description="Human-readable explanation.")]
    details: dict[str, Any] | None = None


class Welcome(ServerFrame, tag="welcome"):
    session: str  # the node serving this session
    epoch: str
    user: Any  # the user's own profile (``protocol.rest.User``)
    device_id: str
    user_seq: int
    heartbeat_interval: float
    heartbeat_timeout: float
    max_text_bytes: int
    conversations: list[Any]  # ``protocol.rest.Conversation`` summaries


class Batch(ServerFrame, tag="batch", omit_defaults=True):
    """A page of the resume replay: a conversation's events, or user events (never both)."""

    conv: str | None = None
    truncated: bool | None = None
    from_seq: int | None = None
    events: list[msgspec.Raw] | None = None
    user_events: list[msgspec.Raw] | None = None


class Synced(ServerFrame, tag="synced"):
    user_seq: int
    convs: dict[str, int]


class Event(ServerFrame, tag="event"):
    conv: str
    seq: int
    type: str
    at: str
    by: str | None
    data: EventData


class UserEventFrame(ServerFrame, tag="user_event"):
    seq: int
    type: str
    at: str
    data: EventData


class Ack(ServerFrame, tag="ack"):
    id: str
    message_id: str
    conv: str
    seq: int
    at: str
    duplicate: bool


class Ok(ServerFrame, tag="ok"):
    ref: str | None


class Pong(ServerFrame, tag="pong"):
    ref: str | None


class Error(ServerFrame, tag="error", omit_defaults=True):
    error: ErrorBody
    ref: str | None = None
    id: str | None = None  # the ``send`` this error answers


class Typing(ServerFrame, tag="typing"):
    conv: str
    user_id: str


class Receipt(ServerFrame, tag="receipt"):
    conv: str
    user_id: str
    read_seq: int


class Presence(ServerFrame, tag="presence"):
    user_id: str
    state: str
    last_seen: str | None


class Profile(ServerFrame, tag="profile"):
    """Someone's public profile changed (name, status, avatar…): sent to connections following their presence."""

    user: Any  # ``protocol.rest.User`` without e-mail


SERVER_FRAMES = (Welcome, Batch, Synced, Event, UserEventFrame, Ack, Ok, Pong, Error, Typing, Receipt, Presence,
                 Profile)
AnyServerFrame = (Welcome | Batch | Synced | Event | UserEventFrame | Ack | Ok | Pong | Error | Typing | Receipt
                  | Presence | Profile)

_encoder = msgspec.json.Encoder()
_decoder: msgspec.json.Decoder[AnyServerFrame] = msgspec.json.Decoder(AnyServerFrame)


def encode_frame(frame: ServerFrame) -> bytes:
    return _encoder.encode(frame)


def decode_server_frame(data: bytes | str) -> AnyServerFrame:
    """Decode one server frame (the SDK's side); raises ``msgspec.DecodeError`` / ``ValidationError``."""
    return _decoder.decode(data)


def error_frame(code: str, message: str, ref: str | None = None, send_id: str | None = None,
                details: dict[str, Any] | None = None) -> Error:
    return Error(ErrorBody(code, message, details or None), ref, send_id)


def event_frame(event: ConversationEvent) -> bytes:
    """The ``event`` frame of a committed conversation event (its stored data spliced in as is)."""
    return _encoder.encode(Event(event.conversation_id, event.seq, event.type, iso(event.created_at),
                                 event.actor_id, msgspec.Raw(event.data_json)))


def user_event_frame(event: UserEvent) -> bytes:
    return _encoder.encode(UserEventFrame(event.seq, event.type, iso(event.created_at),
                                          msgspec.Raw(event.data_json)))


def conversation_batch(conversation_id: str, truncated: bool, from_seq: int, frames: list[bytes]) -> bytes:
    """A replay page of one conversation: ``frames`` are encoded ``event`` frames from ``from_seq`` on, in order."""
    return _encoder.encode(Batch(conv=conversation_id, truncated=truncated, from_seq=from_seq,
                                 events=[msgspec.Raw(f) for f in frames]))


def user_batch(frames: list[bytes]) -> bytes:
    return _encoder.encode(Batch(user_events=[msgspec.Raw(f) for f in frames]))

