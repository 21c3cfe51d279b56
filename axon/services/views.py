"""How stored rows are shown to clients (REST bodies and event payloads alike)."""

from __future__ import annotations

from typing import Any

from ..domain.clock import iso_from_ms
from ..protocol.codec import decode

Row = dict[str, Any]


def user_view(row: Row, *, private: bool = False) -> Row:
    view = {
        "id": row["id"],
        "username": row["username"],
        "display_name": row["display_name"],
        "title": row["title"],
        "timezone": row["timezone"],
        "locale": row["locale"],
        "status_text": row["status_text"],
        "role": row["org_role"],
        "disabled": bool(row["disabled"]),
        "read_receipts": bool(row["read_receipts"]),
        "created_at": iso_from_ms(row["created_at"]),
    }
    if private:
        view["email"] = row["email"]
    return view


def device_view(row: Row, current_device_id: str | None = None) -> Row:
    return {
        "id": row["id"],
        "name": row["name"],
        "created_at": iso_from_ms(row["created_at"]),
        "last_seen_at": iso_from_ms(row["last_seen_at"]),
        "revoked_at": iso_from_ms(row["revoked_at"]),
        "current": row["id"] == current_device_id,
    }


def org_view(row: Row) -> Row:
    return {
        "id": row["id"],
        "name": row["name"],
        "slug": row["slug"],
        "signup_domains": [d for d in row["signup_domains"].split(",") if d],
        "created_at": iso_from_ms(row["created_at"]),
    }


def invite_view(row: Row) -> Row:
    return {
        "id": row["id"],
        "created_by": row["created_by"],
        "created_at": iso_from_ms(row["created_at"]),
        "expires_at": iso_from_ms(row["expires_at"]),
        "max_uses": row["max_uses"],
        "uses": row["uses"],
        "revoked": row["revoked_at"] is not None,
    }


def conversation_view(row: Row, *, peer_id: str | None = None) -> Row:
    """A conversation; membership fields are present when ``row`` came with the caller's membership."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "name": row["name"],
        "topic": row["topic"],
        "archived": bool(row["archived"]),
        "created_by": row["created_by"],
        "created_at": iso_from_ms(row["created_at"]),
        "last_seq": int(row["last_seq"]),
        "last_message_at": iso_from_ms(row["last_message_at"]),
        "member_count": int(row["member_count"]),
        "peer_id": peer_id,
        "my_role": row.get("my_role"),
        "read_seq": int(row.get("read_seq") or 0),
        "unread_count": int(row.get("unread_count") or 0),
        "mention_count": int(row.get("mention_count") or 0),
        "joined": bool(row.get("joined", False)),
    }


def message_view(row: Row, reactions: list[Row] | None = None) -> Row:
    deleted = row["deleted_at"] is not None
    return {
        "id": row["id"],
        "conversation_id": row["conversation_id"],
        "seq": int(row["seq"]),
        "sender_id": row["sender_id"],
        "client_msg_id": row["client_msg_id"],
        "text": "" if deleted else row["text"],
        "reply_to": row["reply_to"],
        "reply_count": int(row["reply_count"]),
        "last_reply_at": iso_from_ms(row["last_reply_at"]),
        "mentions": [] if deleted else decode(row["mentions"]),
        "mentions_all": False if deleted else bool(row["mentions_all"]),
        "reactions": [] if deleted else (reactions or []),
        "pinned": row["pinned_at"] is not None and not deleted,
        "edited_at": iso_from_ms(row["edited_at"]),
        "deleted": deleted,
        "created_at": iso_from_ms(row["created_at"]),
    }
