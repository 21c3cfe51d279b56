"""Response bodies of the REST API: one ``msgspec.Struct`` per shape, the only definition.

``services/views.py`` builds them from stored rows, the routes encode them with
msgspec, and ``/openapi.json`` describes them from these same classes
(``api/openapi.py``), so a field cannot be added to one and forgotten in the other.
Every field is always present (``null`` included), as the API has always answered.
Field order is the order on the wire.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .rest_cards import CARD_SHAPES, Card
from .server import ErrorBody, Event, UserEventFrame
from .shape import Shape, Timestamp


class ErrorResponse(Shape):
    """Every error answer of the API (the same body as the WebSocket ``error`` frame's ``error``)."""

    error: ErrorBody


class User(Shape):
    id: str
    username: str
    display_name: str
    title: str
    timezone: str
    locale: str
    status_text: str
    status_emoji: Annotated[str, msgspec.Meta(description="One emoji shown with the status text, or empty.")]
    role: Annotated[Literal["owner", "admin", "member", "guest"], msgspec.Meta(
        description="Organisation role; guests see only the conversations they were invited into.")]
    disabled: bool
    read_receipts: bool
    avatar: Annotated[str | None, msgspec.Meta(
        description="Version tag of the uploaded avatar (GET /users/{id}/avatar); null: none, show initials.")]
    created_at: Timestamp
    kind: Annotated[Literal["person", "assistant"], msgspec.Meta(
        description="A person, or the organisation's @axon assistant (it answers; it never signs in).")] = "person"
    # Left out (not null) for everyone but the user and admins, as the API has always answered.
    email: Annotated[str | None | msgspec.UnsetType, msgspec.Meta(description="Only to the user and to admins.")] = (
        msgspec.UNSET)
    two_factor: Annotated[bool | msgspec.UnsetType, msgspec.Meta(
        description="Two-factor authentication is on; only in the admin user list (GET /admin/users).")] = msgspec.UNSET


class Device(Shape):
    id: str
    name: str
    created_at: Timestamp
    last_seen_at: Timestamp
    revoked_at: Timestamp
    current: bool
    platform: Annotated[str, msgspec.Meta(
        description="Browser and system (or program) from the sign-in's User-Agent, e.g. \"Firefox 133 · Linux\".")]
    last_address: Annotated[str, msgspec.Meta(description="Client address of the last request or connection seen.")]
    status: Literal["active", "revoked", "wipe_pending", "wiped"]
    wipe_requested_at: Timestamp
    wiped_at: Annotated[str | None, msgspec.Meta(
        description="When the device confirmed it wiped its local data; null while the wipe is pending.")]


class Revoked(Shape):
    revoked: Annotated[int, msgspec.Meta(description="How many devices this revoked.")]


class OrgPolicy(Shape):
    """Who may do what in the organisation (``docs/security.md``, Permissions)."""

    create_public_channels: Literal["everyone", "admins"]
    create_private_groups: Literal["everyone", "admins"]
    invite_guests: Literal["everyone", "admins"]
    edit_window_minutes: Annotated[int | None, msgspec.Meta(description="null: no limit.")]
    delete_window_minutes: Annotated[int | None, msgspec.Meta(
        description="null: no limit. Conversation and organisation admins may always delete.")]
    members_delete_own: bool
    manage_integrations: Literal["everyone", "admins"]
    export: Literal["admins", "owners"]
    link_previews: Annotated[bool, msgspec.Meta(description="Previews of links in messages (default on).")] = True
    ai_event_suggestions: Annotated[bool, msgspec.Meta(description="AI helper: meeting times to calendar events.")] = (
        True)
    ai_smart_replies: Annotated[bool, msgspec.Meta(description="AI helper: smart reply suggestions.")] = True
    ai_translation: Annotated[bool, msgspec.Meta(description="AI helper: translation of messages.")] = True
    ai_assistant: Annotated[bool, msgspec.Meta(description="AI helper: the @axon assistant.")] = True
    max_file_bytes: Annotated[int, msgspec.Meta(description="The largest file members may upload (default 1 GiB).")] = (
        1024 ** 3)
    org_quota_bytes: Annotated[int | None, msgspec.Meta(description="Files of the organisation; null: unlimited.")] = (
        None)
    user_quota_bytes: Annotated[int | None, msgspec.Meta(description="Files of each user; null: unlimited.")] = None


class Modules(Shape):
    """Which feature modules are on; a module not yet built is always false."""

    public_channels: bool
    guests: bool
    message_editing: bool
    files: bool
    calls: bool
    integrations: bool
    ai_helpers: bool


class Org(Shape):
    id: str
    name: str
    slug: str
    signup_domains: list[str]
    created_at: Timestamp
    session_idle_days: Annotated[int, msgspec.Meta(
        description="A device not seen for this many days must sign in again (0: never).")] = 30
    session_max_days: Annotated[int, msgspec.Meta(
        description="A sign-in lasts at most this many days (0: no limit).")] = 90
    retention_days: Annotated[int, msgspec.Meta(
        description="Messages older than this many days are erased (0: kept for ever); conversations may "
                    "set their own, legal holds keep what they cover.")] = 0
    require_two_factor: Annotated[bool, msgspec.Meta(
        description="Every member signs in with a second factor; members without one enrol at sign-in.")] = False
    policy: OrgPolicy | None = None
    modules: Modules | None = None
    modules_available: Annotated[list[str], msgspec.Meta(
        description="The modules this server version has built (the others are announced, not yet usable).")] = []


class Session(Shape):
    token: Annotated[str, msgspec.Meta(description="Bearer token of the new device; shown only once.")]
    device: Device
    user: User
    org: Org


class LoginChallenge(Shape):
    """The right password, but the account needs one more step before it gets a session (202)."""

    status: Annotated[Literal["second_factor_required", "enrolment_required"], msgspec.Meta(
        description="second_factor_required: send a code to POST /auth/login/second-factor; enrolment_required: "
                    "the organisation requires 2FA, enrol with POST /auth/two-factor/enrol.")]
    challenge: Annotated[str, msgspec.Meta(description="Opaque, single use; give it to the next call.")]
    expires_at: Annotated[str, msgspec.Meta(description="When the challenge stops working (5 or 15 minutes).")]


class TotpEnrolment(Shape):
    """A new TOTP secret to add to an authenticator app; 2FA is on only once a code from it is confirmed."""

    secret: Annotated[str, msgspec.Meta(description="Base32, for typing into the app by hand.")]
    otpauth_uri: Annotated[str, msgspec.Meta(description="The otpauth:// link the QR code carries.")]
    qr_svg: Annotated[str, msgspec.Meta(description="The QR code of otpauth_uri, as an SVG document.")]


class RecoveryCodes(Shape):
    """Single-use codes for signing in without the phone; shown only in this answer (stored hashed)."""

    recovery_codes: list[str]


class EnrolledSession(Shape):
    """Enrolment completed at sign-in: the session, and the recovery codes (shown only here)."""

    session: Session
    recovery_codes: list[str]


class TwoFactorStatus(Shape):
    totp_enabled: bool
    enabled_at: Timestamp
    recovery_codes_left: Annotated[int, msgspec.Meta(ge=0)]
    required_by_org: bool


class SignupPending(Shape):
    """An open sign-up waiting for its e-mail confirmation: no account exists yet."""

    status: Annotated[str, msgspec.Meta(description='Always "confirmation_sent".')]
    email: Annotated[str, msgspec.Meta(description="Where the single-use confirmation link was sent.")]
    expires_at: Annotated[str, msgspec.Meta(description="When the link stops working.")]


class PasswordStrength(Shape):
    """How guessable a candidate password is, for a strength meter (nothing is stored)."""

    score: Annotated[int, msgspec.Meta(ge=0, le=4, description="0: guessed at once … 4: very unlikely.")]
    acceptable: Annotated[bool, msgspec.Meta(description="Would be accepted as a new password.")]
    warning: Annotated[str, msgspec.Meta(description="What makes it weak, in English (may be empty).")]
    suggestions: list[str]


class Invite(Shape):
    id: str
    created_by: str
    created_at: Timestamp
    expires_at: Timestamp
    max_uses: int | None
    uses: int
    revoked: bool
    role: Literal["member", "guest"] = "member"
    conversation_ids: Annotated[list[str], msgspec.Meta(
        description="A guest invite's conversations, which its guests join.")] = []
    token: Annotated[str | None, msgspec.Meta(description="Only in the response that created it.")] = None


class InviteInfo(Shape):
    org_name: str
    org: str
    valid: bool
    expires_at: Timestamp


class Conversation(Shape):
    id: str
    kind: Literal["direct", "group", "channel"]
    name: str
    topic: str
    archived: bool
    created_by: str
    created_at: Timestamp
    last_seq: int
    last_message_at: Timestamp
    member_count: int
    peer_id: Annotated[str | None, msgspec.Meta(description="The other member of a direct conversation.")]
    my_role: str | None
    read_seq: int
    unread_count: int
    mention_count: int
    joined: bool
    announcement: Annotated[bool, msgspec.Meta(
        description="Only the conversation's owners and admins post top-level messages.")] = False


class Member(Shape):
    user_id: str
    role: Literal["owner", "admin", "member", "read_only"]
    joined_seq: int


class Reaction(Shape):
    emoji: str
    count: int
    user_ids: list[str]


class Forwarded(Shape):
    """Where a forwarded message came from (readers may or may not be allowed to open it)."""

    conversation_id: str
    seq: int
    sender_id: str


class Thumb(Shape):
    width: int
    height: int


FileKindName = Literal["image", "video", "audio", "voice", "pdf", "file"]


class Attachment(Shape):
    """A file a message carries (``FileInfo`` without what the message already says)."""

    id: str
    name: Annotated[str, msgspec.Meta(description="Sanitised by the server (no path, controls or bidi overrides).")]
    size: int
    mime: Annotated[str, msgspec.Meta(description="Sniffed from the content, never the client's claim.")]
    kind: FileKindName
    width: int | None
    height: int | None
    duration_ms: int | None
    waveform: Annotated[list[int] | None, msgspec.Meta(description="64 peaks 0..255 (audio and voice).")]
    animated: bool
    thumbnail: Annotated[Thumb | None, msgspec.Meta(
        description="Size of GET /files/{id}/thumbnail; null when there is none.")]
    created_at: Timestamp
    # Left out (not null) everywhere but compliance exports, which list what each file was.
    sha256: Annotated[str | msgspec.UnsetType, msgspec.Meta(
        description="SHA-256 of the content (hex); only in compliance exports.")] = msgspec.UNSET


class FileInfo(Shape):
    id: str
    conversation_id: str
    message_id: Annotated[str | None, msgspec.Meta(description="null until a message attaches the file.")]
    uploader_id: str
    name: str
    size: int
    mime: str
    kind: FileKindName
    width: int | None
    height: int | None
    duration_ms: int | None
    waveform: list[int] | None
    animated: bool
    thumbnail: Thumb | None
    created_at: Timestamp


class Upload(Shape):
    """A resumable upload: PUT chunks at ``offset`` until it reaches ``size``; then ``file`` is set."""

    id: str
    conversation_id: str
    name: str
    size: int
    offset: Annotated[int, msgspec.Meta(description="Bytes received so far: the next chunk starts here.")]
    chunk_size: Annotated[int, msgspec.Meta(description="The most bytes one PUT may carry.")]
    expires_at: Timestamp
    file: FileInfo | None


class FileUrl(Shape):
    content: str
    thumbnail: str | None


class FileUrls(Shape):
    """Signed URLs (bound to the caller, valid until ``expires_at``) for elements that cannot send a token."""

    urls: dict[str, FileUrl]
    expires_at: Timestamp


class FilePage(Shape):
    items: list[FileInfo]
    next: Annotated[str | None, msgspec.Meta(description="Give as before= for the next (older) page.")]


class PlayedFiles(Shape):
    file_ids: list[str]


class UserFileUsage(Shape):
    user_id: str
    files: int
    bytes: int


class FileUsage(Shape):
    """Storage used by the organisation's files (sizes as uploaded; stored_bytes after dedupe)."""

    files_bytes: int
    stored_bytes: int
    stored_blobs: int
    max_file_bytes: int
    org_quota_bytes: int | None
    user_quota_bytes: int | None
    users: list[UserFileUsage]


class LinkPreviewImage(Shape):
    width: int
    height: int


class LinkPreview(Shape):
    """What the first link of a message shows, fetched by the server (``docs/files.md``, Link previews).
    The picture, if any, is our re-encoded copy at ``GET …/messages/{id}/preview-image``."""

    url: str
    title: str
    description: str
    site_name: str
    image: LinkPreviewImage | None


class Message(Shape):
    id: str
    conversation_id: str
    seq: int
    sender_id: str
    client_msg_id: str
    text: str
    reply_to: str | None
    reply_count: int
    last_reply_at: Timestamp
    mentions: list[str]
    mentions_all: bool
    reactions: list[Reaction]
    pinned: bool
    edited_at: Timestamp
    deleted: bool
    created_at: Timestamp
    forwarded: Annotated[Forwarded | None, msgspec.Meta(description="The source of a forwarded message.")] = None
    attachments: Annotated[list[Attachment], msgspec.Meta(description="The files the message carries.")] = []
    preview: Annotated[LinkPreview | None, msgspec.Meta(description="Preview of the first link, or null.")] = None
    card: Annotated[Card | None, msgspec.Meta(description="The card the message shows, or null.")] = None


class SendResult(Shape):
    message: Message
    duplicate: Annotated[bool, msgspec.Meta(description="True when this was a retry of a message already stored.")]


class MessagePage(Shape):
    items: list[Message]
    next_before_seq: int | None
    next_after_seq: Annotated[int | None, msgspec.Meta(
        description="Pass as after_seq for the next newer page; null when the page reaches the newest message.")] = None


class Thread(Shape):
    root: Message
    replies: list[Message]


class Receipts(Shape):
    message_id: str
    read_by: list[str]
    read_count: int
    delivered_to: list[str]
    delivered_count: int
    member_count: int
    recipient_count: int


def _frames_of(frame: type[msgspec.Struct]) -> Any:
    """``list[msgspec.Raw]`` documented as a list of ``frame``: the items are already-encoded frames."""
    ref = {"$ref": f"#/components/schemas/{frame.__name__}"}
    return list[Annotated[msgspec.Raw, msgspec.Meta(extra_json_schema=ref)]]


class EventPage(Shape):
    """A page of a conversation's event log: the same ``event`` frames live delivery sends."""

    last_seq: int
    next_after_seq: int | None
    items: _frames_of(Event)  # type: ignore[valid-type]


class UserEventPage(Shape):
    """A page of the caller's user-event log: the same ``user_event`` frames live delivery sends."""

    items: _frames_of(UserEventFrame)  # type: ignore[valid-type]


class UserPage(Shape):
    items: list[User]
    next_cursor: str | None


class ReadMarker(Shape):
    conversation_id: str
    read_seq: int


class Health(Shape):
    status: str


class ActivityDay(Shape):
    """What an organisation did on one UTC day (kept by the ``org_activity`` consumer of committed events)."""

    day: Annotated[str, msgspec.Meta(description="UTC day, YYYY-MM-DD.", examples=["2026-12-01"])]
    messages: Annotated[int, msgspec.Meta(description="Top-level messages sent that day.")]
    replies: Annotated[int, msgspec.Meta(description="Thread replies sent that day.")]
    reactions: Annotated[int, msgspec.Meta(description="Reactions added that day.")]
    joins: Annotated[int, msgspec.Meta(description="People who joined a conversation that day.")]


# Shapes that are referenced only through ``_frames_of`` are listed so their schemas are published.
class Preferences(Shape):
    """The user's sidebar preferences, the same on every device (``preferences.updated`` carries them)."""

    version: Annotated[int, msgspec.Meta(description="Grows by one per change; 0 until the first change.")]
    favourites: Annotated[list[str], msgspec.Meta(description="Starred conversation ids, in the user's order.")]
    collapsed: Annotated[list[Literal["favourites", "channels", "groups", "direct"]],
                         msgspec.Meta(description="Sidebar sections shown collapsed.")]
    unread_only: bool
    muted: Annotated[list[str], msgspec.Meta(description="Conversations without unread badges (mentions still count) "
                                                         "or desktop notifications.")]
    smart_replies: Annotated[bool, msgspec.Meta(description="Reply suggestions above the composer (default true).")]


class Draft(Shape):
    """Unsent text of the user in a conversation (or one of its threads), kept for every device."""

    conversation_id: str
    thread_root: Annotated[str | None, msgspec.Meta(description="The thread's root message; null for the "
                                                                "conversation itself.")]
    text: str
    updated_at: Timestamp


SHAPES: tuple[Any, ...] = (
    ErrorResponse, User, Device, Revoked, OrgPolicy, Modules, Org, Session, SignupPending, PasswordStrength, Invite,
    InviteInfo, Conversation, Member, Reaction, Message, SendResult, MessagePage, Thread, Receipts, EventPage,
    UserEventPage, UserPage, ReadMarker, Health, ActivityDay, Event, UserEventFrame, Preferences, Draft,
    LoginChallenge, TotpEnrolment, RecoveryCodes, EnrolledSession, TwoFactorStatus, Thumb, Attachment, FileInfo,
    Upload, FileUrl, FileUrls, FilePage, PlayedFiles, UserFileUsage, FileUsage, LinkPreviewImage, LinkPreview,
)


# --- search-index: an organisation's own words (GET/PUT /admin/search/words) ---


class SearchWords(Shape):
    """Words the Chinese segmenter keeps whole (product names, team jargon), sorted."""

    words: Annotated[list[str], msgspec.Meta(description="2–32 characters each (letters, digits, - _ . + #); "
                                                         "at most 500.")]


SHAPES += (SearchWords,)


SHAPES += CARD_SHAPES
