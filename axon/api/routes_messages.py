"""Messages, threads, reactions, pins, receipts, read markers and the event logs."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import APIRouter, Query, Response
from fastapi.exceptions import RequestValidationError

from ..domain.events import ConversationEvent, UserEvent
from ..domain.sequence import MAX_SEQ
from ..protocol.rest import (
    EventPage,
    Message,
    MessagePage,
    ReadMarker,
    Receipts,
    SendResult,
    Thread,
    UserEventPage,
)
from ..protocol.server import event_frame, user_event_frame
from ..services.messages import ForwardOf
from .deps import CurrentActor, Svc, fast_json
from .openapi import errors, returns
from .schemas import EditBody, ReadBody, SendBody

router = APIRouter(tags=["messages"])
CONV = "/conversations/{conversation_id}"
MSG = CONV + "/messages/{message_id}"


@router.get(CONV + "/messages", responses=returns(MessagePage, 401, 404, 422))
async def history(conversation_id: str, actor: CurrentActor, svc: Svc,
                  before_seq: int | None = Query(None, ge=1, le=MAX_SEQ),
                  after_seq: int | None = Query(None, ge=0, le=MAX_SEQ),
                  around_seq: int | None = Query(None, ge=1, le=MAX_SEQ),
                  limit: int = Query(50, ge=1, le=200)) -> Response:
    """Top-level messages, items ascending by seq: before ``before_seq`` (the newest page without any
    of the three), after ``after_seq`` (paging forward), or around ``around_seq`` (about half before,
    the rest from it on; a thread reply's seq centres on its root). At most one of the three."""
    if sum(v is not None for v in (before_seq, after_seq, around_seq)) > 1:
        raise RequestValidationError([{"loc": ("query", "around_seq"), "type": "value_error",
                                       "msg": "Give at most one of before_seq, after_seq and around_seq."}])
    messages = svc.messages
    if around_seq is not None:
        page = await messages.history_around(actor, conversation_id, around_seq, limit)
    elif after_seq is not None:
        page = await messages.history_after(actor, conversation_id, after_seq, limit)
    else:
        page = await messages.history(actor, conversation_id, before_seq, limit)
    return fast_json(MessagePage(**page))


@router.post(CONV + "/messages", status_code=201,
             responses=returns(SendResult, 400, 401, 403, 404, 409, 413, 422, status=201) | returns(SendResult))
async def send(conversation_id: str, body: SendBody, actor: CurrentActor, svc: Svc) -> Response:
    """Send a message. Idempotent on ``client_msg_id``: a retry returns the stored message with
    ``duplicate: true``; the same id with different content is 409 ``idempotency_key_reused``.
    Returns only after the message is durably committed."""
    source = body.forward_of
    forward_of = ForwardOf(source.conversation_id, source.seq) if source is not None else None
    result = await svc.messages.send(actor, conversation_id, body.client_msg_id, body.text, body.reply_to, forward_of,
                                     body.attachments or None, preview=body.preview)
    answer = SendResult(result.message, result.duplicate)
    return fast_json(answer, 200 if result.duplicate else 201)


@router.get(MSG, responses=returns(Message, 401, 404))
async def get_message(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.messages.get(actor, conversation_id, message_id))


@router.patch(MSG, responses=returns(Message, 400, 401, 403, 404, 413, 422))
async def edit(conversation_id: str, message_id: str, body: EditBody, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.messages.edit(actor, conversation_id, message_id, body.text))


@router.delete(MSG, status_code=204, responses=errors(401, 403, 404))
async def delete(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Delete a message: its text is erased and it stays as a tombstone at its seq."""
    await svc.messages.delete(actor, conversation_id, message_id)
    return Response(status_code=204)


@router.get(MSG + "/thread", responses=returns(Thread, 401, 404))
async def thread(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(Thread(**await svc.messages.thread(actor, conversation_id, message_id)))


@router.put(MSG + "/reactions/{emoji}", status_code=204, responses=errors(400, 401, 403, 404))
async def react(conversation_id: str, message_id: str, emoji: str, actor: CurrentActor, svc: Svc) -> Response:
    await svc.messages.react(actor, conversation_id, message_id, emoji, add=True)
    return Response(status_code=204)


@router.delete(MSG + "/reactions/{emoji}", status_code=204, responses=errors(400, 401, 403, 404))
async def unreact(conversation_id: str, message_id: str, emoji: str, actor: CurrentActor, svc: Svc) -> Response:
    await svc.messages.react(actor, conversation_id, message_id, emoji, add=False)
    return Response(status_code=204)


@router.put(MSG + "/pin", status_code=204, responses=errors(401, 403, 404))
async def pin(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    await svc.messages.pin(actor, conversation_id, message_id, pinned=True)
    return Response(status_code=204)


@router.delete(MSG + "/pin", status_code=204, responses=errors(401, 403, 404))
async def unpin(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    await svc.messages.pin(actor, conversation_id, message_id, pinned=False)
    return Response(status_code=204)


@router.get(CONV + "/pins", responses=returns(list[Message], 401, 404))
async def pins(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.messages.pins(actor, conversation_id))


@router.get(MSG + "/receipts", responses=returns(Receipts, 401, 403, 404))
async def receipts(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Who has read the message (minus those who opted out) and which members' devices have it."""
    return fast_json(Receipts(**await svc.messages.receipts(actor, conversation_id, message_id)))


@router.post(CONV + "/read", responses=returns(ReadMarker, 401, 403, 404, 422))
async def mark_read(conversation_id: str, body: ReadBody, actor: CurrentActor, svc: Svc) -> Response:
    """Move the read marker forward (never back); other devices and members are told."""
    marker = await svc.markers.mark_read(actor, conversation_id, body.seq)
    return fast_json(ReadMarker(conversation_id, marker))


@router.get(CONV + "/events", tags=["sync"], responses=returns(EventPage, 401, 404, 422))
async def events(conversation_id: str, actor: CurrentActor, svc: Svc,
                 after_seq: int = Query(0, ge=0, le=MAX_SEQ), limit: int = Query(100, ge=1, le=1000),
                 before_seq: int | None = Query(None, ge=1, le=MAX_SEQ),
                 types: str = Query("", max_length=500)) -> Response:
    """The conversation's event log after ``after_seq`` (and before ``before_seq``), in order: for gap
    filling and backfill. ``types`` (comma-separated) keeps only those event types, e.g. the
    membership events a client shows between a history page's messages."""
    wanted = tuple(t for t in (part.strip() for part in types.split(",")) if t)
    page = await svc.sync.conversation_events(actor, conversation_id, after_seq, limit, before_seq, wanted)
    return fast_json(conversation_event_page(page))


@router.get("/sync/user-events", tags=["sync"], responses=returns(UserEventPage, 401, 422))
async def user_events(actor: CurrentActor, svc: Svc, after_seq: int = Query(0, ge=0, le=MAX_SEQ),
                      limit: int = Query(100, ge=1, le=1000)) -> Response:
    return fast_json(user_event_page(await svc.sync.user_events(actor, after_seq, limit)))


def conversation_event_page(page: dict[str, Any]) -> EventPage:
    """The page's events as the very ``event`` frames live delivery sends (their stored data spliced in)."""
    items: list[ConversationEvent] = page["items"]
    return EventPage(page["last_seq"], page["next_after_seq"], [msgspec.Raw(event_frame(e)) for e in items])


def user_event_page(items: list[UserEvent]) -> UserEventPage:
    return UserEventPage([msgspec.Raw(user_event_frame(e)) for e in items])
