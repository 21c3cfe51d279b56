"""The organisation's audit log for its admins: browse (newest first, filtered, paged) and export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from ..protocol.rest_audit import AuditPage
from ..services.audit_log import AuditQuery
from .deps import CurrentActor, Svc, fast_json
from .openapi import errors, returns

router = APIRouter(prefix="/admin/audit", tags=["admin"])

Since = Annotated[datetime | None, Query(description="Entries at or after this time (ISO 8601; UTC if no zone).")]
Until = Annotated[datetime | None, Query(description="Entries before this time (ISO 8601; UTC if no zone).")]
Action = Annotated[str | None, Query(max_length=64, description="An action (auth.login) or a prefix ending in a "
                                                                "dot (auth.).")]
ActorId = Annotated[str | None, Query(alias="actor", max_length=64, description="The acting user's id.")]
TargetId = Annotated[str | None, Query(alias="target", max_length=64, description="The target's id.")]
_MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


def _ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _query(action: str | None, actor: str | None, target: str | None, since: datetime | None,
           until: datetime | None) -> AuditQuery:
    return AuditQuery(action, actor, target, _ms(since), _ms(until))


@router.get("", responses=returns(AuditPage, 400, 401, 403, 422))
async def browse(actor: CurrentActor, svc: Svc, action: Action = None, actor_id: ActorId = None,
                 target: TargetId = None, since: Since = None, until: Until = None,
                 before: Annotated[int | None, Query(ge=1, le=2**62, description="next_before of the previous page.")]
                 = None, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Response:
    """The audit log of the caller's organisation, newest first (admins only)."""
    query = _query(action, actor_id, target, since, until)
    return fast_json(await svc.audit_log.page(actor, query, before, limit))


@router.get("/export", response_class=StreamingResponse, responses={
    200: {"description": "The matching entries, newest first, with prev_hash: JSON lines or CSV (UTF-8).",
          "content": {"application/x-ndjson": {"schema": {"type": "string", "format": "binary"}},
                      "text/csv": {"schema": {"type": "string", "format": "binary"}}}},
    **errors(400, 401, 403, 422)})
async def export(actor: CurrentActor, svc: Svc, format: Literal["jsonl", "csv"] = "jsonl",  # noqa: A002
                 action: Action = None, actor_id: ActorId = None, target: TargetId = None, since: Since = None,
                 until: Until = None) -> StreamingResponse:
    """Download the matching entries (admins only); the export is itself recorded (audit.exported)."""
    stream = await svc.audit_log.export(actor, _query(action, actor_id, target, since, until), format)
    name = f"audit-log.{format}"
    return StreamingResponse(stream, media_type=_MEDIA[format],
                             headers={"content-disposition": f'attachment; filename="{name}"'})
