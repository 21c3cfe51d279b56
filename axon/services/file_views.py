"""How stored file rows are shown: ``FileInfo`` (REST) and ``Attachment`` (inside a message)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..domain.clock import iso_from_ms
from ..protocol.codec import decode
from ..protocol.rest import Attachment, FileInfo, Thumb

Row = dict[str, Any]


def _thumb(row: Row) -> Thumb | None:
    if row.get("thumb_width") is None or row.get("thumb_height") is None:
        return None
    return Thumb(int(row["thumb_width"]), int(row["thumb_height"]))


def _waveform(row: Row) -> list[int] | None:
    stored = row.get("waveform")
    return decode(stored) if stored else None


def file_view(row: Row) -> FileInfo:
    return FileInfo(row["id"], row["conversation_id"], row["message_id"], row["uploader_id"], row["name"],
                    int(row["size"]), row["mime"], row["kind"], row["width"], row["height"], row["duration_ms"],
                    _waveform(row), bool(row["animated"]), _thumb(row), iso_from_ms(row["created_at"]))


def attachment_view(row: Row, *, with_hash: bool = False) -> Attachment:
    """A message's file; ``with_hash``: with its SHA-256 (compliance exports)."""
    return Attachment(row["id"], row["name"], int(row["size"]), row["mime"], row["kind"], row["width"],
                      row["height"], row["duration_ms"], _waveform(row), bool(row["animated"]), _thumb(row),
                      iso_from_ms(row["created_at"]), row["sha256"] if with_hash else msgspec.UNSET)
