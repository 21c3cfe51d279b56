"""Client frame type → handler: a family of client frames plugs in here, and only here.

A handler module in ``axon/gateway/handlers/`` registers its frame structs
(defined in ``axon/protocol``) with a handler each, in its ``register`` function,
which takes only the services the module needs; ``handlers.build_registry``
lists the modules. A handler is ``(ctx, frame) -> None`` and sees a
``FrameContext``: the connection's actor and what it may do on its connection,
never the session or the gateway. Quick work runs inline; anything that awaits
goes through ``ctx.run``, as a task the session owns and cancels when it ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from ..domain.errors import AxonError
from ..domain.model import Actor
from ..protocol import client as f
from ..protocol.server import Ok, ServerFrame, error_frame
from .hub import Recipient

log = logging.getLogger("axon.session")

F = TypeVar("F", bound=f.Frame)
Handler = Callable[["FrameContext", Any], None]


class Connection(Recipient, Protocol):
    """A session as handlers that keep per-connection routing (presence watches) know it."""

    actor: Actor | None

    def push(self, frame: ServerFrame) -> None: ...


class FrameContext:
    """What a handler may use of the connection a frame came from."""

    __slots__ = ("actor", "connection", "reply", "reply_soon", "follows", "_spawn")

    def __init__(self, actor: Actor, connection: Connection, *, reply: Callable[[ServerFrame], None],
                 reply_soon: Callable[[bytes], None], follows: Callable[[str], bool],
                 spawn: Callable[[Coroutine[Any, Any, None]], None]) -> None:
        self.actor = actor
        self.connection = connection
        self.reply = reply  # queue a frame for this connection, in order with everything else
        self.reply_soon = reply_soon  # an encoded frame, written with the other replies of this loop iteration
        self.follows = follows  # is this conversation one the connection receives?
        self._spawn = spawn

    def error(self, code: str, message: str, ref: str | None = None, *,
              details: dict[str, Any] | None = None) -> None:
        self.reply(error_frame(code, message, ref, details=details))

    def run(self, coro: Coroutine[Any, Any, Any], ref: str | None, *, answer_ok: bool = True) -> None:
        """Run ``coro`` as a task of the session, answering ``ok`` (if asked) or the ``error`` it raised."""
        self._spawn(self._answered(coro, ref, answer_ok))

    async def _answered(self, coro: Coroutine[Any, Any, Any], ref: str | None, answer_ok: bool) -> None:
        try:
            await coro
        except AxonError as exc:
            self.error(exc.code, exc.message, ref, details=exc.details or None)
            return
        except Exception:
            log.exception("frame handler failed")
            self.error("internal_error", "The request failed.", ref)
            return
        if answer_ok:
            self.reply(Ok(ref))


class FrameRegistry:
    def __init__(self) -> None:
        self._handlers: dict[type[f.Frame], Handler] = {}

    def add(self, frame_type: type[F], handler: Callable[[FrameContext, F], None]) -> None:
        if frame_type not in f.CLIENT_FRAMES.values():
            raise ValueError(f"{frame_type.__name__} is not a client frame the protocol decodes")
        if frame_type is f.Hello:
            raise ValueError("hello is the session's own (authentication), not a handler's")
        if frame_type in self._handlers:
            raise ValueError(f"{frame_type.__name__} already has a handler")
        self._handlers[frame_type] = handler

    def get(self, frame_type: type[f.Frame]) -> Handler | None:
        return self._handlers.get(frame_type)

    def frame_types(self) -> list[type[f.Frame]]:
        return list(self._handlers)
