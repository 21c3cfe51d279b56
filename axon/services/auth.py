"""Logging in and out, sign-up, device tokens, and turning a token into an ``Actor``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from ..domain import audit as actions
from ..domain.accounts import PasswordStrength, email_domain, password_strength, session_expires_at, validate_email
from ..domain.audit import AuditActor, AuditEvent
from ..domain.clock import iso_from_ms
from ..domain.devices import platform_of
from ..domain.errors import Forbidden, Gone, RateLimited, Unauthenticated, Unavailable, ValidationFailed
from ..domain.ids import new_id, new_token
from ..domain.invites import check_invite_usable
from ..domain.model import Actor, OrgRole
from ..domain.ratelimit import RateLimiter
from ..store import accounts
from ..store.tx import Tx
from .core import Core
from .devices import Devices
from .mails import CONFIRMATION_HOURS, signup_confirmation
from .org_settings import org_for
from .passwords import Passwords, token_hash
from .people import NewUser, People, revoke_devices
from .ports import Mailer, MailFailed
from .two_factor import CodeLimits, TwoFactor
from .views import device_view, user_view

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_account_rate: float = 0.2
    per_account_burst: float = 10
    per_address_rate: float = 1.0
    per_address_burst: float = 30


class DirectoryLogin(Protocol):
    """Single sign-on's part in password logins (``services/sso_login.SsoLogin``)."""

    async def directory_login(self, org_id: str | None, login: str, password: str, address: str) -> Row | None: ...

    async def password_allowed(self, user: Row) -> bool: ...


class Auth:
    sso: DirectoryLogin | None = None  # set by the composition root

    def __init__(self, core: Core, passwords: Passwords, people: People, devices: Devices, limits: LoginLimits,
                 mailer: Mailer | None = None, public_url: str | None = None,
                 two_factor: TwoFactor | None = None) -> None:
        self.core = core
        self.devices = devices
        self.two_factor = two_factor or TwoFactor(core, passwords, CodeLimits())
        self.passwords = passwords
        self.people = people
        self.mailer = mailer
        self.public_url = (public_url or "").rstrip("/")
        self._per_account = RateLimiter(limits.per_account_rate, limits.per_account_burst)
        self._per_address = RateLimiter(limits.per_address_rate, limits.per_address_burst)

    async def login(self, login: str, password: str, org_slug: str | None, device_name: str, address: str,
                    user_agent: str = "") -> Row:
        """Check a password and open a session on a new device.

        What a wrong guess learns is only "wrong": an unknown login, a wrong password and a disabled
        account get the same answer, and a login that exists in several organisations is resolved by
        the password (asking for the organisation only when it matches in more than one). Attempts are
        limited per client address, and failures per resolved account (whichever spelling was typed:
        username, e-mail, with or without the organisation); while an account is locked even the right
        password is refused, and the answer says so.

        With the right password for an account that has a second factor (or must enrol one, by its
        organisation's policy), the answer is a short-lived challenge instead of a session: see
        ``complete_second_factor`` and ``complete_enrolment``.
        """
        if not isinstance(login, str) or not login.strip() or not isinstance(password, str):
            raise ValidationFailed("login and password are required.", field="login")
        now = self.core.clock.monotonic()
        self._take(self._per_address, f"addr:{address}", now, "Too many login attempts from this address")
        org_id = (await self.people.resolve_org(org_slug))["id"] if org_slug else None
        candidates = await self.core.read(lambda c: accounts.find_users_for_login(c, login, org_id))
        account_keys = [f"acct:{u['id']}" for u in candidates] or [f"acct?:{login.strip().lower()}"]
        for key in account_keys:
            decision = self._per_account.peek(key, now)
            if not decision.allowed:
                await self._login_failed(candidates, org_id, login, address, "locked")
                wait = math.ceil(decision.retry_after)
                raise RateLimited(f"Too many failed attempts for this account: wait {wait} s. Until then every"
                                  " password is refused, the right one too.", retry_after=decision.retry_after)
        if self.sso is not None:
            directory_user = await self.sso.directory_login(org_id, login, password, address)
            if directory_user is not None:  # the directory password is the first factor: 2FA still applies
                return await self._signed_in(directory_user, device_name, "ldap", address, user_agent)
        matches = [u for u in candidates if await self.passwords.verify(u["password_hash"], password)]
        if not candidates:
            await self.passwords.verify(None, password)  # as long as a real check: no timing difference
        enabled = [u for u in matches if not u["disabled"]]
        # With single sign-on required, a member's password is refused like a wrong one (no oracle);
        # admins keep theirs as the break-glass way in.
        allowed = [u for u in enabled if self.sso is None or await self.sso.password_allowed(u)]
        if not allowed:
            for key in account_keys:
                self._per_account.check(key, now)
            reason = "sso_required" if enabled else "account_disabled" if matches else "invalid_credentials"
            await self._login_failed(matches or candidates, org_id, login, address, reason)
            raise Unauthenticated("Wrong login or password.", code="invalid_credentials")
        enabled = allowed
        if len(enabled) > 1:
            raise ValidationFailed("This login and password belong to accounts in several organisations: give org.",
                                   field="org")
        return await self._signed_in(enabled[0], device_name, "password", address, user_agent)

    async def _signed_in(self, user: Row, device_name: str, method: str, address: str | None = None,
                         user_agent: str = "") -> Row:
        """A session, or the challenge of the step the account still needs (second factor, enrolment)."""
        step = (await self.two_factor.state(user["id"], user["org_id"])).next_step
        if step is not None:
            return await self.two_factor.new_challenge(user["id"], step)
        return await self._new_session(user, device_name, method, address, user_agent)

    async def complete_second_factor(self, challenge: str, code: str, device_name: str, address: str,
                                     user_agent: str = "") -> Row:
        """The second call of a 2FA sign-in: the challenge and a TOTP or recovery code give the session
        (recorded as ``auth.login`` with method ``password+totp`` or ``password+recovery_code``)."""
        user = await self._enabled_user(await self.two_factor.challenge_user(challenge, "second_factor_required"))
        kind = await self.two_factor.check_code(user["id"], user["org_id"], code,
                                                who=AuditActor(None, None, address), signed_in=False)
        await self.two_factor.use_challenge(challenge)
        return await self._new_session(user, device_name, f"password+{kind}", address, user_agent)

    async def begin_enrolment(self, challenge: str) -> Row:
        """A member sent to enrolment by the organisation's policy gets a secret to scan."""
        return await self.two_factor.begin_totp(await self.two_factor.challenge_user(challenge, "enrolment_required"))

    async def complete_enrolment(self, challenge: str, code: str, device_name: str, address: str,
                                 user_agent: str = "") -> Row:
        """Enrolment confirmed with a valid code: the session, and the recovery codes (shown this once)."""
        user_id = await self.two_factor.challenge_user(challenge, "enrolment_required")
        user = await self._enabled_user(user_id)
        codes = await self.two_factor.confirm_totp(user_id, code, signed_in=False,
                                                  by=Actor(user_id, user["org_id"], "", OrgRole(user["org_role"])))
        await self.two_factor.use_challenge(challenge)
        session = await self._new_session(user, device_name, "password+totp", address, user_agent)
        return {"session": session, "recovery_codes": codes}

    async def _enabled_user(self, user_id: str) -> Row:
        user = await self.core.read(lambda c: accounts.get_user(c, user_id))
        if user is None or user["disabled"]:
            raise Unauthenticated("Wrong login or password.", code="invalid_credentials")
        return user

    async def _login_failed(self, accounts_tried: list[Row], org_id: str | None, login: str, address: str,
                            reason: str) -> None:
        """One ``auth.login_failed`` entry in the chain of each organisation whose account was tried
        (the system chain when the login names no account), in one write."""
        actor = AuditActor(None, None, address)
        if accounts_tried:
            events = [AuditEvent(u["org_id"], actions.AUTH_LOGIN_FAILED, actor, "user", u["id"],
                                 {"reason": reason}) for u in accounts_tried]
        else:
            events = [AuditEvent(org_id or actions.SYSTEM_CHAIN, actions.AUTH_LOGIN_FAILED, actor, "login",
                                 login.strip().lower()[:64],
                                 {"reason": "locked" if reason == "locked" else "unknown_login"})]
        await self.core.write(lambda tx: self.core.audit.record_all(tx, events))

    def _rate_limit(self, account_key: str, address_key: str) -> None:
        now = self.core.clock.monotonic()
        self._take(self._per_account, account_key, now, "Too many attempts")
        self._take(self._per_address, address_key, now, "Too many attempts from this address")

    @staticmethod
    def _take(limiter: RateLimiter, key: str, now: float, what: str) -> None:
        decision = limiter.check(key, now)
        if not decision.allowed:
            raise RateLimited(f"{what}; wait {math.ceil(decision.retry_after)} s and try again.",
                              retry_after=decision.retry_after)

    async def new_session(self, user: Row, device_name: str, method: str, address: str | None = None,
                          user_agent: str = "") -> Row:
        """A device token for an account another way of signing in (``method``: "oidc") vouched for."""
        return await self._new_session(user, device_name, method, address, user_agent)

    async def _new_session(self, user: Row, device_name: str, method: str, address: str | None = None,
                           user_agent: str = "") -> Row:
        """A new device signed in as ``user``, recorded as ``auth.login`` (``method``: how they proved it)."""
        now = self.core.clock.now_ms()
        token = new_token()
        device = {"id": new_id("device", now), "user_id": user["id"], "name": (device_name or "")[:200],
                  "token_hash": token_hash(token), "created_at": now, "last_seen_at": now, "revoked_at": None,
                  "platform": platform_of(user_agent)[:200], "last_address": (address or "")[:64]}
        signed_in = Actor(user["id"], user["org_id"], device["id"])
        event = AuditEvent(user["org_id"], actions.AUTH_LOGIN, self.core.audit.actor(signed_in, address), "user",
                           user["id"], {"method": method, "device_name": device["name"]})

        def sign_in(tx: Tx) -> None:
            accounts.insert_device(tx.conn, device)
            self.core.audit.record(tx, event)

        await self.core.write(sign_in)
        org = await self.core.read(lambda c: org_for(c, user["org_id"]))
        assert org is not None
        return {"token": token, "device": device_view(device, device["id"]),
                "user": user_view(user, private=True), "org": org}

    async def signup(self, body: Row, address: str, user_agent: str = "") -> Row:
        """Create an account through an invite token, or by open sign-up for an allowed e-mail domain."""
        self._rate_limit(f"signup:{address}", f"addr:{address}")
        now = self.core.clock.now_ms()
        invite = None
        if body.get("invite_token"):
            invite = check_invite_usable(
                await self.core.read(lambda c: accounts.invite_by_token_hash(c, token_hash(body["invite_token"]))), now
            )
            org_id = invite["org_id"]
        else:
            return await self._open_signup(body, address)
        new = NewUser(username=body.get("username", ""), display_name=body.get("display_name", ""),
                      password=body.get("password", ""), email=body.get("email"),
                      role=OrgRole(invite.get("role") or "member"), locale=body.get("locale") or "en")
        created = await self.people.create_user(org_id, new, invite_id=invite["id"] if invite else None,
                                                via="invite")
        user = await self.core.read(lambda c: accounts.get_user(c, created.id))
        assert user is not None
        return await self._signed_in(user, body.get("device_name") or "", "signup", address, user_agent)

    def password_strength(self, password: str, address: str, *personal: str | None) -> PasswordStrength:
        """The strength meter's estimate (limited per address like logins: it costs a few milliseconds)."""
        self._take(self._per_address, f"pwcheck:{address}", self.core.clock.monotonic(), "Too many checks")
        return password_strength(password, *personal)

    @property
    def can_confirm_email(self) -> bool:
        """Open sign-up needs a way to send the confirmation link, and the URL it points to."""
        return bool(self.people.can_confirm_email and self.mailer is not None and self.public_url)

    async def _open_signup(self, body: Row, client: str) -> Row:
        """Open sign-up by e-mail domain: nothing is created until the address is confirmed.

        The sign-up waits, with its password already hashed, under the hash of a single-use token
        that is mailed to the address; ``confirm_email`` turns it into the account.
        """
        org_slug = body.get("org")
        if not org_slug:
            raise ValidationFailed("Give invite_token, or org and email for open sign-up.", field="invite_token")
        org = await self.people.resolve_org(org_slug)
        address = validate_email(body.get("email"))
        domains = [d for d in org["signup_domains"].split(",") if d]
        if address is None or email_domain(address) not in domains or not self.can_confirm_email:
            raise Forbidden("Sign-up needs an invite link or an e-mail address of an allowed domain.",
                            code="signup_not_allowed")
        account = await self.people.valid_account(NewUser(
            username=body.get("username", ""), display_name=body.get("display_name", ""),
            password=body.get("password", ""), email=address, locale=body.get("locale") or "en"))
        await self.people.account_taken(org["id"], account["username"], address)
        token = new_token()
        now = self.core.clock.now_ms()
        pending = {"token_hash": token_hash(token), "org_id": org["id"], "email": address,
                   "username": account["username"], "display_name": account["display_name"],
                   "password_hash": account["password_hash"], "locale": account["locale"], "created_at": now,
                   "expires_at": now + CONFIRMATION_HOURS * 3_600_000}
        requested = AuditEvent(org["id"], actions.AUTH_SIGNUP_REQUESTED, AuditActor(None, None, client), "email",
                               address, {"username": account["username"]})

        def wait_for_confirmation(tx: Tx) -> None:
            accounts.insert_pending_signup(tx.conn, pending)
            self.core.audit.record(tx, requested)

        await self.core.write(wait_for_confirmation)
        assert self.mailer is not None
        link = f"{self.public_url}/#/confirm/{token}"
        try:
            await self.mailer.send(signup_confirmation(address, account["locale"], org["name"],
                                                       account["display_name"], link))
        except MailFailed as exc:
            await self.core.write(lambda tx: accounts.take_pending_signup(tx.conn, pending["token_hash"]))
            raise Unavailable("The confirmation e-mail could not be sent; try again later.",
                              code="email_unavailable") from exc
        return {"status": "confirmation_sent", "email": address, "expires_at": iso_from_ms(pending["expires_at"])}

    async def confirm_email(self, token: str, device_name: str, user_agent: str = "", address: str = "") -> Row:
        """Open a confirmation link: the pending sign-up becomes the account, signed in on this device."""
        if not isinstance(token, str) or not token:
            raise ValidationFailed("token is required.", field="token")
        pending = await self.core.write(lambda tx: accounts.take_pending_signup(tx.conn, token_hash(token)))
        if pending is None or pending["expires_at"] <= self.core.clock.now_ms():
            raise Gone("This confirmation link is not valid (any more): links work once, for "
                       f"{CONFIRMATION_HOURS} hours. Sign up again.", code="confirmation_invalid")
        created = await self.people.create_user(pending["org_id"], NewUser(
            username=pending["username"], display_name=pending["display_name"], password="",
            email=pending["email"], locale=pending["locale"], password_hash=pending["password_hash"]),
            via="email_confirmation")
        user = await self.core.read(lambda c: accounts.get_user(c, created.id))
        assert user is not None
        return await self._signed_in(user, device_name, "email_confirmation", address, user_agent)

    async def authenticate(self, token: str | None, address: str = "") -> Actor:
        """The actor a device token stands for. Each use is noted (when and from where) for the device
        list; the notes are stored in batches (``Devices.store_sightings``), never on this path."""
        if not token:
            raise Unauthenticated("A bearer token is required.")
        digest = token_hash(token)
        cached = self.core.tokens.get(digest)
        if cached is not None:
            self.devices.sightings.note(cached.device_id, address, self.core.clock.now_ms())
            return cached
        row = await self.core.read(lambda c: accounts.device_by_token_hash(c, digest))
        if row is None:
            raise Unauthenticated("The token is not valid or the device was revoked.")
        if row["wipe_requested_at"] is not None and row["wiped_at"] is None:
            # Before "revoked" and "disabled": an offboarded device must still learn that it has to wipe.
            raise Unauthenticated("This device was ordered to wipe its local data: clear it, then confirm with "
                                  "POST /api/v1/auth/wiped.", code="wipe_requested")
        if row["revoked_at"] is not None:
            raise Unauthenticated("The token is not valid or the device was revoked.")
        if row["disabled"]:
            raise Unauthenticated("This account is disabled.", code="account_disabled")
        now = self.core.clock.now_ms()
        ends = session_expires_at(row["created_at"], row["last_seen_at"], row["session_idle_days"],
                                  row["session_max_days"])
        if ends is not None and ends <= now:
            raise Unauthenticated("This sign-in has expired: sign in again.", code="session_expired")
        self.devices.sightings.note(row["device_id"], address, now)
        actor = Actor(row["user_id"], row["org_id"], row["device_id"], OrgRole(row["org_role"]))
        self.core.tokens.put(digest, actor)
        return actor

    async def logout(self, actor: Actor) -> None:
        await self.devices.revoke(actor, actor.device_id)  # audited as ``auth.logout``

    async def change_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        user = await self.core.read(lambda c: accounts.get_user(c, actor.user_id))
        assert user is not None
        self._rate_limit(f"pw:{actor.user_id}", f"pwdev:{actor.device_id}")
        if not await self.passwords.verify(user["password_hash"], old_password):
            # 403, not 401: the session is fine, only the password typed is wrong.
            raise Forbidden("The current password is wrong.", code="wrong_password")
        new_hash = await self.passwords.hash(new_password, user["username"], user["display_name"], user["email"])

        event = self.core.audit.event(actor, actions.AUTH_PASSWORD_CHANGED, "user", actor.user_id)

        def apply(tx: Tx) -> None:
            accounts.update_user(tx.conn, actor.user_id, {"password_hash": new_hash})
            revoked = revoke_devices(tx, actor.user_id, keep=actor.device_id)  # only the device that changed it stays
            self.core.audit.record(tx, event.with_details(devices_revoked=len(revoked)))

        await self.core.write(apply)

