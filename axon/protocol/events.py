"""Frames for committed events, built by concatenation around the stored JSON.

The event's ``data`` was encoded once at commit and is stored as text; a frame
is that text wrapped in a small header, so live push and resume replay send the
same bytes without re-encoding (encode once, send many).
"""

from __future__ import annotations

from ..domain.clock import iso_from_ms
from ..domain.events import ConversationEvent, UserEvent
from .codec import encode


def conversation_event_frame(event: ConversationEvent) -> bytes:
    head = encode(
        {
            "t": "event",
            "conv": event.conversation_id,
            "seq": event.seq,
            "type": event.type,
            "at": iso_from_ms(event.created_at),
            "by": event.actor_id,
        }
    )
    return head[:-1] + b',"data":' + event.data_json.encode() + b"}"


def user_event_frame(event: UserEvent) -> bytes:
    head = encode({"t": "user_event", "seq": event.seq, "type": event.type, "at": iso_from_ms(event.created_at)})
    return head[:-1] + b',"data":' + event.data_json.encode() + b"}"


def join_frames(prefix: bytes, frames: list[bytes], suffix: bytes) -> bytes:
    """A batch frame: ``prefix`` + comma-separated frames + ``suffix``."""
    return prefix + b",".join(frames) + suffix
