"""Response bodies of the audit log, legal holds, retention and compliance exports (``docs/security.md``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .rest import Conversation, Device, Message, User
from .shape import Shape, Timestamp


class AuditEntry(Shape):
    """One entry of the organisation's audit log (``docs/security.md`` "Audit log")."""

    position: Annotated[int, msgspec.Meta(description="Place in the organisation's chain: 1, 2, 3… without gaps.")]
    created_at: Timestamp
    action: Annotated[str, msgspec.Meta(description="What happened, e.g. auth.login_failed, user.role_changed.")]
    actor_user_id: Annotated[str | None, msgspec.Meta(description="Who did it; null for the system, the shell or "
                                                                  "someone not signed in.")]
    actor_name: Annotated[str | None, msgspec.Meta(description="The actor's display name, when a user.")]
    actor_device_id: str | None
    actor_address: Annotated[str, msgspec.Meta(description="Client address, or shell / system.")]
    target_type: Annotated[str, msgspec.Meta(description="user, device, org, conversation, invite, email, login…")]
    target_id: str
    target_name: Annotated[str | None, msgspec.Meta(description="The target's display name, when a user.")]
    details: dict[str, Any]
    hash: Annotated[str, msgspec.Meta(description="SHA-256 chaining this entry to the previous one (hex).")]


class AuditPage(Shape):
    items: list[AuditEntry]
    next_before: Annotated[int | None, msgspec.Meta(
        description="Pass as before= for the next (older) page; null on the last page.")]


class LegalHold(Shape):
    """Keeps a conversation, or everything a user sent, from retention until released."""

    id: str
    target_type: Literal["conversation", "user"]
    target_id: str
    target_name: Annotated[str | None, msgspec.Meta(description="The conversation's or user's name.")]
    reason: str
    created_by: str | None
    created_at: Timestamp
    released_at: Annotated[str | None, msgspec.Meta(description="null while the hold is active.")]
    released_by: str | None


class ConversationRetention(Shape):
    conversation_id: str
    retention_days: Annotated[int | None, msgspec.Meta(
        description="null: the organisation's; 0: kept for ever; else days.")]
    effective_days: Annotated[int | None, msgspec.Meta(description="What applies (null: kept for ever).")]
    held: Annotated[bool, msgspec.Meta(description="A legal hold keeps the whole conversation.")]


class ExportedMember(Shape):
    user_id: str
    role: str
    joined_seq: int


class ConversationExport(Shape):
    """A compliance export of a conversation (streamed: ``messages`` oldest first, tombstones included)."""

    exported_at: Timestamp
    exported_by: str
    conversation: Conversation
    members: list[ExportedMember]
    messages: list[Message]


class UserExport(Shape):
    """A compliance export of a user's data: every message they sent, conversation by conversation."""

    exported_at: Timestamp
    exported_by: str
    user: User
    devices: list[Device]
    messages: list[Message]


AUDIT_SHAPES: tuple[Any, ...] = (
    AuditEntry, AuditPage, LegalHold, ConversationRetention, ExportedMember, ConversationExport, UserExport,
)
