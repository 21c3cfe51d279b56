"""The REST shapes of ``protocol/rest.py`` in ``/openapi.json``.

Routes answer with msgspec-encoded shapes (no FastAPI ``response_model``), so
each route declares its documented answers with ``returns`` and ``errors``,
which point at the shapes' JSON schemas; ``install`` adds those schemas to the
document's components. Request bodies stay pydantic models (``schemas.py``).
"""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import FastAPI

from ..protocol.rest import SHAPES, ErrorResponse
from ..protocol.rest_ai import AI_SHAPES
from ..protocol.rest_ai_events import EVENT_HINT_SHAPES
from ..protocol.rest_ai_replies import REPLY_SHAPES
from ..protocol.rest_audit import AUDIT_SHAPES
from ..protocol.rest_calendar import CALENDAR_SHAPES
from ..protocol.rest_reminders import REMINDER_SHAPES
from ..protocol.rest_search import SEARCH_SHAPES
from ..protocol.rest_security import SECURITY_SHAPES

_REF = "#/components/schemas/{name}"
_ERROR_TEXT = {400: "Invalid input", 401: "Not authenticated", 403: "Not allowed", 404: "Not found or not visible",
               409: "Conflict", 410: "Gone", 413: "Too large",
               416: "Range not satisfiable", 422: "Invalid input", 429: "Rate limited",
               500: "Server error; nothing was applied", 502: "Bad gateway: an endpoint failed",
               503: "Not ready", 504: "Gateway timeout: an endpoint did not answer in time"}

Responses = dict[int | str, dict[str, Any]]


def schema_of(shape: Any) -> dict[str, Any]:
    """The JSON schema of ``shape`` (a shape, or a list of them), referring to the published components."""
    (schema,), _ = msgspec.json.schema_components([shape], ref_template=_REF)
    return schema


def components() -> dict[str, Any]:
    """Every REST shape's schema, by name (the ``ErrorBody`` of ``protocol.server`` among them)."""
    every = (SHAPES + AUDIT_SHAPES + SECURITY_SHAPES + CALENDAR_SHAPES + SEARCH_SHAPES + EVENT_HINT_SHAPES + AI_SHAPES
             + REPLY_SHAPES + REMINDER_SHAPES)
    _, schemas = msgspec.json.schema_components(every, ref_template=_REF)
    return schemas


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*statuses: int) -> Responses:
    """The documented error answers of a route: each is an ``ErrorResponse``."""
    ref = schema_of(ErrorResponse)
    return {status: _json(ref, _ERROR_TEXT[status]) for status in statuses}


def returns(shape: Any, *error_statuses: int, status: int = 200) -> Responses:
    """The documented answers of a route: ``shape`` on success, an ``ErrorResponse`` for each error status."""
    return {status: _json(schema_of(shape), "Successful Response"), **errors(*error_statuses)}


def returns_one_of(shapes: tuple[Any, ...], status: int) -> Responses:
    """One status that answers one of several shapes (told apart by their fields)."""
    return {status: _json({"oneOf": [schema_of(s) for s in shapes]}, "Successful Response")}


def install(app: FastAPI) -> None:
    """Have ``app.openapi()`` publish the shapes the routes refer to."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            document.setdefault("components", {}).setdefault("schemas", {}).update(components())
            _document_malformed_input(document)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def _document_malformed_input(document: dict[str, Any]) -> None:
    """Add the answers every route shares to the routes they apply to, rather than repeating them on each.

    A body that is not JSON at all is 400 ``bad_request``, one over the size limit 413
    ``body_too_large`` (``api/errors.py``, ``api/body_limit.py``), and a paging cursor the server
    did not issue is 400 ``validation_failed`` (``domain/cursors.py``), and a NUL character in a
    path or query parameter is 400 ``bad_request`` (``api/nul_guard.py``), whatever the route.
    """
    error = schema_of(ErrorResponse)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                responses.setdefault("400", _json(error, _ERROR_TEXT[400]))
                responses.setdefault("413", _json(error, _ERROR_TEXT[413]))
            if operation.get("parameters"):  # a cursor, or any parameter that may carry a NUL
                responses.setdefault("400", _json(error, _ERROR_TEXT[400]))
