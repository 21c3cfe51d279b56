"""REST bodies are the shapes of protocol/rest.py: one error body with the WebSocket, and /openapi.json
describes every route's answer and errors from those same shapes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI

from axon.api.errors import error_response
from axon.api.http import create_app
from axon.protocol import rest, server
from axon.protocol.codec import encode


@asynccontextmanager
async def _no_lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app(_no_lifespan).openapi()


@pytest.mark.parametrize(("code", "message", "details"), [
    ("forbidden", "No.", None), ("rate_limited", "Slow down.", {"retry_after": 1.5}), ("not_found", "Ø ✓", {}),
])
def test_the_error_body_is_the_same_over_rest_and_websocket(code: str, message: str,
                                                            details: dict[str, Any] | None) -> None:
    over_rest = json.loads(bytes(error_response(404, code, message, details).body))
    over_ws = json.loads(server.encode_frame(server.error_frame(code, message, details=details)))
    assert set(over_rest) == {"error"}
    assert over_rest["error"] == over_ws["error"]


def test_the_published_error_model_is_the_error_body(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["ErrorResponse"]["properties"] == {"error": {"$ref": "#/components/schemas/ErrorBody"}}
    assert set(schemas["ErrorBody"]["properties"]) == set(server.ErrorBody.__struct_fields__)
    assert schemas["ErrorBody"]["required"] == ["code", "message"]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, methods in spec["paths"].items() for method, op in methods.items()]


def test_every_route_documents_its_answer_and_its_errors(spec: dict[str, Any]) -> None:
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for path, method, op in _operations(spec):
        responses = op["responses"]
        success = [s for s in responses if s[0] in "23"]  # a redirect (the OIDC callback) answers 303
        assert success, f"{method} {path}"
        for status in [s for s in success if s.startswith("2")]:
            content = responses[status].get("content", {})
            if status != "204" and "application/json" not in content:  # a binary answer (an avatar)
                assert content and all(c["schema"]["format"] == "binary" for c in content.values()), path
            elif status != "204":
                schema = content["application/json"]["schema"]
                shapes = schema.get("oneOf", [schema])  # one status may answer one of several shapes
                assert all(s.get("$ref") or s.get("items") for s in shapes), f"{method} {path} {status} has no shape"
        errors = [s for s in responses if s[0] in "45"]
        assert errors, f"{method} {path} documents no error"
        # FastAPI adds its own "Validation Error" 422 to routes with parameters that do not document one.
        documented = [s for s in errors if responses[s]["description"] != "Validation Error"]
        assert all(responses[s]["content"]["application/json"]["schema"] == error_ref for s in documented), path


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    names = set(spec["components"]["schemas"])
    text = json.dumps(spec)
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
    assert refs <= names, refs - names
    assert {type_.__name__ for type_ in rest.SHAPES} <= names


def test_event_pages_are_documented_as_lists_of_event_frames(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["EventPage"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Event"}
    assert schemas["UserEventPage"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/UserEventFrame"}
    assert schemas["Event"]["properties"]["data"] == {"type": "object"}


def test_a_shape_encodes_every_field_in_order_nulls_included() -> None:
    device = rest.Device("d_1", "phone", None, None, None, current=True, platform="", last_address="",
                         status="active", wipe_requested_at=None, wiped_at=None)
    assert encode(device) == (b'{"id":"d_1","name":"phone","created_at":null,"last_seen_at":null,'
                              b'"revoked_at":null,"current":true,"platform":"","last_address":"",'
                              b'"status":"active","wipe_requested_at":null,"wiped_at":null}')


def test_a_shape_reads_by_key_like_the_former_dict_views() -> None:
    org = rest.Org("o_1", "Acme", "acme", [], None)
    assert (org["id"], org["slug"]) == ("o_1", "acme")
    with pytest.raises(KeyError):
        org["nope"]
