"""Revocations as a consumer of committed events: whatever use case wrote ``device.revoked``, the
token is forgotten on this node and every node is told, before the revoking call is answered."""

from __future__ import annotations

from typing import Any

from axon.domain.clock import FakeClock
from axon.domain.events import ConversationEvent, UserEvent
from axon.domain.model import Actor, OrgRole
from axon.services.audit import AuditTrail
from axon.services.core import Core, Limits, TokenCache
from axon.services.devices import RevokedDevices
from axon.store.writer import Committed


class Signals:
    def __init__(self) -> None:
        self.revoked: list[str] = []
        self.wiped: list[str] = []

    def typing(self, conversation_id: str, user_id: str) -> None: ...

    def receipt(self, conversation_id: str, user_id: str, read_seq: int) -> None: ...

    def profile_changed(self, user_id: str, user: Any) -> None: ...

    def device_revoked(self, device_id: str, wipe: bool = False) -> None:
        self.revoked.append(device_id)
        if wipe:
            self.wiped.append(device_id)


def _core() -> tuple[Core, Signals]:
    signals = Signals()
    none: Any = None
    return Core(none, none, FakeClock(), Limits(), signals, TokenCache(FakeClock()), AuditTrail(b"k" * 32)), signals


def test_every_revoked_device_of_a_batch_is_forgotten_and_announced() -> None:
    core, signals = _core()
    for device in ("d_1", "d_2", "d_keep"):
        core.tokens.put(f"hash-{device}", Actor("u_1", "o_1", device, OrgRole.MEMBER))
    RevokedDevices(core)(Committed(
        [ConversationEvent("c_1", 1, "device.revoked", "u_1", 1, '{"device_id": "d_keep"}')],  # not a user event
        [UserEvent("u_1", 1, "device.revoked", 1, '{"device_id":"d_1"}'),
         UserEvent("u_1", 2, "read_marker", 1, '{"conversation_id":"c_1","seq":1}'),
         UserEvent("u_1", 3, "device.revoked", 1, '{"device_id":"d_2"}')]))
    assert signals.revoked == ["d_1", "d_2"]
    assert core.tokens.get("hash-d_1") is None and core.tokens.get("hash-d_2") is None
    assert core.tokens.get("hash-d_keep") is not None


def test_a_batch_without_revocations_announces_nothing() -> None:
    core, signals = _core()
    RevokedDevices(core)(Committed([], [UserEvent("u_1", 1, "profile.updated", 1, '{"user":{}}')]))
    assert signals.revoked == []


def test_a_wipe_order_is_announced_as_one() -> None:
    core, signals = _core()
    RevokedDevices(core)(Committed([], [UserEvent("u_1", 1, "device.revoked", 1, '{"device_id":"d_1","wipe":true}'),
                                        UserEvent("u_1", 2, "device.revoked", 1, '{"device_id":"d_2"}')]))
    assert signals.revoked == ["d_1", "d_2"] and signals.wiped == ["d_1"]
