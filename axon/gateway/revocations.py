"""Revocations made outside this node's sight end its sessions within a second.

Revoking a device through the API signals every node at once over the bus. But the shell
(``axon admin disable-user``, ``reset-password``) writes to the database from a process of its
own, and with one node there is no bus between them: so every node also looks, each ``interval``,
for devices revoked since its last look, forgets their tokens and closes their sessions. The look
is one indexed query; revocations are seen once each (an overlap window absorbs clocks that
differ between the writer and this node).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from ..domain.clock import Clock

log = logging.getLogger("axon.revocations")

OVERLAP_MS = 5_000


class RevocationWatch:
    def __init__(self, clock: Clock, interval: float,
                 revoked_since: Callable[[int], Awaitable[list[tuple[str, int, bool]]]],
                 revoke: Callable[[str, bool], None]) -> None:
        self._clock = clock
        self._interval = interval
        # (device id, revoked at ms, wipe pending) of the devices revoked at or after a time
        self._revoked_since = revoked_since
        self._revoke = revoke  # forget the token and close the device's sessions on this node (as wiped?)
        self._since = clock.now_ms() - OVERLAP_MS
        self._handled: dict[str, int] = {}

    async def run(self) -> None:
        while True:
            await self._clock.sleep(self._interval)
            try:
                await self.look()
            except Exception:  # the database is away: look again next time (nothing is lost, _since stays)
                log.exception("could not look for revoked devices")

    async def look(self) -> None:
        now = self._clock.now_ms()
        for device_id, revoked_at, wipe in await self._revoked_since(self._since):
            if device_id not in self._handled:
                self._handled[device_id] = revoked_at
                self._revoke(device_id, wipe)
        self._since = now - OVERLAP_MS
        self._handled = {d: at for d, at in self._handled.items() if at >= self._since}
