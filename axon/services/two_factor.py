"""Two-factor authentication: TOTP enrolment, recovery codes, checking a second factor, admin reset.

The rules (code windows, replay, code formats) are in ``domain/two_factor.py``; this module
stores and checks. Codes are limited per account: a second factor is only asked for after the
right password, and a few wrong codes lock the account's code checks for minutes, so the
million TOTP codes cannot be walked through.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any, NoReturn

import segno

from ..domain import audit as actions
from ..domain import policy
from ..domain import two_factor as rules
from ..domain.audit import AuditActor, AuditEvent
from ..domain.clock import iso_from_ms
from ..domain.errors import Conflict, Forbidden, NotFound, RateLimited, Unauthenticated, ValidationFailed
from ..domain.ids import new_token
from ..domain.model import Actor
from ..domain.ratelimit import RateLimiter
from ..store import accounts
from ..store import two_factor as store
from ..store.tx import Tx
from .core import Core
from .passwords import Passwords, token_hash
from .people import revoke_devices

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class CodeLimits:
    """Wrong codes per account: a burst of 5, then one more a minute (about 1,400 a day at most)."""

    per_account_rate: float = 1 / 60
    per_account_burst: float = 5


class TwoFactor:
    def __init__(self, core: Core, passwords: Passwords, limits: CodeLimits, issuer: str = "Axon") -> None:
        self.core = core
        self.passwords = passwords
        self.issuer = issuer
        self._wrong_codes = RateLimiter(limits.per_account_rate, limits.per_account_burst)

    async def state(self, user_id: str, org_id: str) -> rules.SecondFactorState:
        def read(conn: Any) -> rules.SecondFactorState:
            row = store.get(conn, user_id)
            org = accounts.get_org(conn, org_id)
            return rules.SecondFactorState(bool(row and row["totp_secret"]), bool(org and org["require_two_factor"]))

        return await self.core.read(read)

    async def status(self, actor: Actor, user_id: str | None = None) -> Row:
        """Whether the user has 2FA (their own, or any member's for an admin)."""
        target = await self._target(actor, user_id)

        def read(conn: Any) -> Row:
            row = store.get(conn, target)
            org = accounts.get_org(conn, actor.org_id)
            enabled = bool(row and row["totp_secret"])
            return {"totp_enabled": enabled, "enabled_at": iso_from_ms(row["enabled_at"]) if enabled and row else None,
                    "recovery_codes_left": store.recovery_codes_left(conn, target) if enabled else 0,
                    "required_by_org": bool(org and org["require_two_factor"])}

        return await self.core.read(read)

    async def begin_totp(self, user_id: str) -> Row:
        """A new secret to scan: enrolment completes only when a code made from it is confirmed."""
        user = await self.core.read(lambda c: accounts.get_user(c, user_id))
        assert user is not None
        current = await self.core.read(lambda c: store.get(c, user_id))
        if current is not None and current["totp_secret"]:
            raise Conflict("Two-factor authentication is already on; turn it off first to change the app.",
                           code="two_factor_enabled")
        secret = rules.new_totp_secret()
        await self.core.write(lambda tx: store.set_pending_secret(tx.conn, user_id, secret))
        uri = rules.provisioning_uri(secret, user["email"] or user["username"], self.issuer)
        return {"secret": secret, "otpauth_uri": uri, "qr_svg": _qr_svg(uri)}

    async def confirm_totp(self, user_id: str, code: str, *, by: Actor, signed_in: bool = True) -> list[str]:
        """Turn on TOTP with the first valid code; answers the recovery codes (shown this once)."""
        row = await self.core.read(lambda c: store.get(c, user_id))
        if row is None or not row["pending_secret"]:
            raise Conflict("Start enrolment first (a new secret is made each time).", code="enrolment_not_started")
        await self._check_not_locked(user_id, by.org_id, self.core.audit.actor(by), True)
        step = rules.accepted_step(row["pending_secret"], code, self.core.clock.now_ms(), None)
        if step is None:
            self._count_wrong_code(user_id, signed_in)
        codes = rules.new_recovery_codes()
        enabled = self.core.audit.event(by, actions.AUTH_TOTP_ENABLED, "user", user_id)

        def enable(tx: Tx) -> bool:
            if not store.enable_totp(tx.conn, user_id, row["pending_secret"], step, tx.now_ms):
                return False
            store.replace_recovery_codes(tx.conn, user_id, [rules.recovery_code_hash(c) for c in codes], tx.now_ms)
            self.core.audit.record(tx, enabled)
            return True

        if not await self.core.write(enable):
            raise Conflict("Enrolment was restarted meanwhile: scan the new code.", code="enrolment_not_started")
        return codes

    async def check_code(self, user_id: str, org_id: str, code: str, *, who: AuditActor, signed_in: bool) -> str:
        """Accept a TOTP code (once) or an unused recovery code (then used up): answers which it was
        (``totp`` or ``recovery_code``). Otherwise count a wrong code and refuse it.

        A wrong code is 401 while signing in (and audited as a failed login), but 403 for a signed-in
        device (as a wrong current password is): its session is fine, only the code typed is wrong.
        ``who`` is recorded in the audit log with a used recovery code or a failed sign-in.
        """
        if not isinstance(code, str) or not code.strip():
            raise ValidationFailed("code is required.", field="code")
        await self._check_not_locked(user_id, org_id, who, signed_in)
        if rules.is_totp_shaped(code):
            row = await self.core.read(lambda c: store.get(c, user_id))
            secret = row["totp_secret"] if row else None
            step = rules.accepted_step(secret, code, self.core.clock.now_ms(), row["totp_last_step"]) if (
                secret and row) else None
            if step is not None and await self.core.write(lambda tx: store.use_totp_step(tx.conn, user_id, step)):
                return "totp"
        elif await self._use_recovery_code(user_id, org_id, code, who):
            return "recovery_code"
        if not signed_in:
            await self.core.record_audit(AuditEvent(org_id, actions.AUTH_LOGIN_FAILED, who, "user", user_id,
                                                    {"reason": "wrong_code"}))
        self._count_wrong_code(user_id, signed_in)

    async def _use_recovery_code(self, user_id: str, org_id: str, code: str, who: AuditActor) -> bool:
        digest = rules.recovery_code_hash(code)
        used = AuditEvent(org_id, actions.AUTH_RECOVERY_CODE_USED, who, "user", user_id, {})

        def use(tx: Tx) -> bool:
            if not store.use_recovery_code(tx.conn, user_id, digest, tx.now_ms):
                return False
            self.core.audit.record(tx, used.with_details(codes_left=store.recovery_codes_left(tx.conn, user_id)))
            return True

        return bool(await self.core.write(use))

    async def regenerate_recovery_codes(self, actor: Actor, password: str) -> list[str]:
        """New recovery codes (the old ones stop working); asks for the password again."""
        await self._check_password(actor, password)
        if not (await self.state(actor.user_id, actor.org_id)).totp_enabled:
            raise Conflict("Turn on two-factor authentication first.", code="two_factor_not_enabled")
        codes = rules.new_recovery_codes()
        hashes = [rules.recovery_code_hash(c) for c in codes]
        regenerated = self.core.audit.event(actor, actions.AUTH_RECOVERY_CODES_REGENERATED, "user", actor.user_id)

        def replace(tx: Tx) -> None:
            store.replace_recovery_codes(tx.conn, actor.user_id, hashes, tx.now_ms)
            self.core.audit.record(tx, regenerated)

        await self.core.write(replace)
        return codes

    async def disable(self, actor: Actor, password: str, code: str) -> None:
        """Turn 2FA off with the password and a current code (not while the organisation requires it)."""
        state = await self.state(actor.user_id, actor.org_id)
        if state.required_by_org:
            raise Forbidden("Your organisation requires two-factor authentication.", code="two_factor_required")
        if not state.totp_enabled:
            raise Conflict("Two-factor authentication is not on.", code="two_factor_not_enabled")
        await self._check_password(actor, password)
        await self.check_code(actor.user_id, actor.org_id, code, who=self.core.audit.actor(actor), signed_in=True)
        disabled = self.core.audit.event(actor, actions.AUTH_TOTP_DISABLED, "user", actor.user_id)

        def remove(tx: Tx) -> None:
            store.remove(tx.conn, actor.user_id)
            self.core.audit.record(tx, disabled)

        await self.core.write(remove)

    async def admin_reset(self, actor: Actor, user_id: str) -> None:
        """A lost phone: remove the user's second factors and sign them out everywhere."""
        policy.check_org_admin(actor)
        await self._target(actor, user_id)
        reset_event = self.core.audit.event(actor, actions.AUTH_TWO_FACTOR_RESET, "user", user_id)

        def reset(tx: Tx) -> None:
            if not store.remove(tx.conn, user_id):
                raise Conflict("This user has no two-factor authentication to reset.", code="two_factor_not_enabled")
            store.drop_challenges(tx.conn, user_id)
            revoked = revoke_devices(tx, user_id)
            self.core.audit.record(tx, reset_event.with_details(devices_revoked=len(revoked)))

        await self.core.write(reset)
        self.core.tokens.forget_user(user_id)

    async def new_challenge(self, user_id: str, purpose: str) -> Row:
        """A right password's ticket to the next step (``purpose``: what ``SecondFactorState`` asks)."""
        token = new_token()
        now = self.core.clock.now_ms()
        seconds = rules.CHALLENGE_SECONDS if purpose == "second_factor_required" else rules.ENROLMENT_CHALLENGE_SECONDS
        row = {"token_hash": token_hash(token), "user_id": user_id, "purpose": purpose, "created_at": now,
               "expires_at": now + seconds * 1000}
        await self.core.write(lambda tx: store.insert_challenge(tx.conn, row))
        return {"status": purpose, "challenge": token, "expires_at": iso_from_ms(row["expires_at"])}

    async def challenge_user(self, challenge: str, purpose: str) -> str:
        """The user a live challenge of ``purpose`` was issued to."""
        if not isinstance(challenge, str) or not challenge:
            raise ValidationFailed("challenge is required.", field="challenge")
        row = await self.core.read(lambda c: store.get_challenge(c, token_hash(challenge)))
        if row is None or row["purpose"] != purpose or row["expires_at"] <= self.core.clock.now_ms():
            raise Unauthenticated("This sign-in has expired or was completed: sign in again with your password.",
                                  code="challenge_invalid")
        return str(row["user_id"])

    async def use_challenge(self, challenge: str) -> None:
        """Complete a challenge: of racing completions only one gets a session."""
        if not await self.core.write(lambda tx: store.take_challenge(tx.conn, token_hash(challenge))):
            raise Unauthenticated("This sign-in was already completed: sign in again with your password.",
                                  code="challenge_invalid")

    async def _target(self, actor: Actor, user_id: str | None) -> str:
        if user_id is None or user_id == actor.user_id:
            return actor.user_id
        policy.check_org_admin(actor)
        user = await self.core.read(lambda c: accounts.get_user(c, user_id))
        if user is None or not policy.visible_in_org(actor, user["org_id"]):
            raise NotFound("User not found.")
        return user_id

    async def _check_password(self, actor: Actor, password: str) -> None:
        user = await self.core.read(lambda c: accounts.get_user(c, actor.user_id))
        assert user is not None
        await self._check_not_locked(actor.user_id, actor.org_id, self.core.audit.actor(actor), True)
        if not await self.passwords.verify(user["password_hash"], password):
            self._wrong_codes.check(f"code:{actor.user_id}", self.core.clock.monotonic())
            raise Forbidden("The password is wrong.", code="wrong_password")

    async def _check_not_locked(self, user_id: str, org_id: str, who: AuditActor, signed_in: bool) -> None:
        decision = self._wrong_codes.peek(f"code:{user_id}", self.core.clock.monotonic())
        if not decision.allowed:
            if not signed_in:
                await self.core.record_audit(AuditEvent(org_id, actions.AUTH_LOGIN_FAILED, who, "user", user_id,
                                                        {"reason": "code_locked"}))
            raise RateLimited(f"Too many wrong codes for this account: wait {math.ceil(decision.retry_after)} s. "
                              "Until then every code is refused, the right one too.",
                              retry_after=decision.retry_after)

    def _count_wrong_code(self, user_id: str, signed_in: bool) -> NoReturn:
        self._wrong_codes.check(f"code:{user_id}", self.core.clock.monotonic())
        error = Forbidden if signed_in else Unauthenticated
        raise error("The code is wrong, expired or already used.", code="invalid_code")


def _qr_svg(uri: str) -> str:
    """The QR code as SVG text: the web client shows it as an image (a blob: URL, allowed by the CSP)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()
