"""Committed events flow from the group-commit writer to registered consumers ("sinks").

Three contracts, chosen by the consumer when it registers:

- **in-commit** (``add_in_commit``): runs inside the writer's transaction, after the
  batch's event rows are written; what it writes commits or rolls back with them. An
  exception aborts the batch (each operation is then retried alone), so these sinks
  must be SQL that cannot fail for reasons of their own. The durable outbox
  (``store/event_log``) is written this way whenever a durable consumer is registered.
- **after-commit, at most once** (``add_after_commit``): runs once the commit is
  durable and before any caller is acked, in registration order. Each sink is isolated:
  one that raises is logged and the others still run; none can fail a write. A crash
  between the commit and this step skips it, so it suits work that repairs itself —
  the bus publish (sessions repair gaps from the database) is the first such sink.
- **durable** (``add_durable``, see ``durable.py``): a consumer with its own cursor in
  the outbox, run by its own task. It sees every committed batch exactly once, in commit
  order, across crashes and restarts: its effect and its cursor move commit together.

Registering is done by the composition root (``axon/app.py``); the writer, the gateway
and the send path never change when a consumer is added.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..store import event_log
from ..store.tx import Tx
from ..store.writer import Committed

log = logging.getLogger("axon.spine")

InCommitSink = Callable[[Tx, Committed], None]
AfterCommitSink = Callable[[Committed], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class _Named:
    name: str
    run: Callable[..., object]


class EventSpine:
    def __init__(self) -> None:
        self._in_commit: list[_Named] = []
        self._after_commit: list[_Named] = []
        self._listeners: list[Callable[[Committed], None]] = []
        self._outbox = False

    # --- registration --------------------------------------------------------

    def add_in_commit(self, name: str, sink: InCommitSink) -> None:
        self._in_commit.append(_Named(name, sink))

    def add_after_commit(self, name: str, sink: AfterCommitSink) -> None:
        self._after_commit.append(_Named(name, sink))

    def add_durable_listener(self, listener: Callable[[Committed], None]) -> None:
        """Handed every local commit once it is durable, with its outbox position: a durable runner
        wakes at once instead of waiting for its next poll, and keeps the batch so that it need not
        read back what was just committed. The first listener switches the outbox on."""
        self._outbox = True
        self._listeners.append(listener)

    @property
    def sink_names(self) -> list[str]:
        outbox = ["event_log"] if self._outbox else []
        return [s.name for s in self._in_commit] + outbox + [s.name for s in self._after_commit]

    # --- the writer's hooks --------------------------------------------------

    def in_commit(self, tx: Tx, committed: Committed) -> None:
        for sink in self._in_commit:
            sink.run(tx, committed)
        if self._outbox:
            # Last: its position counter stays locked until the commit, so it is taken as late as possible.
            committed.log_pos = event_log.append(tx.conn, tx.now_ms, committed.conversation_events,
                                                 committed.user_events)

    async def after_commit(self, committed: Committed) -> None:
        for sink in self._after_commit:
            try:
                outcome = sink.run(committed)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:
                log.exception("after-commit sink %r failed", sink.name)
        for listener in self._listeners:
            listener(committed)

