"""A user's devices: list them, revoke one or all others, order a remote wipe and take its confirmation,
and store when and from where each was last seen.

Who may manage whose devices is ``policy.check_can_manage_devices``: everyone their own, an organisation
admin also those of the organisation's members. A wipe order revokes the device at once (every node
closes its sessions with close code 4004); until the device confirms, its token serves only to learn
of the order (``wipe_requested``) and to confirm it, once (``confirm_wipe``), which revokes it for good.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgspec

from ..domain import audit as actions
from ..domain import policy
from ..domain.audit import AuditActor, AuditEvent
from ..domain.devices import Sightings
from ..domain.errors import Conflict, NotFound, Unauthenticated
from ..domain.model import Actor
from ..protocol.rest import Device
from ..store import accounts
from ..store.tx import Tx
from ..store.writer import Committed
from .audit import request_address
from .core import Core
from .passwords import token_hash
from .people import revoke_devices
from .views import device_view

Row = dict[str, Any]


class Devices:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.sightings = Sightings()

    async def list(self, actor: Actor, user_id: str | None = None) -> list[Device]:
        target = await self._owner(actor, user_id)
        rows = await self.core.read(lambda c: accounts.list_devices(c, target))
        return [device_view(r, actor.device_id) for r in rows]

    async def revoke(self, actor: Actor, device_id: str, user_id: str | None = None) -> None:
        """Revoke a device: its token stops working and its live connections are closed at once.
        Audited as ``auth.logout`` for the calling device, ``device.revoked`` for another."""
        target = await self._owner(actor, user_id)
        await self._device_of(target, device_id)
        action = actions.AUTH_LOGOUT if device_id == actor.device_id else actions.DEVICE_REVOKED
        event = self.core.audit.event(actor, action, "device", device_id, user_id=target)

        def revoke(tx: Tx) -> None:
            if accounts.revoke_device(tx.conn, device_id, tx.now_ms):
                tx.user_event(target, "device.revoked", {"device_id": device_id})
                self.core.audit.record(tx, event)

        await self.core.write(revoke)  # the ``revocations`` consumer ends its sessions (see below)

    async def revoke_others(self, actor: Actor, user_id: str | None = None) -> int:
        """Revoke every device of the user but the calling one (all of them when an admin acts on
        someone else); returns how many were revoked. One ``device.revoked`` entry per device."""
        target = await self._owner(actor, user_id)
        keep = actor.device_id if target == actor.user_id else None
        event = self.core.audit.event(actor, actions.DEVICE_REVOKED, "device", "", user_id=target)

        def revoke(tx: Tx) -> int:
            revoked = revoke_devices(tx, target, keep=keep)
            self.core.audit.record_all(tx, (replace(event, target_id=d) for d in revoked))
            return len(revoked)

        return await self.core.write(revoke)

    async def order_wipe(self, actor: Actor, device_id: str, user_id: str | None = None) -> Device:
        """Order a device to wipe its local data. It is revoked at once; a connected device is told now
        (close code 4004), another at its next request or connection. Ordering twice changes nothing;
        a device that already confirmed a wipe cannot be ordered again (its token is gone)."""
        target = await self._owner(actor, user_id)
        device = await self._device_of(target, device_id)
        if device["wiped_at"] is not None:
            raise Conflict("This device already wiped its data.", code="already_wiped")
        event = self.core.audit.event(actor, actions.DEVICE_WIPE_ORDERED, "device", device_id, user_id=target,
                                      was_revoked=device["revoked_at"] is not None)

        def order(tx: Tx) -> None:
            if accounts.order_wipe(tx.conn, device_id, tx.now_ms):
                tx.user_event(target, "device.revoked", {"device_id": device_id, "wipe": True})
                self.core.audit.record(tx, event)

        await self.core.write(order)
        row = await self.core.read(lambda c: accounts.get_device(c, device_id))
        assert row is not None
        return device_view(row, actor.device_id)

    async def confirm_wipe(self, token: str | None) -> None:
        """The device holding ``token`` cleared its local data: recorded once, and the token is dead."""
        if not token:
            raise Unauthenticated("A bearer token is required.")
        digest = token_hash(token)
        address = request_address.get()

        def confirm(tx: Tx) -> Row | None:
            device = accounts.confirm_wipe(tx.conn, digest, tx.now_ms)
            if device is not None:
                tx.user_event(device["user_id"], "device.wiped", {"device_id": device["id"]})
                # Done by the device itself, with its last use of the token.
                self.core.audit.record(tx, AuditEvent(
                    device["org_id"], actions.DEVICE_WIPED, AuditActor(device["user_id"], device["id"], address),
                    "device", device["id"], {"user_id": device["user_id"]}))
            return device

        if await self.core.write(confirm) is not None:
            return
        row = await self.core.read(lambda c: accounts.device_by_token_hash(c, digest))
        if row is not None and row["revoked_at"] is None:
            raise Conflict("No wipe was ordered for this device.", code="no_wipe_pending")
        raise Unauthenticated("No wipe is pending for this token (unknown, revoked, or already confirmed).")

    def forget_token_of(self, device_id: str) -> None:
        """A device was revoked on another node: stop honouring its cached token here too."""
        self.core.tokens.forget_device(device_id)

    async def revoked_since(self, since_ms: int) -> list[tuple[str, int, bool]]:
        """(device id, revoked at, wipe pending) of every device revoked at or after ``since_ms``."""
        return await self.core.read(lambda c: accounts.devices_revoked_since(c, since_ms))

    async def store_sightings(self) -> None:
        """Write the last-seen times and addresses noted since the last call (one transaction)."""
        seen = self.sightings.take(self.core.clock.now_ms())
        if seen:
            await self.core.write(lambda tx: accounts.touch_devices(tx.conn, seen))

    async def _owner(self, actor: Actor, user_id: str | None) -> str:
        if user_id is None or user_id == actor.user_id:
            return actor.user_id
        policy.check_can_manage_devices(actor, user_id)
        user = await self.core.read(lambda c: accounts.get_user(c, user_id))
        if user is None or not policy.visible_in_org(actor, user["org_id"]):
            raise NotFound("User not found.")
        return user_id

    async def _device_of(self, user_id: str, device_id: str) -> Row:
        device = await self.core.read(lambda c: accounts.get_device(c, device_id))
        if device is None or device["user_id"] != user_id:
            raise NotFound("Device not found.")
        return device


class RevokedDevices:
    """After-commit consumer of ``device.revoked`` user events: whatever use case revoked the device
    (signing out, an admin's revocation, a wipe order, disabling the user), its token stops working on
    this node at once and every node closes its sessions — before the revoking call is answered."""

    name = "revocations"

    def __init__(self, core: Core) -> None:
        self.core = core

    def __call__(self, committed: Committed) -> None:
        for event in committed.user_events:
            if event.type == "device.revoked":
                revoked = _revoked.decode(event.data_json)
                self.core.device_revoked(revoked.device_id, wipe=revoked.wipe)


class _Revoked(msgspec.Struct):
    device_id: str
    wipe: bool = False


_revoked = msgspec.json.Decoder(_Revoked)
