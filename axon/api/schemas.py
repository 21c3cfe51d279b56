"""Request bodies of the REST API, as pydantic models (FastAPI validates them and describes them in /openapi.json).

Response bodies are the msgspec shapes of ``protocol/rest.py``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        """No text Axon takes contains U+0000: PostgreSQL cannot store it, and no person types it."""
        if _holds_nul(data):
            raise ValueError("text must not contain NUL (U+0000) characters")
        return data


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


# --- requests --------------------------------------------------------------------


class LoginBody(Body):
    login: str = Field(description="Username or e-mail address.")
    password: str
    org: str | None = Field(None, description="Organisation slug; needed only if the login exists in several.")
    device_name: str = ""


class SecondFactorBody(Body):
    challenge: str = Field(min_length=1, max_length=200, description="From the 202 answer of POST /auth/login.")
    code: str = Field(min_length=1, max_length=64, description="A 6-digit TOTP code or an unused recovery code.")
    device_name: str = ""


class EnrolChallengeBody(Body):
    challenge: str = Field(min_length=1, max_length=200, description="From the 202 enrolment_required answer.")


class EnrolConfirmChallengeBody(Body):
    challenge: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=64, description="A 6-digit code from the newly added app.")
    device_name: str = ""


class TotpCodeBody(Body):
    code: str = Field(min_length=1, max_length=64, description="A 6-digit code from the authenticator app.")


class PasswordConfirmBody(Body):
    password: str = Field(max_length=1024)


class DisableTwoFactorBody(Body):
    password: str = Field(max_length=1024)
    code: str = Field(min_length=1, max_length=64, description="A TOTP code or an unused recovery code.")


class SignupBody(Body):
    invite_token: str | None = None
    org: str | None = None
    email: str | None = None
    username: str
    display_name: str
    password: str
    locale: Literal["en", "zh-CN"] | None = None
    device_name: str = ""


class PasswordCheckBody(Body):
    password: str = Field(max_length=1024)
    username: str | None = Field(None, max_length=64)
    display_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)


class ConfirmEmailBody(Body):
    token: str = Field(min_length=1, max_length=200, description="The token of the mailed confirmation link.")
    device_name: str = ""


class ProfileBody(Body):
    display_name: str | None = None
    title: str | None = None
    timezone: str | None = None
    locale: Literal["en", "zh-CN"] | None = None
    status_text: str | None = None
    status_emoji: str | None = None
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
    announcement: StrictBool | None = Field(
        None, description="Only the conversation's owners and admins post top-level messages (owners and admins).")


class AddMembersBody(Body):
    user_ids: list[str] = Field(min_length=1, max_length=1000)


class RoleBody(Body):
    role: Literal["owner", "admin", "member", "read_only"]


class ForwardOfBody(Body):
    conversation_id: str
    seq: int = Field(ge=1)


class SendBody(Body):
    client_msg_id: str = Field(min_length=1, max_length=64, description="Idempotency key chosen by the client.")
    text: str = Field("", description="Required, except with forward_of or attachments (then may be empty).")
    attachments: list[str] = Field([], max_length=10, description="Ids of files the sender uploaded into this "
                                    "conversation and not yet attached (at most 10).")
    reply_to: str | None = None
    forward_of: ForwardOfBody | None = Field(None, description="Forward that message: its text is copied.")
    preview: StrictBool = Field(True, description="false: no link preview for this message.")


class EditBody(Body):
    text: str


class ReadBody(Body):
    seq: int = Field(ge=0)


class AdminCreateUserBody(Body):
    username: str
    display_name: str
    password: str
    email: str | None = None
    role: Literal["admin", "member", "guest"] = "member"
    locale: Literal["en", "zh-CN"] = "en"


class AdminUpdateUserBody(Body):
    disabled: bool | None = None
    role: Literal["owner", "admin", "member", "guest"] | None = Field(
        None, description="Only owners make or unmake owners.")


class InviteBody(Body):
    max_uses: int | None = Field(None, ge=1, le=10_000)
    expires_in_hours: float | None = Field(None, gt=0, le=8760)


class OrgBody(Body):
    name: str | None = None
    signup_domains: list[str] | None = None
    session_idle_days: int | None = Field(None, ge=0, le=3650, description="0: never expire for inactivity.")
    session_max_days: int | None = Field(None, ge=0, le=3650, description="0: no maximum age.")
    retention_days: int | None = Field(None, ge=0, le=36500, description="Erase messages older than this many "
                                       "days (0: keep for ever).")
    require_two_factor: StrictBool | None = Field(
        None, description="Turning it on signs out every member without 2FA (you need 2FA yourself first).")



class GuestInviteBody(Body):
    conversation_ids: list[str] = Field(min_length=1, max_length=50,
                                        description="The conversations the guests join (the inviter's own).")
    max_uses: int | None = Field(None, ge=1, le=10_000)
    expires_in_hours: float | None = Field(None, gt=0, le=8760)


Window = int | None


class PolicyBody(Body):
    """The policy settings to change (those left out stay as they are)."""

    create_public_channels: Literal["everyone", "admins"] | None = None
    create_private_groups: Literal["everyone", "admins"] | None = None
    invite_guests: Literal["everyone", "admins"] | None = None
    edit_window_minutes: Window = Field(None, ge=1, le=525_600, description="null: no limit.")
    delete_window_minutes: Window = Field(None, ge=1, le=525_600, description="null: no limit.")
    members_delete_own: StrictBool | None = None
    manage_integrations: Literal["everyone", "admins"] | None = None
    export: Literal["admins", "owners"] | None = None
    link_previews: StrictBool | None = None
    ai_event_suggestions: StrictBool | None = None
    ai_smart_replies: StrictBool | None = None
    ai_translation: StrictBool | None = None
    ai_assistant: StrictBool | None = None
    max_file_bytes: StrictInt | None = Field(None, ge=1, description="The largest file members may upload.")
    org_quota_bytes: StrictInt | None = Field(None, ge=1, description="null: unlimited.")
    user_quota_bytes: StrictInt | None = Field(None, ge=1, description="null: unlimited.")

    def changes(self) -> dict[str, Any]:
        """The fields the request gave: a window or quota given as null means "no limit", others as null
        change nothing."""
        given = {name: getattr(self, name) for name in self.model_fields_set}
        return {k: v for k, v in given.items()
                if v is not None or k.endswith("_window_minutes") or k.endswith("_quota_bytes")}


class ModulesBody(Body):
    """Modules to switch on or off; modules not yet built can only be off."""

    public_channels: StrictBool | None = None
    guests: StrictBool | None = None
    message_editing: StrictBool | None = None
    files: StrictBool | None = None
    calls: StrictBool | None = None
    integrations: StrictBool | None = None
    ai_helpers: StrictBool | None = None

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set if getattr(self, name) is not None}


class DefaultChannelsBody(Body):
    channel_ids: list[str] = Field(description="Public channels of the organisation, in the order shown; [] for none.")


class PreferencesBody(Body):
    """The fields to change, and the version they were based on (a stale one answers 409 ``version_conflict``)."""

    base_version: int = Field(ge=0, description="The `version` the client last saw.")
    favourites: list[str] | None = Field(None, description="Starred conversation ids, in order (at most 200).")
    collapsed: list[Literal["favourites", "channels", "groups", "direct"]] | None = None
    unread_only: StrictBool | None = None
    muted: list[str] | None = Field(None, description="Muted conversation ids (at most 1000).")
    smart_replies: StrictBool | None = Field(None, description="Reply suggestions above the composer.")


class DraftBody(Body):
    text: str = Field(description="The unsent text (same limit as a message); empty clears the draft.")
    thread_root: str | None = Field(None, description="The thread's root message, for a draft of a reply.")


class ConversationRetentionBody(Body):
    retention_days: int | None = Field(description="null: the organisation's; 0: keep for ever; else days.",
                                       ge=0, le=36500)


class LegalHoldBody(Body):
    target_type: Literal["conversation", "user"]
    target_id: str = Field(max_length=32)
    reason: str = Field("", max_length=500)
# --- single sign-on ----------------------------------------------------------------------


class LdapSettingsBody(Body):
    """``bind_password`` left out (or null) keeps the stored one."""

    enabled: StrictBool = False
    url: str = Field(max_length=500)
    security: Literal["none", "starttls", "ldaps"] = "starttls"
    bind_dn: str = Field("", max_length=1000)
    bind_password: str | None = Field(None, max_length=1000)
    user_base_dn: str = Field(max_length=1000)
    user_filter: str = Field("(objectClass=inetOrgPerson)", max_length=1000)
    login_attribute: str = Field("uid", max_length=64)
    email_attribute: str = Field("mail", max_length=64)
    name_attribute: str = Field("cn", max_length=64)
    access_group_dn: str = Field("", max_length=1000)
    admin_group_dn: str = Field("", max_length=1000)
    sync_interval_minutes: int = Field(60, ge=5, le=10080)


class OidcSettingsBody(Body):
    """``client_secret`` left out (or null) keeps the stored one."""

    enabled: StrictBool = False
    issuer: str = Field(max_length=500)
    client_id: str = Field(max_length=500)
    client_secret: str | None = Field(None, max_length=1000)
    display_name: str = Field("", max_length=100)
    allowed_domains: list[str] = Field(default_factory=list, max_length=50)
    auto_create: StrictBool = True


class SsoPolicyBody(Body):
    sso_required: StrictBool


class OidcStartBody(Body):
    org: str = Field(max_length=64)
    binding: str = Field(min_length=32, max_length=128, description="A random secret the browser keeps until "
                         "/auth/oidc/finish: only the browser that started may finish.")


class OidcFinishBody(Body):
    state: str = Field(max_length=128)
    binding: str = Field(max_length=128)
    device_name: str = Field("", max_length=200)


class UploadBody(Body):
    name: str = Field(max_length=4096, description="The file's name (sanitised by the server).")
    size: StrictInt = Field(ge=0, description="Bytes the upload will carry (0: an empty file).")
    mime: str | None = Field(None, max_length=255, description="What the client believes it is: a hint only.")
    voice: StrictBool = Field(False, description="A recorded voice message (must be audio).")


class FileUrlsBody(Body):
    ids: list[str] = Field(max_length=200, description="File ids (at most 200); those the caller cannot read "
                                                       "are left out of the answer.")


# --- calendar (docs/calendar.md: the limits are checked by ``domain/calendar.py``) ---------------


class CalendarEventChangeBody(Body):
    """The fields of an event to change (organiser only); a new start or end asks attendees again."""

    title: str | None = Field(None, description="1..200 characters.")
    start: str | None = Field(None, description="ISO 8601 with a zone, e.g. 2026-12-08T14:00:00.000Z.")
    end: str | None = Field(None, description="After start; at most 7 days later.")
    time_zone: str | None = Field(None, description="IANA time zone the event is planned in.")
    description: str | None = Field(None, description="At most 5,000 characters.")
    location: str | None = Field(None, description="At most 500 characters.")
    attendees: list[str] | None = Field(None, description="User ids (at most 200); the organiser always attends.")
    source_message_id: str | None = Field(None, description="The message the event came from (in its conversation).")
    reminders_minutes: list[StrictInt] | None = Field(
        None, description="Minutes before the start (at most 5, each 0..10080); default [10].")


class CalendarEventBody(CalendarEventChangeBody):
    conversation_id: str | None = Field(None, description="Post the event's card there (the organiser must be able "
                                        "to post).")


class CalendarResponseBody(Body):
    response: str = Field(description="accepted, declined or tentative.")
# --- AI helpers: endpoints and translation (ai-translate) ----------------------------------------


class AiEndpointBody(Body):
    url: str | None = Field(None, max_length=500, description="Base URL: https://, or http:// to this machine.")
    model: str = Field("", max_length=200)
    api_key: str | None = Field(None, max_length=1000, description="Left out or null keeps the stored key; "
                                "\"\" forgets it. Never returned.")
    timeout_seconds: float = Field(15.0, ge=0.1, le=120)


class AiSettingsBody(Body):
    translation_provider: Literal["gloss", "libretranslate", "openai"] = "gloss"
    chat_endpoint: AiEndpointBody = Field(default_factory=AiEndpointBody)
    translation_endpoint: AiEndpointBody = Field(default_factory=AiEndpointBody)


class TranslateBody(Body):
    target: str | None = Field(None, max_length=16, description="A language code such as en or zh-CN "
                               "(default: the reader's language).")
