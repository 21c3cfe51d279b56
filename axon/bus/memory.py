"""The in-process bus of a single node: publishing hands envelopes straight to the local hub."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .base import Envelope, Handler


class MemoryBus:
    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def attach(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        pass  # an in-process bus never disconnects

    async def publish(self, envelopes: list[Envelope]) -> None:
        for handler in self._handlers:
            handler(envelopes)

    async def run(self) -> None:
        await asyncio.Event().wait()

    async def close(self) -> None:
        self._handlers.clear()
