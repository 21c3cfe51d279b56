"""Request and response bodies of the REST API, as pydantic models (they make /openapi.json)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ----------------------------------------------------------------------


class ErrorInfo(BaseModel):
    code: str = Field(description="Stable machine-readable code (see docs/protocol.md).", examples=["forbidden"])
    message: str = Field(description="Human-readable explanation.")
    details: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    error: ErrorInfo


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Invalid input", 401: "Not authenticated", 403: "Not allowed", 404: "Not found or not visible",
            409: "Conflict", 410: "Gone", 413: "Too large", 422: "Invalid input", 429: "Rate limited"}
    return {s: {"model": ErrorBody, "description": text[s]} for s in statuses}


# --- objects ---------------------------------------------------------------------


class User(BaseModel):
    id: str
    username: str
    display_name: str
    title: str
    timezone: str
    locale: str
    status_text: str
    role: Literal["admin", "member"]
    disabled: bool
    read_receipts: bool
    created_at: str | None
    email: str | None = None


class Device(BaseModel):
    id: str
    name: str
    created_at: str | None
    last_seen_at: str | None
    revoked_at: str | None
    current: bool


class Org(BaseModel):
    id: str
    name: str
    slug: str
    signup_domains: list[str]
    created_at: str | None


class Session(BaseModel):
    token: str = Field(description="Bearer token of the new device; shown only once.")
    device: Device
    user: User
    org: Org


class Invite(BaseModel):
    id: str
    created_by: str
    created_at: str | None
    expires_at: str | None
    max_uses: int | None
    uses: int
    revoked: bool
    token: str | None = Field(None, description="Only in the response that created it.")


class InviteInfo(BaseModel):
    org_name: str
    org: str
    valid: bool
    expires_at: str | None


class Conversation(BaseModel):
    id: str
    kind: Literal["direct", "group", "channel"]
    name: str
    topic: str
    archived: bool
    created_by: str
    created_at: str | None
    last_seq: int
    last_message_at: str | None
    member_count: int
    peer_id: str | None = Field(None, description="The other member of a direct conversation.")
    my_role: str | None
    read_seq: int
    unread_count: int
    mention_count: int
    joined: bool


class Member(BaseModel):
    user_id: str
    role: Literal["owner", "admin", "member"]
    joined_seq: int


class Reaction(BaseModel):
    emoji: str
    count: int
    user_ids: list[str]


class Message(BaseModel):
    id: str
    conversation_id: str
    seq: int
    sender_id: str
    client_msg_id: str
    text: str
    reply_to: str | None
    reply_count: int
    last_reply_at: str | None
    mentions: list[str]
    mentions_all: bool
    reactions: list[Reaction]
    pinned: bool
    edited_at: str | None
    deleted: bool
    created_at: str | None


class SendResult(BaseModel):
    message: Message
    duplicate: bool = Field(description="True when this was a retry of a message already stored.")


class MessagePage(BaseModel):
    items: list[Message]
    next_before_seq: int | None


class Thread(BaseModel):
    root: Message
    replies: list[Message]


class Receipts(BaseModel):
    message_id: str
    read_by: list[str]
    read_count: int
    delivered_to: list[str]
    delivered_count: int
    member_count: int
    recipient_count: int


class Event(BaseModel):
    t: Literal["event"] = "event"
    conv: str
    seq: int
    type: str
    at: str
    by: str | None
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[Event]
    last_seq: int
    next_after_seq: int | None


class UserEvent(BaseModel):
    t: Literal["user_event"] = "user_event"
    seq: int
    type: str
    at: str
    data: dict[str, Any]


class UserEventPage(BaseModel):
    items: list[UserEvent]


class UserPage(BaseModel):
    items: list[User]
    next_cursor: str | None


class ReadMarker(BaseModel):
    conversation_id: str
    read_seq: int


class Health(BaseModel):
    status: str


# --- requests --------------------------------------------------------------------


class LoginBody(Body):
    login: str = Field(description="Username or e-mail address.")
    password: str
    org: str | None = Field(None, description="Organisation slug; needed only if the login exists in several.")
    device_name: str = ""


class SignupBody(Body):
    invite_token: str | None = None
    org: str | None = None
    email: str | None = None
    username: str
    display_name: str
    password: str
    locale: Literal["en", "zh-CN"] | None = None
    device_name: str = ""


class ProfileBody(Body):
    display_name: str | None = None
    title: str | None = None
    timezone: str | None = None
    locale: Literal["en", "zh-CN"] | None = None
    status_text: str | None = None
    read_receipts: bool | None = None


class PasswordChangeBody(Body):
    old_password: str
    new_password: str


class PasswordResetBody(Body):
    password: str


class CreateConversationBody(Body):
    kind: Literal["group", "channel"]
    name: str
    topic: str = ""
    member_ids: list[str] = Field(default_factory=list, max_length=1000)


class DirectBody(Body):
    user_id: str


class UpdateConversationBody(Body):
    name: str | None = None
    topic: str | None = None


class AddMembersBody(Body):
    user_ids: list[str] = Field(min_length=1, max_length=1000)


class RoleBody(Body):
    role: Literal["owner", "admin", "member"]


class SendBody(Body):
    client_msg_id: str = Field(min_length=1, max_length=64, description="Idempotency key chosen by the client.")
    text: str
    reply_to: str | None = None


class EditBody(Body):
    text: str


class ReadBody(Body):
    seq: int = Field(ge=0)


class AdminCreateUserBody(Body):
    username: str
    display_name: str
    password: str
    email: str | None = None
    role: Literal["admin", "member"] = "member"
    locale: Literal["en", "zh-CN"] = "en"


class AdminUpdateUserBody(Body):
    disabled: bool | None = None
    role: Literal["admin", "member"] | None = None


class InviteBody(Body):
    max_uses: int | None = Field(None, ge=1, le=10_000)
    expires_in_hours: float | None = Field(None, gt=0, le=8760)


class OrgBody(Body):
    name: str | None = None
    signup_domains: list[str] | None = None


# --- organisation activity (admins) ---------------------------------------------


class ActivityDay(BaseModel):
    day: str = Field(description="UTC day, YYYY-MM-DD.", examples=["2026-12-01"])
    messages: int = Field(description="Top-level messages sent that day.")
    replies: int = Field(description="Thread replies sent that day.")
    reactions: int = Field(description="Reactions added that day.")
    joins: int = Field(description="People who joined a conversation that day.")
