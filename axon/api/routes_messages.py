"""Messages, threads, reactions, pins, receipts, read markers and the event logs."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from ..protocol.codec import encode
from ..protocol.events import conversation_event_frame, join_frames, user_event_frame
from .deps import CurrentActor, Svc, fast_json
from .schemas import (
    EditBody,
    EventPage,
    Message,
    MessagePage,
    ReadBody,
    ReadMarker,
    Receipts,
    SendBody,
    SendResult,
    Thread,
    UserEventPage,
    errors,
)

router = APIRouter(tags=["messages"])
CONV = "/conversations/{conversation_id}"
MSG = CONV + "/messages/{message_id}"


@router.get(CONV + "/messages", response_model=MessagePage, responses=errors(401, 404, 422))
async def history(conversation_id: str, actor: CurrentActor, svc: Svc, before_seq: int | None = Query(None, ge=1),
                  limit: int = Query(50, ge=1, le=200)) -> Response:
    """Top-level messages before ``before_seq`` (newest page first; items ascending by seq)."""
    return fast_json(await svc.messages.history(actor, conversation_id, before_seq, limit))


@router.post(CONV + "/messages", response_model=SendResult, responses=errors(400, 401, 403, 404, 409, 413, 422))
async def send(conversation_id: str, body: SendBody, actor: CurrentActor, svc: Svc, response: Response) -> dict:
    """Send a message. Idempotent on ``client_msg_id``: a retry returns the stored message with
    ``duplicate: true``; the same id with different content is 409 ``idempotency_key_reused``.
    Returns only after the message is durably committed."""
    result = await svc.messages.send(actor, conversation_id, body.client_msg_id, body.text, body.reply_to)
    response.status_code = 200 if result.duplicate else 201
    return {"message": result.message, "duplicate": result.duplicate}


@router.get(MSG, response_model=Message, responses=errors(401, 404))
async def get_message(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> dict:
    return await svc.messages.get(actor, conversation_id, message_id)


@router.patch(MSG, response_model=Message, responses=errors(400, 401, 403, 404, 413, 422))
async def edit(conversation_id: str, message_id: str, body: EditBody, actor: CurrentActor, svc: Svc) -> dict:
    return await svc.messages.edit(actor, conversation_id, message_id, body.text)


@router.delete(MSG, status_code=204, responses=errors(401, 403, 404))
async def delete(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Delete a message: its text is erased and it stays as a tombstone at its seq."""
    await svc.messages.delete(actor, conversation_id, message_id)
    return Response(status_code=204)


@router.get(MSG + "/thread", response_model=Thread, responses=errors(401, 404))
async def thread(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.messages.thread(actor, conversation_id, message_id))


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


@router.get(CONV + "/pins", response_model=list[Message], responses=errors(401, 404))
async def pins(conversation_id: str, actor: CurrentActor, svc: Svc) -> list:
    return await svc.messages.pins(actor, conversation_id)


@router.get(MSG + "/receipts", response_model=Receipts, responses=errors(401, 403, 404))
async def receipts(conversation_id: str, message_id: str, actor: CurrentActor, svc: Svc) -> dict:
    """Who has read the message (minus those who opted out) and which members' devices have it."""
    return await svc.messages.receipts(actor, conversation_id, message_id)


@router.post(CONV + "/read", response_model=ReadMarker, responses=errors(401, 403, 404, 422))
async def mark_read(conversation_id: str, body: ReadBody, actor: CurrentActor, svc: Svc) -> dict:
    """Move the read marker forward (never back); other devices and members are told."""
    marker = await svc.markers.mark_read(actor, conversation_id, body.seq)
    return {"conversation_id": conversation_id, "read_seq": marker}


@router.get(CONV + "/events", response_model=EventPage, tags=["sync"], responses=errors(401, 404, 422))
async def events(conversation_id: str, actor: CurrentActor, svc: Svc, after_seq: int = Query(0, ge=0),
                 limit: int = Query(100, ge=1, le=1000)) -> Response:
    """The conversation's event log after ``after_seq``, in order: for gap filling and backfill."""
    page = await svc.sync.conversation_events(actor, conversation_id, after_seq, limit)
    items = join_frames(b"[", [conversation_event_frame(e) for e in page["items"]], b"]")
    head = encode({"last_seq": page["last_seq"], "next_after_seq": page["next_after_seq"]})
    return Response(head[:-1] + b',"items":' + items + b"}", media_type="application/json")


@router.get("/sync/user-events", response_model=UserEventPage, tags=["sync"], responses=errors(401, 422))
async def user_events(actor: CurrentActor, svc: Svc, after_seq: int = Query(0, ge=0),
                      limit: int = Query(100, ge=1, le=1000)) -> Response:
    items = await svc.sync.user_events(actor, after_seq, limit)
    body = join_frames(b'{"items":[', [user_event_frame(e) for e in items], b"]}")
    return Response(body, media_type="application/json")
