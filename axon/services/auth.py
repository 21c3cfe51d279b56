"""Logging in and out, sign-up, device tokens, and turning a token into an ``Actor``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import msgspec

from ..domain import policy
from ..domain.accounts import email_domain, validate_email
from ..domain.errors import Forbidden, NotFound, RateLimited, Unauthenticated, ValidationFailed
from ..domain.ids import new_id, new_token
from ..domain.invites import check_invite_usable
from ..domain.model import Actor, OrgRole
from ..domain.ratelimit import RateLimiter
from ..store import accounts
from ..store.tx import Tx
from ..store.writer import Committed
from .core import Core
from .passwords import Passwords, token_hash
from .people import NewUser, People
from .views import device_view, org_view, user_view

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_account_rate: float = 0.2
    per_account_burst: float = 10
    per_address_rate: float = 1.0
    per_address_burst: float = 30


class Auth:
    def __init__(self, core: Core, passwords: Passwords, people: People, limits: LoginLimits) -> None:
        self.core = core
        self.passwords = passwords
        self.people = people
        self._per_account = RateLimiter(limits.per_account_rate, limits.per_account_burst)
        self._per_address = RateLimiter(limits.per_address_rate, limits.per_address_burst)

    async def login(self, login: str, password: str, org_slug: str | None, device_name: str, address: str) -> Row:
        """Check a password and open a session on a new device.

        What a wrong guess learns is only "wrong": an unknown login, a wrong password and a disabled
        account get the same answer, and a login that exists in several organisations is resolved by
        the password (asking for the organisation only when it matches in more than one). Attempts are
        limited per client address, and failures per resolved account (whichever spelling was typed:
        username, e-mail, with or without the organisation); while an account is locked even the right
        password is refused, and the answer says so.
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
                wait = math.ceil(decision.retry_after)
                raise RateLimited(f"Too many failed attempts for this account: wait {wait} s. Until then every"
                                  " password is refused, the right one too.", retry_after=decision.retry_after)
        matches = [u for u in candidates if await self.passwords.verify(u["password_hash"], password)]
        if not candidates:
            await self.passwords.verify(None, password)  # as long as a real check: no timing difference
        enabled = [u for u in matches if not u["disabled"]]
        if not enabled:
            for key in account_keys:
                self._per_account.check(key, now)
            raise Unauthenticated("Wrong login or password.", code="invalid_credentials")
        if len(enabled) > 1:
            raise ValidationFailed("This login and password belong to accounts in several organisations: give org.",
                                   field="org")
        return await self._new_session(enabled[0], device_name)

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

    async def _new_session(self, user: Row, device_name: str) -> Row:
        now = self.core.clock.now_ms()
        token = new_token()
        device = {"id": new_id("device", now), "user_id": user["id"], "name": (device_name or "")[:200],
                  "token_hash": token_hash(token), "created_at": now, "last_seen_at": now, "revoked_at": None}
        await self.core.write(lambda tx: accounts.insert_device(tx.conn, device))
        org = await self.core.read(lambda c: accounts.get_org(c, user["org_id"]))
        assert org is not None
        return {"token": token, "device": device_view(device, device["id"]),
                "user": user_view(user, private=True), "org": org_view(org)}

    async def signup(self, body: Row, address: str) -> Row:
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
            org_id = await self._open_signup_org(body.get("org"), body.get("email"))
        new = NewUser(username=body.get("username", ""), display_name=body.get("display_name", ""),
                      password=body.get("password", ""), email=body.get("email"),
                      locale=body.get("locale") or "en")
        created = await self.people.create_user(org_id, new, invite_id=invite["id"] if invite else None)
        user = await self.core.read(lambda c: accounts.get_user(c, created.id))
        assert user is not None
        return await self._new_session(user, body.get("device_name") or "")

    async def _open_signup_org(self, org_slug: str | None, email: str | None) -> str:
        if not org_slug:
            raise ValidationFailed("Give invite_token, or org and email for open sign-up.", field="invite_token")
        org = await self.people.resolve_org(org_slug)
        address = validate_email(email)
        domains = [d for d in org["signup_domains"].split(",") if d]
        if address is None or email_domain(address) not in domains:
            raise Forbidden("Sign-up needs an invite link or an e-mail address of an allowed domain.",
                            code="signup_not_allowed")
        return str(org["id"])

    async def authenticate(self, token: str | None) -> Actor:
        if not token:
            raise Unauthenticated("A bearer token is required.")
        digest = token_hash(token)
        cached = self.core.tokens.get(digest)
        if cached is not None:
            return cached
        row = await self.core.read(lambda c: accounts.device_by_token_hash(c, digest))
        if row is None or row["revoked_at"] is not None:
            raise Unauthenticated("The token is not valid or the device was revoked.")
        if row["disabled"]:
            raise Unauthenticated("This account is disabled.", code="account_disabled")
        actor = Actor(row["user_id"], row["org_id"], row["device_id"], OrgRole(row["org_role"]))
        self.core.tokens.put(digest, actor)
        return actor

    async def logout(self, actor: Actor) -> None:
        await self.revoke_device(actor, actor.device_id)

    async def list_devices(self, actor: Actor, user_id: str | None = None) -> list[Row]:
        target = await self._device_owner(actor, user_id)
        rows = await self.core.read(lambda c: accounts.list_devices(c, target))
        return [device_view(r, actor.device_id) for r in rows]

    async def revoke_device(self, actor: Actor, device_id: str, user_id: str | None = None) -> None:
        """Revoke a device: its token stops working and its live connections are closed at once."""
        target = await self._device_owner(actor, user_id)
        device = await self.core.read(lambda c: accounts.get_device(c, device_id))
        if device is None or device["user_id"] != target:
            raise NotFound("Device not found.")

        def revoke(tx: Tx) -> None:
            if accounts.revoke_device(tx.conn, device_id, tx.now_ms):
                tx.user_event(target, "device.revoked", {"device_id": device_id})

        await self.core.write(revoke)  # the ``revocations`` consumer ends its sessions (see below)

    def forget_token_of(self, device_id: str) -> None:
        """A device was revoked on another node: stop honouring its cached token here too."""
        self.core.tokens.forget_device(device_id)

    async def record_last_seen(self, seen: dict[str, int]) -> None:
        """Store when each device (id -> ms) was last connected; the gateway batches these."""
        await self.core.write(lambda tx: accounts.touch_devices(tx.conn, seen))

    async def _device_owner(self, actor: Actor, user_id: str | None) -> str:
        if user_id is None or user_id == actor.user_id:
            return actor.user_id
        policy.check_can_manage_devices(actor, user_id)
        user = await self.core.read(lambda c: accounts.get_user(c, user_id))
        if user is None or not policy.visible_in_org(actor, user["org_id"]):
            raise NotFound("User not found.")
        return user_id

    async def change_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        user = await self.core.read(lambda c: accounts.get_user(c, actor.user_id))
        assert user is not None
        self._rate_limit(f"pw:{actor.user_id}", f"pwdev:{actor.device_id}")
        if not await self.passwords.verify(user["password_hash"], old_password):
            # 403, not 401: the session is fine, only the password typed is wrong.
            raise Forbidden("The current password is wrong.", code="wrong_password")
        new_hash = await self.passwords.hash(new_password, user["username"], user["display_name"], user["email"])
        await self.core.write(lambda tx: accounts.update_user(tx.conn, actor.user_id, {"password_hash": new_hash}))


class RevokedDevices:
    """After-commit consumer of ``device.revoked`` user events: whatever use case revoked the device
    (signing out, an admin's revocation, disabling the user), its token stops working on this node
    at once and every node closes its sessions — before the revoking call is answered."""

    name = "revocations"

    def __init__(self, core: Core) -> None:
        self.core = core

    def __call__(self, committed: Committed) -> None:
        for event in committed.user_events:
            if event.type == "device.revoked":
                self.core.device_revoked(_revoked.decode(event.data_json).device_id)


class _Revoked(msgspec.Struct):
    device_id: str


_revoked = msgspec.json.Decoder(_Revoked)
