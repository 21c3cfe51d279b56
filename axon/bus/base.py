"""The bus: fan-out of committed events and ephemeral signals between nodes.

A node publishes each item once, with its frame already encoded; every node
(itself included) receives it and writes the same bytes to its local
connections. The bus may be at-most-once: sessions repair gaps from the
database (see ``docs/protocol.md``), so nothing durable is lost if it drops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Topic:
    CONVERSATION = "c"  # key: conversation id; seq: event seq
    USER = "u"  # key: user id; seq: user-stream seq
    TYPING = "t"  # key: conversation id; sender: the typist
    RECEIPT = "r"  # key: conversation id; sender: the reader
    PRESENCE = "p"  # key: user id
    DEVICE_REVOKED = "d"  # key: device id; frame: WIPE_ORDER when the device must also wipe its data


WIPE_ORDER = b"wipe"


@dataclass(frozen=True, slots=True)
class Envelope:
    topic: str
    key: str
    seq: int
    frame: bytes
    kind: str = ""  # the event type, where routing depends on it
    sender: str | None = None
    # A user event that changes membership carries the conversation joined or left, and for a
    # join that conversation's last seq at the time: routing reads these, never the frame.
    conversation_id: str = ""
    conversation_seq: int = 0


Handler = Callable[[list[Envelope]], None]


class Bus(Protocol):
    def attach(self, handler: Handler) -> None: ...

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever the bus reconnected (messages may have been lost meanwhile)."""

    async def publish(self, envelopes: list[Envelope]) -> None: ...

    async def run(self) -> None:
        """Receive from other nodes until cancelled (a no-op loop for the in-process bus)."""

    async def close(self) -> None: ...
