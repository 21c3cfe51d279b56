"""What every use case needs: the database, the group-commit writer, the clock and the limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..domain.audit import AuditEvent
from ..domain.clock import Clock
from ..domain.model import Actor
from ..store.database import Conn, Database
from ..store.tx import Tx
from ..store.writer import GroupCommitWriter, WriteOp
from .audit import AuditTrail
from .ports import Signals

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_bytes: int = 16 * 1024
    resume_limit: int = 2000
    invite_default_hours: int = 168


class FnOp(WriteOp):
    """A write operation given as a function of the transaction."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Tx], Any]) -> None:
        self.fn = fn

    def apply(self, tx: Tx) -> Any:
        return self.fn(tx)


class TokenCache:
    """Recently verified device tokens → their ``Actor``, so that a busy client's requests do not
    each cost a database read.

    Revocation is immediate: every path that revokes a device (or disables a user, or changes
    their role) calls ``forget_*`` on this node before answering, and other nodes forget on the
    ``device_revoked`` signal. Entries also expire after ``ttl`` seconds, which bounds how long any
    other change could go unseen.
    """

    def __init__(self, clock: Clock, ttl: float = 30.0, max_entries: int = 100_000) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max = max_entries
        self._entries: dict[str, tuple[Actor, float]] = {}

    def get(self, token_hash: str) -> Actor | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry[1] < self._clock.monotonic():
            del self._entries[token_hash]
            return None
        return entry[0]

    def put(self, token_hash: str, actor: Actor) -> None:
        if len(self._entries) >= self._max:
            self._entries.clear()  # rare; a cold cache only costs reads
        self._entries[token_hash] = (actor, self._clock.monotonic() + self._ttl)

    def forget_device(self, device_id: str) -> None:
        for key in [k for k, (a, _) in self._entries.items() if a.device_id == device_id]:
            del self._entries[key]

    def forget_user(self, user_id: str) -> None:
        for key in [k for k, (a, _) in self._entries.items() if a.user_id == user_id]:
            del self._entries[key]


@dataclass(slots=True)
class Core:
    db: Database
    writer: GroupCommitWriter
    clock: Clock
    limits: Limits
    signals: Signals
    tokens: TokenCache
    audit: AuditTrail

    def device_revoked(self, device_id: str, wipe: bool = False) -> None:
        """After a revocation is committed: stop honouring the token here, and tell every node
        (whether the device's sessions are closed as revoked or as ordered to wipe)."""
        self.tokens.forget_device(device_id)
        self.signals.device_revoked(device_id, wipe)

    async def read(self, fn: Callable[[Conn], T]) -> T:
        return await self.db.read(fn)

    async def write(self, fn: Callable[[Tx], T]) -> T:
        result: T = await self.writer.submit(FnOp(fn))
        return result

    async def record_audit(self, event: AuditEvent) -> None:
        """Record an audit event that changes nothing else (a failed login), through the writer."""
        await self.write(lambda tx: self.audit.record(tx, event))
