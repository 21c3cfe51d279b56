"""Organisations, accounts, profiles, the member directory and invite links."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import msgspec

from ..domain import audit as actions
from ..domain import policy
from ..domain.accounts import (
    SESSION_IDLE_DAYS,
    SESSION_MAX_DAYS,
    profile_changes,
    slugify,
    validate_email,
    validate_locale,
    validate_session_days,
    validate_signup_domains,
)
from ..domain.audit import AuditEvent
from ..domain.content import validate_name, validate_username
from ..domain.cursors import decode_directory_cursor, encode_directory_cursor
from ..domain.errors import Conflict, Forbidden, Gone, NotFound, ValidationFailed
from ..domain.ids import new_id, new_token
from ..domain.invites import INVITE_GONE, invite_usable
from ..domain.model import Actor, OrgRole
from ..domain.names import search_key, search_query
from ..domain.org_settings import Module
from ..domain.policy import Action
from ..domain.retention import validate_org_retention
from ..protocol.codec import decode, encode_str
from ..store import accounts
from ..store import conversations as convs
from ..store import two_factor as second_factors
from ..store.database import Conn
from ..store.errors import DuplicateKey
from ..store.tx import Tx
from . import assistant_account
from .conversations import add_in
from .core import Core
from .default_channels import ensure_general, join_defaults
from .org_settings import announce_org, org_for, settings_for
from .passwords import Passwords, token_hash
from .views import invite_view, org_view, user_view
from .visibility import can_see_user, people_visible_to

Row = dict[str, Any]
MAX_GUEST_CONVERSATIONS = 50


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    display_name: str
    password: str
    email: str | None = None
    role: OrgRole = OrgRole.MEMBER
    locale: str = "en"
    password_hash: str | None = None  # already hashed (a confirmed sign-up): ``password`` is not used


def insert_account(tx: Tx, row: Row) -> None:
    """Insert the account and, in the same write, make it a member of the organisation's
    default channels (an organisation's first admin first creates its #general)."""
    org_id, username, email = row["org_id"], row["username"], row["email"]
    if accounts.get_user_by_username(tx.conn, org_id, username) is not None:
        raise Conflict(f"The username {username!r} is taken.", field="username")
    if email and accounts.email_taken(tx.conn, org_id, email):
        raise Conflict("An account with this e-mail exists.", field="email")
    if row["org_role"] == OrgRole.ADMIN.value and not accounts.enabled_admin_ids(tx.conn, org_id, ("owner",)):
        row["org_role"] = OrgRole.OWNER.value  # an organisation's first admin is its owner
    try:
        accounts.insert_user(tx.conn, row)
    except DuplicateKey as exc:  # a concurrent creation won the race
        raise Conflict("The username or e-mail is taken.") from exc
    if row["org_role"] in (OrgRole.OWNER.value, OrgRole.ADMIN.value):
        ensure_general(tx, org_id, row["id"])
    if row["org_role"] != OrgRole.GUEST.value:  # guests join only the conversations they are invited into
        join_defaults(tx, org_id, row["id"])


def _check_keeps_leaders(tx: Tx, org_id: str, user_id: str, new_role: OrgRole) -> None:
    """Demoting ``user_id`` must leave the organisation an enabled admin and an enabled owner
    (disabling needs no check: nobody disables themselves and only owners disable owners, so the
    one acting remains; the shell may, to offboard, and can appoint again). The org row is locked
    first, so two admins demoting each other at once cannot both succeed."""
    accounts.lock_org(tx.conn, org_id)
    if new_role not in (OrgRole.OWNER, OrgRole.ADMIN):
        policy.check_keeps_an_admin([a for a in accounts.enabled_admin_ids(tx.conn, org_id) if a != user_id])
    if new_role is not OrgRole.OWNER:
        owners = accounts.enabled_admin_ids(tx.conn, org_id, ("owner",))
        if user_id in owners:
            policy.check_keeps_an_owner([o for o in owners if o != user_id])


def _join_invited(tx: Tx, invite: Row, user_id: str) -> None:
    """A guest invite's conversations, as its creator added them (those still there and open)."""
    for conv_id in decode(invite.get("conversation_ids") or "[]"):
        conv, member = convs.get_with_membership(tx.conn, conv_id, user_id)
        if conv is not None and conv.org_id == invite["org_id"] and not conv.archived and member is None:
            add_in(tx, conv_id, user_id, invite["created_by"])


class People:
    def __init__(self, core: Core, passwords: Passwords, *, can_confirm_email: bool = False) -> None:
        self.core = core
        self.passwords = passwords
        # Open sign-up confirms addresses by mail: without SMTP and a public URL it cannot be switched on.
        self.can_confirm_email = can_confirm_email

    # --- organisations ---------------------------------------------------------

    async def create_org(self, name: str, slug: str | None = None, admin: NewUser | None = None) -> Row:
        """Create an organisation; with ``admin``, also its first admin and its #general channel,
        all in one write (``bootstrap`` does this; the CLI's ``create-org`` creates it bare)."""
        name = validate_name(name, "name", 200)
        slug = slugify(slug or name)
        row = {"id": new_id("org", self.core.clock.now_ms()), "name": name, "slug": slug,
               "signup_domains": "", "created_at": self.core.clock.now_ms(),
               "session_idle_days": SESSION_IDLE_DAYS, "session_max_days": SESSION_MAX_DAYS}
        first = await self._user_row(row["id"], admin) if admin is not None else None
        created = AuditEvent(row["id"], actions.ORG_CREATED, self.core.audit.actor(None), "org", row["id"],
                             {"name": name, "slug": slug})
        first_created = (AuditEvent(row["id"], actions.USER_CREATED, self.core.audit.actor(None), "user",
                                    first["id"], {"username": first["username"], "role": first["org_role"],
                                                  "via": "first_start"}) if first is not None else None)

        def create(tx: Tx) -> None:
            if accounts.get_org_by_slug(tx.conn, slug) is not None:
                raise Conflict(f"An organisation with slug {slug!r} exists.")
            accounts.insert_org(tx.conn, row)
            self.core.audit.record(tx, created)
            if first is not None and first_created is not None:
                insert_account(tx, first)
                self.core.audit.record(tx, first_created)
            assistant_account.ensure_in(tx, row["id"])  # after the admin: it takes a username nobody has

        await self.core.write(create)
        return org_view(row)

    async def get_org(self, actor: Actor) -> Row:
        org = await self.core.read(lambda c: org_for(c, actor.org_id))
        if org is None:
            raise NotFound("Organisation not found.")
        return org  # type: ignore[return-value]

    async def update_org(self, actor: Actor, name: str | None, signup_domains: list[str] | None,
                         session_idle_days: int | None = None, session_max_days: int | None = None,
                         retention_days: int | None = None, require_two_factor: bool | None = None) -> Row:
        policy.check_org_admin(actor)
        values: Row = {}
        if retention_days is not None:
            values["retention_days"] = validate_org_retention(retention_days)
        for field, days in (("session_idle_days", session_idle_days), ("session_max_days", session_max_days)):
            if days is not None:
                values[field] = validate_session_days(days, field)
        if name is not None:
            values["name"] = validate_name(name, "name", 200)
        if signup_domains is not None:
            values["signup_domains"] = validate_signup_domains(signup_domains)
            if values["signup_domains"] and not self.can_confirm_email:
                raise Conflict("Open sign-up confirms each address by e-mail: configure an SMTP server "
                               "(AXON_SMTP_HOST) and the public URL (AXON_PUBLIC_URL) first.",
                               code="email_not_configured", field="signup_domains")
        if require_two_factor is not None:
            values["require_two_factor"] = require_two_factor
        if values:
            changed = self.core.audit.event(actor, actions.ORG_POLICY_CHANGED, "org", actor.org_id)

            def apply(tx: Tx) -> list[str]:
                before = accounts.get_org(tx.conn, actor.org_id)
                assert before is not None
                signed_out = _sign_out_for_two_factor(tx, actor, before, values)
                accounts.update_org(tx.conn, actor.org_id, values)
                events = _org_changes(changed, before, values)
                self.core.audit.record_all(tx, [_with_signed_out(e, signed_out) for e in events])
                announce_org(tx, actor.org_id)
                return signed_out

            for user_id in await self.core.write(apply):
                self.core.tokens.forget_user(user_id)
        return await self.get_org(actor)

    async def resolve_org(self, slug: str) -> Row:
        row = await self.core.read(lambda c: accounts.get_org_by_slug(c, slug))
        if row is None:
            raise NotFound("Organisation not found.")
        return row

    # --- accounts --------------------------------------------------------------

    async def create_user(self, org_id: str, new: NewUser, *, invite_id: str | None = None, via: str = "direct",
                          by: Actor | None = None) -> Row:
        """Create an account; with ``invite_id``, only if that invite still has a use to give.

        The invite's use is taken in the transaction that creates the user, so an invite
        that runs out between the caller's check and this write creates nobody. Audited as
        ``user.created`` (``via``: how; ``by``: the admin who did it, else the new user themselves).
        """
        row = await self._user_row(org_id, new)
        who = self.core.audit.actor(by or Actor(row["id"], org_id, ""))
        details = {"username": row["username"], "role": row["org_role"], "via": via,
                   **({"invite_id": invite_id} if invite_id else {})}
        created = AuditEvent(org_id, actions.USER_CREATED, who, "user", row["id"], details)

        def create(tx: Tx) -> None:
            if invite_id is not None and not accounts.use_invite(tx.conn, invite_id, tx.now_ms):
                raise Gone(INVITE_GONE)
            invite = accounts.get_invite(tx.conn, invite_id) if invite_id is not None else None
            if row["org_role"] == OrgRole.GUEST.value and not settings_for(tx.conn, org_id).enabled(Module.GUESTS):
                raise Forbidden("The guests module is switched off for this organisation.", code="module_disabled",
                                module=Module.GUESTS.value)
            insert_account(tx, row)
            self.core.audit.record(tx, created.with_details(role=row["org_role"]))  # the first admin is owner
            if invite is not None:
                _join_invited(tx, invite, row["id"])

        await self.core.write(create)
        return user_view(row, private=True)

    async def _user_row(self, org_id: str, new: NewUser) -> Row:
        account = await self.valid_account(new)
        now = self.core.clock.now_ms()
        return {
            "id": new_id("user", now), "org_id": org_id, "username": account["username"], "email": account["email"],
            "display_name": account["display_name"], "title": "", "timezone": "UTC", "locale": account["locale"],
            "status_text": "", "org_role": new.role.value, "disabled": False, "read_receipts": True,
            "password_hash": account["password_hash"], "stream_seq": 0, "created_at": now,
            "search_key": search_key(account["display_name"], account["username"]),
        }

    async def valid_account(self, new: NewUser) -> Row:
        """The account's fields, validated, with its password hashed (refused when weak)."""
        username = validate_username(new.username)
        display_name = validate_name(new.display_name, "display_name", 200)
        email = validate_email(new.email)
        password_hash = new.password_hash or await self.passwords.hash(new.password, username, display_name, email)
        return {"username": username, "display_name": display_name, "email": email,
                "locale": validate_locale(new.locale), "password_hash": password_hash}

    async def account_taken(self, org_id: str, username: str, email: str | None) -> None:
        """Refuse (409) a username or e-mail address the organisation already has."""
        def check(conn: Conn) -> None:
            if accounts.get_user_by_username(conn, org_id, username) is not None:
                raise Conflict(f"The username {username!r} is taken.", field="username")
            if email and accounts.email_taken(conn, org_id, email):
                raise Conflict("An account with this e-mail exists.", field="email")

        await self.core.read(check)

    async def admin_get_user(self, actor: Actor, user_id: str) -> Row:
        """A user as administrators see them (with e-mail address)."""
        policy.check_org_admin(actor)
        return await self.get_user(actor, user_id)

    async def admin_create_user(self, actor: Actor, new: NewUser) -> Row:
        policy.check_org_admin(actor)
        return await self.create_user(actor.org_id, new, via="admin", by=actor)

    async def get_user(self, actor: Actor, user_id: str) -> Row:
        def load(conn: Conn) -> Row | None:
            row = accounts.get_user(conn, user_id)
            return row if can_see_user(conn, actor, row) else None

        row = await self.core.read(load)
        if row is None:
            raise NotFound("User not found.")
        return user_view(row, private=actor.is_org_admin or user_id == actor.user_id)

    async def update_profile(self, actor: Actor, changes: Row) -> Row:
        values = profile_changes(changes)
        if values:
            def update(tx: Tx) -> Row:
                row = accounts.get_user(tx.conn, actor.user_id)
                assert row is not None
                row.update(values)
                row["search_key"] = search_key(row["display_name"], row["username"])
                accounts.update_user(tx.conn, actor.user_id, {**values, "search_key": row["search_key"]})
                tx.user_event(actor.user_id, "profile.updated", {"user": user_view(row, private=True)})
                return row

            row = await self.core.write(update)
            self.core.signals.profile_changed(actor.user_id, user_view(row))
        return await self.get_user(actor, actor.user_id)

    async def set_disabled(self, actor: Actor, user_id: str, disabled: bool) -> Row:
        policy.check_org_admin(actor)
        if user_id == actor.user_id and disabled:
            raise ValidationFailed("You cannot disable your own account.", field="disabled")
        target = await self._require_person(actor, user_id)
        policy.check_can_disable(actor, OrgRole(target["org_role"]))
        event = self.core.audit.event(actor, actions.USER_DISABLED if disabled else actions.USER_ENABLED, "user",
                                      user_id)

        def apply(tx: Tx) -> None:
            before = accounts.get_user(tx.conn, user_id)
            assert before is not None
            accounts.update_user(tx.conn, user_id, {"disabled": disabled})
            # Offboarding: every device is revoked and told to wipe its local data; the content stays.
            revoked = revoke_devices(tx, user_id, wipe=True) if disabled else []
            if bool(before["disabled"]) != disabled:
                self.core.audit.record(tx, event.with_details(devices_revoked=len(revoked)) if disabled else event)

        await self.core.write(apply)  # the ``revocations`` consumer ends the revoked devices' sessions
        self.core.tokens.forget_user(user_id)
        return await self.get_user(actor, user_id)

    async def set_org_role(self, actor: Actor, user_id: str, role: OrgRole) -> Row:
        policy.check_org_admin(actor)
        await self._require_person(actor, user_id)
        event = self.core.audit.event(actor, actions.USER_ROLE_CHANGED, "user", user_id)

        def apply(tx: Tx) -> None:
            row = accounts.get_user(tx.conn, user_id)
            assert row is not None
            current = OrgRole(row["org_role"])
            policy.check_can_set_org_role(actor, current, role, settings_for(tx.conn, actor.org_id))
            if current is role:
                return
            _check_keeps_leaders(tx, actor.org_id, user_id, role)
            accounts.update_user(tx.conn, user_id, {"org_role": role.value})
            self.core.audit.record(tx, event.with_details(**{"from": current.value, "to": role.value}))
            row["org_role"] = role.value
            tx.user_event(user_id, "profile.updated", {"user": user_view(row, private=True)})

        await self.core.write(apply)
        self.core.tokens.forget_user(user_id)  # the cached Actor carries the old role
        return await self.get_user(actor, user_id)

    async def reset_password(self, actor: Actor, user_id: str, password: str) -> None:
        policy.check_org_admin(actor)
        user = await self._require_person(actor, user_id)
        password_hash = await self.passwords.hash(password, user["username"], user["display_name"], user["email"])
        event = self.core.audit.event(actor, actions.AUTH_PASSWORD_RESET, "user", user_id)

        def apply(tx: Tx) -> None:
            accounts.update_user(tx.conn, user_id, {"password_hash": password_hash})
            revoked = revoke_devices(tx, user_id)  # whoever knew the old password is signed out everywhere
            self.core.audit.record(tx, event.with_details(devices_revoked=len(revoked)))

        await self.core.write(apply)
        self.core.tokens.forget_user(user_id)

    async def _require_same_org(self, actor: Actor, user_id: str) -> Row:
        row = await self.core.read(lambda c: accounts.get_user(c, user_id))
        if row is None or not policy.visible_in_org(actor, row["org_id"]):
            raise NotFound("User not found.")
        return row

    async def _require_person(self, actor: Actor, user_id: str) -> Row:
        """A person of the actor's organisation: @axon's account is Axon's own (no role, password or
        disabling: the ``ai_assistant`` switch turns it off)."""
        row = await self._require_same_org(actor, user_id)
        if row.get("kind", "person") != "person":
            raise Forbidden("This is the @axon assistant's account: switch the assistant off in the organisation's "
                            "policy (ai_assistant) instead.", code="assistant_account")
        return row

    async def visible_user_ids(self, actor: Actor, user_ids: list[Any]) -> list[str]:
        """Of ``user_ids`` (deduplicated, in the order given), those the actor may follow: existing
        users of their organisation. Others are left out, not refused, like unknown ids."""
        wanted = list(dict.fromkeys(u for u in user_ids if isinstance(u, str)))

        def load(conn: Conn) -> set[str]:
            rows = accounts.get_users(conn, wanted)
            among = people_visible_to(conn, actor)
            return {r["id"] for r in rows if policy.visible_in_org(actor, r["org_id"])
                    and (among is None or r["id"] in among)}

        visible = await self.core.read(load)
        return [u for u in wanted if u in visible]

    async def admin_directory(self, actor: Actor, query: str, cursor: str | None,
                              limit: int) -> tuple[list[Row], str | None]:
        """The directory as administrators see it (with e-mail addresses, and who has 2FA on)."""
        policy.check_org_admin(actor)
        items, next_cursor = await self.directory(actor, query, cursor, limit)
        enrolled = await self.core.read(lambda c: second_factors.users_with_totp(c, [u.id for u in items]))
        return [msgspec.structs.replace(u, two_factor=u.id in enrolled) for u in items], next_cursor

    async def directory(self, actor: Actor, query: str, cursor: str | None, limit: int) -> tuple[list[Row], str | None]:
        after = decode_directory_cursor(cursor)
        q = search_query(query)
        # E-mail addresses are shown to admins only, so only admins find people by them.
        match_email = actor.is_org_admin

        def load(conn: Conn) -> list[Row]:
            among = people_visible_to(conn, actor)
            return accounts.search_users(conn, actor.org_id, q, after, limit + 1, match_email, among)

        rows = await self.core.read(load)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_directory_cursor(rows[-1]["display_name"], rows[-1]["id"]) if more and rows else None
        return [user_view(r, private=actor.is_org_admin) for r in rows], next_cursor

    # --- invites ---------------------------------------------------------------

    async def create_invite(self, actor: Actor, max_uses: int | None, expires_in_hours: float | None,
                            guest_conversation_ids: list[str] | None = None) -> Row:
        """An invite link; with ``guest_conversation_ids``, a guest invite into those conversations
        (whoever the policy lets invite guests and add them to each conversation), else a member
        invite (admins)."""
        if guest_conversation_ids is None:
            policy.check_org_admin(actor)
        else:
            await self._check_guest_invite(actor, guest_conversation_ids)
        if max_uses is not None and not 1 <= max_uses <= 10_000:
            raise ValidationFailed("max_uses must be between 1 and 10000.", field="max_uses")
        hours = self.core.limits.invite_default_hours if expires_in_hours is None else expires_in_hours
        if not 0 < hours <= 24 * 365:
            raise ValidationFailed("expires_in_hours must be between 0 and 8760.", field="expires_in_hours")
        now = self.core.clock.now_ms()
        token = new_token()
        row = {"id": new_id("invite", now), "org_id": actor.org_id, "token_hash": token_hash(token),
               "created_by": actor.user_id, "created_at": now, "expires_at": now + int(hours * 3_600_000),
               "max_uses": max_uses, "uses": 0, "revoked_at": None,
               "role": (OrgRole.GUEST if guest_conversation_ids is not None else OrgRole.MEMBER).value,
               "conversation_ids": encode_str(list(dict.fromkeys(guest_conversation_ids or [])))}
        event = self.core.audit.event(actor, actions.INVITE_CREATED, "invite", row["id"], max_uses=max_uses,
                                      expires_at=row["expires_at"], role=row["role"],
                                      conversation_ids=list(dict.fromkeys(guest_conversation_ids or [])))

        def create(tx: Tx) -> None:
            accounts.insert_invite(tx.conn, row)
            self.core.audit.record(tx, event)

        await self.core.write(create)
        return invite_view(row, token=token)

    async def _check_guest_invite(self, actor: Actor, conversation_ids: list[str]) -> None:
        if not 1 <= len(set(conversation_ids)) <= MAX_GUEST_CONVERSATIONS:
            raise ValidationFailed(f"A guest invite names 1 to {MAX_GUEST_CONVERSATIONS} conversations.",
                                   field="conversation_ids")

        def check(conn: Conn) -> None:
            settings = settings_for(conn, actor.org_id)
            policy.check_org(actor, Action.INVITE_GUESTS, settings)
            for conv_id in dict.fromkeys(conversation_ids):
                conv, member = convs.get_with_membership(conn, conv_id, actor.user_id)
                policy.check_can_invite(actor, conv, member, settings, guests=True)

        await self.core.read(check)

    async def list_invites(self, actor: Actor) -> list[Row]:
        policy.check_org_admin(actor)
        return [invite_view(r) for r in await self.core.read(lambda c: accounts.list_invites(c, actor.org_id))]

    async def revoke_invite(self, actor: Actor, invite_id: str) -> None:
        policy.check_org_admin(actor)
        row = await self.core.read(lambda c: accounts.get_invite(c, invite_id))
        if row is None or not policy.visible_in_org(actor, row["org_id"]):
            raise NotFound("Invite not found.")
        event = self.core.audit.event(actor, actions.INVITE_REVOKED, "invite", invite_id)

        def revoke(tx: Tx) -> None:
            accounts.revoke_invite(tx.conn, invite_id, tx.now_ms)
            self.core.audit.record(tx, event)

        await self.core.write(revoke)

    async def lookup_invite(self, token: str) -> Row:
        row = await self.core.read(lambda c: accounts.invite_by_token_hash(c, token_hash(token)))
        if row is None:
            raise NotFound("Invite not found.")
        org = await self.core.read(lambda c: accounts.get_org(c, row["org_id"]))
        assert org is not None
        return {"org_name": org["name"], "org": org["slug"], "valid": invite_usable(row, self.core.clock.now_ms()),
                "expires_at": invite_view(row).expires_at}


def _sign_out_for_two_factor(tx: Tx, actor: Actor, before: Row, values: Row) -> list[str]:
    """Requiring two-factor authentication signs out every member who has none (as Slack does): their
    next sign-in sends them to enrolment, and until then they can do nothing. The admin who turns it
    on must have it already, or they would sign themselves out. Answers the members signed out."""
    if not values.get("require_two_factor") or before["require_two_factor"]:
        return []
    signed_out = second_factors.org_users_without_totp(tx.conn, actor.org_id)
    if actor.user_id in signed_out:
        raise Conflict("Turn on two-factor authentication for your own account first.",
                       code="two_factor_enrol_first", field="require_two_factor")
    for user_id in signed_out:
        revoke_devices(tx, user_id)
    return signed_out


def _with_signed_out(event: AuditEvent, signed_out: list[str]) -> AuditEvent:
    if event.details.get("setting") != "require_two_factor" or not signed_out:
        return event
    return replace(event, details={**event.details, "members_signed_out": len(signed_out)})


def revoke_devices(tx: Tx, user_id: str, keep: str | None = None, wipe: bool = False) -> list[str]:
    """Revoke every active device of the user except ``keep``, each with its ``device.revoked`` user event
    (the ``revocations`` consumer then ends their sessions on every node); with ``wipe``, each is also
    ordered to wipe its local data. Returns their ids."""
    revoked = [d for d in accounts.active_device_ids(tx.conn, user_id) if d != keep]
    for device_id in revoked:
        if wipe:
            accounts.order_wipe(tx.conn, device_id, tx.now_ms)
            tx.user_event(user_id, "device.revoked", {"device_id": device_id, "wipe": True})
        else:
            accounts.revoke_device(tx.conn, device_id, tx.now_ms)
            tx.user_event(user_id, "device.revoked", {"device_id": device_id})
    return revoked


_ORG_SETTING_ACTIONS = {"name": actions.ORG_RENAMED}


def _org_changes(template: AuditEvent, before: Row, values: Row) -> list[AuditEvent]:
    """One audit event per organisation setting that really changed: ``org.renamed`` for the name,
    ``org.policy_changed`` (naming the setting) for the others."""
    return [replace(template, action=_ORG_SETTING_ACTIONS.get(name, template.action),
                    details={"setting": name, "from": before[name], "to": value})
            for name, value in sorted(values.items()) if before[name] != value]
