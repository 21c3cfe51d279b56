"""Second factors as pure rules: TOTP codes (RFC 6238) and single-use recovery codes.

A TOTP code is valid for the 30-second step it was made in and, for clocks that drift, the step
before and the step after. Each account remembers the last step a code was accepted for, and a
code is accepted only for a later step: a code seen over someone's shoulder (or replayed by a
proxy) is worth nothing once used, even within its 90 seconds.

Recovery codes are 50 random bits each ("k7m2q-x9d4a"): too many to guess through the per-account
rate limit, so a plain SHA-256 (not a slow password hash) is the right way to store them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote

import pyotp

STEP_SECONDS = 30
DRIFT_STEPS = 1  # one step either side of the server's: phones whose clocks are up to 30 s off
DIGITS = 6
RECOVERY_CODES = 10
CHALLENGE_SECONDS = 300  # the time between a right password and its second factor
ENROLMENT_CHALLENGE_SECONDS = 900  # a member sent to enrolment needs to install an app first
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read from paper, typed by hand


def new_totp_secret() -> str:
    """160 random bits in base32, as RFC 4226 recommends and authenticator apps expect."""
    return pyotp.random_base32(32)


def totp_step(now_ms: int) -> int:
    return now_ms // 1000 // STEP_SECONDS


def totp_code(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def is_totp_shaped(code: str) -> bool:
    digits = code.replace(" ", "")
    return len(digits) == DIGITS and digits.isascii() and digits.isdigit()


def accepted_step(secret: str, code: str, now_ms: int, last_used_step: int | None) -> int | None:
    """The step ``code`` belongs to, if it is right for now (± drift) and later than the last one used."""
    if not is_totp_shaped(code):
        return None
    typed = code.replace(" ", "")
    current = totp_step(now_ms)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(totp_code(secret, step), typed):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` link a QR code carries (the Key Uri Format authenticator apps read)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    return (f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer, safe='')}"
            f"&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}")


def new_recovery_codes() -> list[str]:
    return [_recovery_code() for _ in range(RECOVERY_CODES)]


def _recovery_code() -> str:
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def normalise_recovery_code(code: str) -> str:
    """What a person types, as stored: case, spaces and the dash do not matter."""
    bare = "".join(ch for ch in code.lower() if ch.isalnum())
    return f"{bare[:5]}-{bare[5:]}" if len(bare) == 10 else bare


def recovery_code_hash(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SecondFactorState:
    """What a sign-in needs after the password: nothing, a code, or enrolment first."""

    totp_enabled: bool
    required_by_org: bool

    @property
    def next_step(self) -> str | None:
        if self.totp_enabled:
            return "second_factor_required"
        if self.required_by_org:
            return "enrolment_required"
        return None
