"""What a committed message event says, as the consumers of the event spine read it.

Probes over the ``data`` of ``message.new``, ``message.edited`` and ``message.deleted`` (protocol.md):
only the fields consumers use, decoded with msgspec (unknown fields skipped, so the events can grow).
The search index, the semantic index and the AI helpers read the same events the same way.
"""

from __future__ import annotations

import msgspec


class Attachment(msgspec.Struct):
    name: str = ""
    kind: str = "file"


class Message(msgspec.Struct):
    id: str
    conversation_id: str
    seq: int
    sender_id: str
    text: str = ""
    reply_to: str | None = None
    mentions: list[str] = []
    deleted: bool = False
    attachments: list[Attachment] = []


class MessageNew(msgspec.Struct):
    message: Message


class MessageEdited(msgspec.Struct):
    message_id: str
    text: str = ""


class MessageDeleted(msgspec.Struct):
    message_id: str


# ``message.edited`` and ``message.deleted`` both name their message: for consumers that need only that.
MessageRef = MessageDeleted


new = msgspec.json.Decoder(MessageNew)
edited = msgspec.json.Decoder(MessageEdited)
deleted = msgspec.json.Decoder(MessageDeleted)
ref = deleted
