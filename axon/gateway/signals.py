"""``services.core.Signals`` over the bus: ephemeral notices (typing, receipts, presence,
revocations) reach every node, at most once, as typed server frames encoded once."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..bus.base import WIPE_ORDER, Bus, Envelope, Topic
from ..protocol.server import Presence, Profile, Receipt, Typing, encode_frame

log = logging.getLogger("axon.gateway")


class BusSignals:
    """Signals raised during one loop iteration are coalesced into one bus publish by ``run``,
    a task the node's runtime owns (nothing is published while it is not running)."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._pending: list[Envelope] = []
        self._raised = asyncio.Event()

    def typing(self, conversation_id: str, user_id: str) -> None:
        frame = encode_frame(Typing(conversation_id, user_id))
        self._publish(Envelope(Topic.TYPING, conversation_id, 0, frame, sender=user_id))

    def receipt(self, conversation_id: str, user_id: str, read_seq: int) -> None:
        frame = encode_frame(Receipt(conversation_id, user_id, read_seq))
        self._publish(Envelope(Topic.RECEIPT, conversation_id, 0, frame, sender=user_id))

    def device_revoked(self, device_id: str, wipe: bool = False) -> None:
        # The frame says how the device's sessions are closed: as revoked, or as ordered to wipe.
        self._publish(Envelope(Topic.DEVICE_REVOKED, device_id, 0, WIPE_ORDER if wipe else b""))

    def profile_changed(self, user_id: str, user: Any) -> None:
        # Routed like presence: whoever shows this person (and so follows their presence) hears of it.
        self._publish(Envelope(Topic.PRESENCE, user_id, 0, encode_frame(Profile(user))))

    def presence(self, user_id: str, state: Presence) -> None:
        self._publish(Envelope(Topic.PRESENCE, user_id, 0, encode_frame(state)))

    def _publish(self, envelope: Envelope) -> None:
        self._pending.append(envelope)
        self._raised.set()

    async def run(self) -> None:
        """Publish what was raised, one batch per wake-up, until cancelled."""
        while True:
            await self._raised.wait()
            self._raised.clear()
            batch, self._pending = self._pending, []
            try:
                await self._bus.publish(batch)
            except Exception:
                log.exception("publishing signals failed")
