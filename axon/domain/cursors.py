"""Opaque page cursors: what a client hands back to get the next page.

A cursor is the sort key of the last item served, base64url-encoded so that
clients treat it as a token, not as something to build or edit.
"""

from __future__ import annotations

import base64
import binascii

from .errors import ValidationFailed

_SEPARATOR = "\x1f"  # a control character: validate_name keeps it out of display names


def encode_directory_cursor(display_name: str, user_id: str) -> str:
    """The member directory is ordered by (display name, id): the cursor is that pair of the last user."""
    return base64.urlsafe_b64encode(f"{display_name}{_SEPARATOR}{user_id}".encode()).decode()


def decode_directory_cursor(cursor: str | None) -> tuple[str, str] | None:
    """The (display name, id) to continue after; None for the first page."""
    if not cursor:
        return None
    try:
        # Split at the last separator: ids never contain it, so any display name survives.
        name, user_id = base64.urlsafe_b64decode(cursor.encode()).decode().rsplit(_SEPARATOR, 1)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed("cursor is not valid.", field="cursor") from exc
    return name, user_id
