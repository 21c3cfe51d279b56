"""Calendar: events, answers, .ics files and each person's secret feed (docs/calendar.md)."""

from __future__ import annotations

from fastapi import APIRouter, Header, Request, Response

from ..protocol.rest_calendar import CalendarEvent, CalendarEvents, CalendarFeed
from .deps import CurrentActor, Svc, fast_json
from .openapi import errors, returns
from .schemas import CalendarEventBody, CalendarEventChangeBody, CalendarResponseBody

router = APIRouter(tags=["calendar"])
EVENT = "/calendar/events/{event_id}"
ICS = "text/calendar; charset=utf-8"
_ICS_ANSWER = {200: {"description": "iCalendar (RFC 5545) text",
                     "content": {"text/calendar": {"schema": {"type": "string", "format": "binary"}}}}}


@router.post("/calendar/events", status_code=201,
             responses=returns(CalendarEvent, 400, 401, 403, 404, 422, 429, status=201) | returns(CalendarEvent))
async def create_event(body: CalendarEventBody, actor: CurrentActor, svc: Svc,
                       idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> Response:
    """Plan an event (the caller organises it); with ``conversation_id`` its card is posted there in the
    same write. A retry with the same ``Idempotency-Key`` answers the event already made (200)."""
    event, created = await svc.calendar.create(actor, body.model_dump(exclude_none=True), idempotency_key)
    return fast_json(event, 201 if created else 200)


@router.get("/calendar/events", responses=returns(CalendarEvents, 400, 401))
async def list_events(actor: CurrentActor, svc: Svc, start: str | None = None, end: str | None = None) -> Response:
    """The caller's events (organised or invited to) overlapping [start, end), by start; cancelled ones too."""
    return fast_json(CalendarEvents(await svc.calendar.list(actor, start, end)))


@router.get(EVENT, responses=returns(CalendarEvent, 401, 404))
async def get_event(event_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.calendar.get(actor, event_id))


@router.patch(EVENT, responses=returns(CalendarEvent, 400, 401, 403, 404, 409, 422))
async def change_event(event_id: str, body: CalendarEventChangeBody, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.calendar.update(actor, event_id, body.model_dump(exclude_unset=True)))


@router.post(EVENT + "/cancel", responses=returns(CalendarEvent, 401, 403, 404))
async def cancel_event(event_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.calendar.cancel(actor, event_id))


@router.post(EVENT + "/response", responses=returns(CalendarEvent, 400, 401, 404, 409, 422))
async def respond(event_id: str, body: CalendarResponseBody, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.calendar.respond(actor, event_id, body.response))


@router.get(EVENT + "/ics", response_class=Response, responses={**_ICS_ANSWER, **errors(401, 404)})
async def event_ics(event_id: str, actor: CurrentActor, svc: Svc) -> Response:
    ics = await svc.calendar_feeds.event_ics(actor, event_id)
    return Response(ics, media_type=ICS, headers={"Content-Disposition": f'attachment; filename="{event_id}.ics"'})


def _feed_url(request: Request, svc: Svc, token: str | None) -> str | None:
    if token is None:
        return None
    base = (svc.settings.public_url or str(request.base_url)).rstrip("/")
    return f"{base}/api/v1/calendar/feed/{token}.ics"


@router.get("/calendar/feed", responses=returns(CalendarFeed, 401))
async def feed(request: Request, actor: CurrentActor, svc: Svc) -> Response:
    token, created_at = await svc.calendar_feeds.feed(actor)
    return fast_json(CalendarFeed(_feed_url(request, svc, token), created_at))


@router.post("/calendar/feed", responses=returns(CalendarFeed, 401))
async def new_feed(request: Request, actor: CurrentActor, svc: Svc) -> Response:
    """A new secret feed URL; an earlier one stops working."""
    token, created_at = await svc.calendar_feeds.new_feed(actor)
    return fast_json(CalendarFeed(_feed_url(request, svc, token), created_at))


@router.delete("/calendar/feed", responses=returns(CalendarFeed, 401))
async def revoke_feed(actor: CurrentActor, svc: Svc) -> Response:
    """Revoke the feed: its URL answers 404 from now on."""
    await svc.calendar_feeds.revoke_feed(actor)
    return fast_json(CalendarFeed(None, None))


@router.get("/calendar/feed/{token}.ics", response_class=Response, responses={**_ICS_ANSWER, **errors(404)})
async def feed_ics(token: str, svc: Svc) -> Response:
    """The feed itself, for calendar programs: no sign-in, the secret URL is the key."""
    return Response(await svc.calendar_feeds.feed_ics(token), media_type=ICS,
                    headers={"Cache-Control": "private, no-store"})
