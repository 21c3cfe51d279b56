"""Plain records the rules work on. Loaded by the store, judged by the policy."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ConversationKind(StrEnum):
    DIRECT = "direct"
    GROUP = "group"  # private, invite only
    CHANNEL = "channel"  # public inside the organisation, anyone may join


class MemberRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    READ_ONLY = "read_only"  # reads and reacts, never posts


class UserKind(StrEnum):
    PERSON = "person"
    ASSISTANT = "assistant"  # the organisation's @axon: answers, never signs in (services/assistant_account.py)


class OrgRole(StrEnum):
    OWNER = "owner"  # an admin who also manages owners; every organisation keeps one
    ADMIN = "admin"
    MEMBER = "member"
    GUEST = "guest"  # sees only the conversations they were invited into


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: the authenticated user and the device the request came from."""

    user_id: str
    org_id: str
    device_id: str
    org_role: OrgRole = OrgRole.MEMBER

    @property
    def is_org_admin(self) -> bool:
        """Owners are admins too."""
        return self.org_role in (OrgRole.OWNER, OrgRole.ADMIN)

    @property
    def is_guest(self) -> bool:
        return self.org_role is OrgRole.GUEST


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    org_id: str
    kind: ConversationKind
    name: str
    topic: str
    archived: bool
    last_seq: int
    created_by: str
    created_at: int
    last_message_at: int | None = None
    announcement: bool = False  # only the conversation's owners and admins post top-level messages


@dataclass(frozen=True, slots=True)
class Membership:
    conversation_id: str
    user_id: str
    role: MemberRole
    read_seq: int = 0
    delivered_seq: int = 0
    joined_seq: int = 0
    has_draft: bool = False  # the member has a saved draft here (the send path clears it)

    @property
    def is_manager(self) -> bool:
        return self.role in (MemberRole.OWNER, MemberRole.ADMIN)
