"""The session's state machine (after ``h11/_state.py``): states and the only transitions allowed.

::

    AWAITING_HELLO ──hello ok──▶ SYNCING ──replay done──▶ LIVE
          │                         │                       │
          └──────────────┬──────────┴───────────────────────┘
                         ▼
                       CLOSED
"""

from __future__ import annotations

from enum import Enum


class State(Enum):
    AWAITING_HELLO = "awaiting_hello"
    SYNCING = "syncing"
    LIVE = "live"
    CLOSED = "closed"


ALLOWED: dict[State, frozenset[State]] = {
    State.AWAITING_HELLO: frozenset({State.SYNCING, State.CLOSED}),
    State.SYNCING: frozenset({State.LIVE, State.CLOSED}),
    State.LIVE: frozenset({State.CLOSED}),
    State.CLOSED: frozenset(),
}


class InvalidTransition(RuntimeError):
    """A bug: the session tried a transition the machine does not have."""


class SessionState:
    """The current state, shared by the session's parts (the outbound queue reads it on every push)."""

    __slots__ = ("current",)

    def __init__(self) -> None:
        self.current = State.AWAITING_HELLO

    def to(self, new: State) -> None:
        if new not in ALLOWED[self.current]:
            raise InvalidTransition(f"session cannot go from {self.current.value} to {new.value}")
        self.current = new
