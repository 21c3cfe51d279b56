"""The one error tree of Axon.

    AxonError                      every error a user can be shown; has a stable ``code``
    ├── BadRequest (400)           malformed or invalid input
    │   ├── ValidationFailed       a field is missing, of the wrong type or out of range
    │   ├── MessageTooLarge        text over the configured limit
    │   └── ImageTooLarge          an upload over its byte or pixel limit
    ├── Unauthenticated (401)      no token, bad token, revoked device, wrong password
    ├── Forbidden (403)            authenticated, but the policy says no
    ├── NotFound (404)             does not exist *or* is not visible to the caller
    ├── Conflict (409)             state conflict, e.g. an idempotency key reused with other content
    ├── Gone (410)                 expired or used-up invite
    ├── RateLimited (429)          too many attempts; ``retry_after`` seconds
    ├── SealBroken (500)           a value sealed at rest failed its integrity check (``domain.sealing``)
    ├── Unavailable (503)          a service Axon depends on (e.g. the SMTP server) failed
    ├── EndpointFailed (502)       an admin-configured AI endpoint failed or answered nonsense
    └── EndpointTimeout (504)      an admin-configured AI endpoint did not answer in time

Each class maps to an HTTP status and to the ``error.code`` of a WebSocket error
frame in exactly one place (``status`` and ``code`` here). Services raise these;
the API and the gateway only translate them.
"""

from __future__ import annotations

import math
from typing import Any


class AxonError(Exception):
    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class BadRequest(AxonError):
    status = 400
    code = "bad_request"


class ValidationFailed(BadRequest):
    code = "validation_failed"


class MessageTooLarge(BadRequest):
    status = 413
    code = "message_too_large"


class ImageTooLarge(BadRequest):
    status = 413
    code = "image_too_large"


class Unauthenticated(AxonError):
    status = 401
    code = "unauthenticated"


class Forbidden(AxonError):
    status = 403
    code = "forbidden"


class NotFound(AxonError):
    status = 404
    code = "not_found"


class Conflict(AxonError):
    status = 409
    code = "conflict"


class Gone(AxonError):
    status = 410
    code = "gone"


class Unavailable(AxonError):
    status = 503
    code = "unavailable"


class EndpointFailed(AxonError):
    status = 502
    code = "ai_endpoint_failed"


class EndpointTimeout(AxonError):
    status = 504
    code = "ai_endpoint_timeout"


class RateLimited(AxonError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float) -> None:
        # Rounded up: an advertised wait must never be shorter than the real one.
        super().__init__(message, retry_after=math.ceil(retry_after * 1000) / 1000)
        self.retry_after = retry_after


ERROR_CODES: dict[str, str] = {
    "bad_request": "The request could not be understood.",
    "validation_failed": "A field is missing, has the wrong type or is out of range.",
    "message_too_large": "The text is longer than the server allows.",
    "body_too_large": "The request body is larger than the route accepts.",
    "weak_password": "The new password is common or easy to guess.",
    "unauthenticated": "No valid token: log in again.",
    "forbidden": "You may not do this.",
    "archived": "The conversation is archived (read-only).",
    "last_admin": "The organisation's last admin cannot be demoted.",
    "last_owner": "The organisation's last owner cannot be demoted or disabled.",
    "module_disabled": "The feature's module is switched off for the organisation.",
    "read_only": "A read-only member may read and react, not post.",
    "announcement_only": "Only the channel's owners and admins post top-level messages in an announcement channel.",
    "window_closed": "The organisation's time limit for editing or deleting the message has passed.",
    "invalid_credentials": "Wrong login or password.",
    "account_disabled": "The account is disabled.",
    "wipe_requested": "This device was ordered to wipe its local data: wipe it, then confirm with POST /auth/wiped.",
    "no_wipe_pending": "No wipe was ordered for this device.",
    "already_wiped": "The device already wiped its data.",
    "invalid_code": "The two-factor code is wrong, expired or already used.",
    "challenge_invalid": "The sign-in challenge expired or was used: sign in again with the password.",
    "two_factor_enabled": "Two-factor authentication is already on.",
    "two_factor_not_enabled": "Two-factor authentication is not on.",
    "two_factor_required": "The organisation requires two-factor authentication: it cannot be turned off.",
    "two_factor_enrol_first": "Turn on two-factor authentication for yourself before requiring it.",
    "enrolment_not_started": "Start two-factor enrolment first (or again: it was restarted).",
    "signup_not_allowed": "Sign-up needs an invite or an allowed e-mail domain.",
    "not_found": "It does not exist or you cannot see it.",
    "conflict": "The request conflicts with the current state.",
    "idempotency_key_reused": "The client_msg_id was already used for a different message.",
    "file_too_large": "The file is larger than the organisation allows (details.limit).",
    "quota_exceeded": "The upload would exceed the organisation's or the user's storage quota.",
    "upload_offset_mismatch": "The chunk does not start at the upload's offset (details.offset): continue from there.",
    "upload_incomplete": "The upload has not received all its bytes yet (details.offset).",
    "range_not_satisfiable": "The Range asked for is outside the file.",
    "media_refused": "The content was refused: an image over the pixel limit, a voice message that is not audio.",
    "event_cancelled": "The calendar event was cancelled: it takes no more changes or answers.",
    "proposal_closed": "The assistant's proposal was already confirmed or dismissed the other way.",
    "version_conflict": "The preferences changed since base_version; the current ones are in details.",
    "gone": "The invite has expired or was used up.",
    "confirmation_invalid": "The e-mail confirmation link is unknown, used or expired.",
    "email_not_configured": "Open sign-up needs the server to send e-mail (SMTP and a public URL).",
    "unavailable": "A service the server depends on failed; try again later.",
    "email_unavailable": "The e-mail could not be sent; try again later.",
    "rate_limited": "Too many requests; retry after the given number of seconds.",
    "sso_unavailable": "The directory or identity provider could not be reached; try again later.",
    "sso_state_invalid": "The single sign-on attempt is unknown, expired, used, or from another browser.",
    "sso_rejected": "The identity provider did not sign the person in.",
    "sso_token_invalid": "The identity provider's ID token failed verification (signature, issuer, audience, expiry).",
    "sso_nonce_mismatch": "The ID token was issued for another sign-in (nonce).",
    "sso_email_not_allowed": "The provider's e-mail address is unverified or of a domain that may not sign in.",
    "sso_no_account": "No account has this e-mail address and accounts are not created at sign-in.",
    "sso_no_access": "The directory account is not in the group that may use the organisation.",
    "sso_not_configured": "Single sign-on cannot be required before a provider is on.",
    "public_url_required": "OpenID Connect needs the server's public URL (AXON_PUBLIC_URL).",
    "ldap_not_enabled": "The organisation has no LDAP directory turned on.",
    "sync_running": "A directory sync is already running.",
    "unknown_frame": "The WebSocket frame type is not known.",
    "invalid_frame": "The WebSocket frame is not valid JSON or misses fields.",
    "frame_too_large": "The WebSocket frame is larger than the server accepts.",
    "not_ready": "The session has not completed its hello.",
    "stored_data_tampered": "Stored data failed its integrity check (altered or moved in the database).",
    "internal_error": "The server failed; the request was not applied.",
    # AI helpers (docs/ai.md)
    "ai_endpoint_failed": "The organisation's AI endpoint failed or gave an answer that is not one.",
    "ai_endpoint_timeout": "The organisation's AI endpoint did not answer in time.",
    "translation_unsupported": "The translation provider cannot translate between these languages.",
    "nothing_to_translate": "The message has no text to translate.",
}
