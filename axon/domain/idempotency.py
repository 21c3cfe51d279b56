"""The idempotency of sends: what makes a retry the same message.

The key is (sending device, ``client_msg_id``), stored with the message forever
(the unique index ``uq_messages_device_cmid``). A send whose key exists is a
retry: it answers with the stored message, provided it carries the same content
fingerprint. The fingerprint covers what the client chose, the conversation, the
reply target, the forwarded message and the text (after ``validate_text`` normalised it), and nothing
the server chose (ids, seqs, times), so a retry after a restart still matches.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .errors import ValidationFailed

MAX_CLIENT_MSG_ID = 64


def content_hash(conversation_id: str, text: str, reply_to: str | None, forward_of: str = "",
                 attachments: tuple[str, ...] = ()) -> str:
    """The fingerprint a retry must match: hex SHA-256 of the parts joined by NUL.

    ``forward_of`` ("<conversation id>:<seq>" of a forward's source) and ``attachments`` (the file
    ids, in order) are added only when given, so the fingerprints of plain messages stored before
    forwarding or files existed still match.
    """
    forward = f"\x00{forward_of}" if forward_of else ""
    files = "\x00files:" + ",".join(attachments) if attachments else ""
    return hashlib.sha256(f"{conversation_id}\x00{reply_to or ''}\x00{text}{forward}{files}".encode()).hexdigest()


def validate_client_msg_id(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_CLIENT_MSG_ID or not value.isprintable():
        raise ValidationFailed("client_msg_id must be 1-64 printable characters.", field="client_msg_id")
    return value
