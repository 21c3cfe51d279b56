"""``send``, ``read`` and ``delivered``: a device's messages and markers."""

from __future__ import annotations

import asyncio
import logging

from ...domain.errors import AxonError
from ...protocol import client as f
from ...protocol.server import Ack, ServerFrame, encode_frame, error_frame
from ...services.markers import Markers
from ...services.messages import ForwardOf, Messages, SendResult
from ..registry import FrameContext, FrameRegistry

log = logging.getLogger("axon.session")


def register(registry: FrameRegistry, *, messages: Messages, markers: Markers) -> None:
    handlers = Messaging(messages, markers)
    registry.add(f.Send, handlers.send)
    registry.add(f.Read, handlers.read)
    registry.add(f.Delivered, handlers.delivered)


class Messaging:
    def __init__(self, messages: Messages, markers: Markers) -> None:
        self._messages = messages
        self._markers = markers

    def send(self, ctx: FrameContext, frame: f.Send) -> None:
        try:
            source = frame.forward_of
            forward_of = ForwardOf(source.conversation_id, source.seq) if source is not None else None
            future = self._messages.enqueue_send(ctx.actor, frame.conv, frame.id, frame.text, frame.reply_to,
                                                 forward_of, frame.attachments or None)
        except AxonError as exc:
            ctx.reply(error_frame(exc.code, exc.message, send_id=frame.id, details=exc.details or None))
            return
        send_id = frame.id
        future.add_done_callback(lambda done: _answer(ctx, send_id, done))

    def read(self, ctx: FrameContext, frame: f.Read) -> None:
        ctx.run(self._markers.mark_read(ctx.actor, frame.conv, frame.seq), frame.ref)

    def delivered(self, ctx: FrameContext, frame: f.Delivered) -> None:
        mine = {c: s for c, s in frame.convs.items() if ctx.follows(c) and isinstance(s, int)}
        if mine:
            self._markers.delivered(ctx.actor.user_id, mine)


def _answer(ctx: FrameContext, send_id: str, done: asyncio.Future[SendResult]) -> None:
    """The ``ack`` (or ``error``) of one send, sent with the others of its group commit."""
    if done.cancelled():
        return
    ctx.reply_soon(encode_frame(send_reply(send_id, done)))


def send_reply(send_id: str, done: asyncio.Future[SendResult]) -> ServerFrame:
    exc = done.exception()
    if exc is None:
        result = done.result()
        message = result.message
        return Ack(send_id, message.id, message.conversation_id, message.seq, message.created_at or "",
                   result.duplicate)
    if isinstance(exc, AxonError):
        return error_frame(exc.code, exc.message, send_id=send_id, details=exc.details or None)
    log.error("send failed", exc_info=exc)
    return error_frame("internal_error", "The message was not stored; retry.", send_id=send_id)
