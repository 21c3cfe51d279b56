"""What every use case needs: the database, the group-commit writer, the clock and the limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection

from ..domain.clock import Clock
from ..store.database import Database
from ..store.tx import Tx
from ..store.writer import GroupCommitWriter

T = TypeVar("T")


class Signals(Protocol):
    """Ephemeral, unsequenced notices (typing, receipts, presence): published, never stored."""

    def typing(self, conversation_id: str, user_id: str) -> None: ...

    def receipt(self, conversation_id: str, user_id: str, read_seq: int) -> None: ...

    def device_revoked(self, device_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_bytes: int = 16 * 1024
    resume_limit: int = 2000
    invite_default_hours: int = 168


class FnOp:
    """A write operation given as a function of the transaction."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Tx], Any]) -> None:
        self.fn = fn

    def apply(self, tx: Tx) -> Any:
        return self.fn(tx)


@dataclass(slots=True)
class Core:
    db: Database
    writer: GroupCommitWriter
    clock: Clock
    limits: Limits
    signals: Signals

    async def read(self, fn: Callable[[Connection], T]) -> T:
        return await self.db.read(fn)

    async def write(self, fn: Callable[[Tx], T]) -> T:
        result: T = await self.writer.submit(FnOp(fn))
        return result
