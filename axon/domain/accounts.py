"""The fields of organisations and accounts: what a valid e-mail, slug, locale or profile is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zxcvbn import zxcvbn

from .content import validate_emoji, validate_name
from .errors import ValidationFailed

LOCALES = ("en", "zh-CN")
DAY_MS = 86_400_000
SESSION_IDLE_DAYS, SESSION_MAX_DAYS = 30, 90  # a new organisation's sign-in lifetimes (like the schema's defaults)
MIN_PASSWORD_LENGTH = 8
MIN_PASSWORD_SCORE = 2  # zxcvbn's 0–4 scale: 2 = "somewhat guessable", safe against throttled online guessing
MEASURED_PASSWORD_CHARS = 128  # zxcvbn's time grows with length; beyond this a password is long enough
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}$")


def validate_email(email: str | None) -> str | None:
    """An address is optional; when given it is stored trimmed and lower-cased."""
    if email is None or email == "":
        return None
    if not isinstance(email, str) or len(email) > 254 or not _EMAIL.match(email.strip()):
        raise ValidationFailed("email is not a valid address.", field="email")
    return email.strip().lower()


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[1]


def is_utf8(text: str) -> bool:
    """Whether the text can be encoded (JSON can carry unpaired surrogates, which no encoder takes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_password_strength(password: str, *personal: str | None) -> None:
    """A new password: long enough, and not guessable from the lists attackers try first.

    zxcvbn estimates the guesses an attacker needs, knowing the 30,000 most common passwords,
    English words and names, keyboard patterns, dates, l33t spellings and the account's own
    ``personal`` words (login, name, e-mail); below score 2 (about 10⁶ guesses: "password",
    "12345678", "Password1", "iloveyou1", "admin123456") the password is refused with its advice.
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"password must have at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    if len(password) > 1024:
        raise ValidationFailed("password is too long.", field="password")
    if not is_utf8(password):  # a lone "\ud800" escape: no hasher can encode it
        raise ValidationFailed("password must be text (it holds an unpaired surrogate).", field="password")
    strength = password_strength(password, *personal)
    if not strength.acceptable:
        advice = " ".join(filter(None, [strength.warning, *strength.suggestions]))
        raise ValidationFailed(f"This password is too easy to guess. {advice}".strip(), code="weak_password",
                               field="password", score=strength.score)


@dataclass(frozen=True, slots=True)
class PasswordStrength:
    score: int  # zxcvbn's 0 (guessed at once) to 4 (very unlikely to be guessed)
    acceptable: bool  # long enough and at least MIN_PASSWORD_SCORE
    warning: str
    suggestions: list[str]


def password_strength(password: str, *personal: str | None) -> PasswordStrength:
    """How guessable a password is (for the strength meter, and the rule above)."""
    if not password:  # zxcvbn fails on the empty string
        return PasswordStrength(0, False, "", [])
    estimate = zxcvbn(password[:MEASURED_PASSWORD_CHARS], user_inputs=[p for p in personal if p])
    feedback = estimate["feedback"]
    score = int(estimate["score"])
    acceptable = MIN_PASSWORD_LENGTH <= len(password) <= 1024 and score >= MIN_PASSWORD_SCORE
    return PasswordStrength(score, acceptable, feedback.get("warning") or "", list(feedback.get("suggestions") or []))


def validate_session_days(days: Any, field: str) -> int:
    """A session lifetime in days: 0 (no limit) to ten years."""
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3650:
        raise ValidationFailed(f"{field} must be a whole number of days from 0 (no limit) to 3650.", field=field)
    return days


def session_expires_at(created_at: int, last_seen_at: int | None, idle_days: int, max_days: int) -> int | None:
    """When a device's sign-in ends (ms): ``idle_days`` after it was last seen or ``max_days`` after it
    began, whichever comes first; None when neither limit is set."""
    ends = []
    if idle_days:
        ends.append(max(created_at, last_seen_at or 0) + idle_days * DAY_MS)
    if max_days:
        ends.append(created_at + max_days * DAY_MS)
    return min(ends) if ends else None


def slugify(name: str) -> str:
    """The organisation's name as a URL segment: lower-case ASCII words joined by '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:48] or "team"


def validate_locale(locale: Any) -> str:
    if locale not in LOCALES:
        raise ValidationFailed(f"locale must be one of {', '.join(LOCALES)}.", field="locale")
    return str(locale)


def validate_signup_domains(domains: list[str]) -> str:
    """The domains whose addresses may sign up without an invite, stored as one sorted, comma-joined text."""
    cleaned = [d.strip().lower().lstrip("@") for d in domains if d.strip()]
    if any(not _DOMAIN.match(d) for d in cleaned):
        raise ValidationFailed("signup_domains must be domain names like example.com.", field="signup_domains")
    return ",".join(sorted(set(cleaned)))


def profile_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The validated values of a profile update; fields given as None are left unchanged."""
    values: dict[str, Any] = {}
    for field in ("display_name", "title", "status_text"):
        if changes.get(field) is not None:
            values[field] = (validate_name(changes[field], field, 200) if field == "display_name"
                             else _short(changes[field], field))
    if changes.get("timezone") is not None:
        values["timezone"] = _timezone(changes["timezone"])
    if changes.get("status_emoji") is not None:
        values["status_emoji"] = _status_emoji(changes["status_emoji"])
    if changes.get("locale") is not None:
        values["locale"] = validate_locale(changes["locale"])
    if changes.get("read_receipts") is not None:
        values["read_receipts"] = bool(changes["read_receipts"])
    return values


def _short(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise ValidationFailed(f"{field} must be a string of at most 200 characters.", field=field)
    return " ".join(value.split())


def _status_emoji(value: Any) -> str:
    """One emoji (or empty, to clear it): the same short token a reaction is."""
    if value == "":
        return ""
    try:
        return validate_emoji(value)
    except ValidationFailed as exc:
        raise ValidationFailed("status_emoji must be one emoji (at most 32 characters) or empty.",
                               field="status_emoji") from exc


def _timezone(value: Any) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValidationFailed("timezone must be an IANA name such as Asia/Shanghai.", field="timezone") from exc
    return str(value)
