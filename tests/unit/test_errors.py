"""The error tree: each error's HTTP status, wire code and body."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axon.domain import policy
from axon.domain.errors import (
    ERROR_CODES,
    AxonError,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    MessageTooLarge,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from axon.domain.model import Actor, Conversation, ConversationKind, MemberRole, Membership

ERRORS: list[tuple[type[AxonError], int, str]] = [
    (AxonError, 500, "internal_error"),
    (BadRequest, 400, "bad_request"),
    (ValidationFailed, 400, "validation_failed"),
    (MessageTooLarge, 413, "message_too_large"),
    (Unauthenticated, 401, "unauthenticated"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (Gone, 410, "gone"),
    (Unavailable, 503, "unavailable"),
]


@pytest.mark.parametrize(("cls", "status", "code"), ERRORS)
def test_each_error_has_its_status_and_code(cls: type[AxonError], status: int, code: str) -> None:
    error = cls("Something happened.")
    assert (error.status, error.code, error.message, str(error)) == (status, code, "Something happened.",
                                                                     "Something happened.")
    assert error.to_dict() == {"code": code, "message": "Something happened."}


def test_rate_limited_is_429_and_carries_the_wait() -> None:
    error = RateLimited("Slow down.", retry_after=2.5)
    assert (error.status, error.code, error.retry_after) == (429, "rate_limited", 2.5)
    assert error.to_dict() == {"code": "rate_limited", "message": "Slow down.", "details": {"retry_after": 2.5}}


@given(st.floats(0.0001, 3600, allow_nan=False))
def test_advertised_wait_is_never_shorter_than_the_real_one(retry_after: float) -> None:
    # A client that waits details.retry_after must not be refused again for retrying too early.
    advertised = RateLimited("Slow down.", retry_after=retry_after).to_dict()["details"]["retry_after"]
    assert advertised >= retry_after


def test_validation_and_size_errors_are_bad_requests() -> None:
    assert issubclass(ValidationFailed, BadRequest)
    assert issubclass(MessageTooLarge, BadRequest)
    assert all(issubclass(cls, AxonError) for cls, _, _ in ERRORS)


def test_details_are_included_when_given() -> None:
    error = ValidationFailed("name must not be empty.", field="name")
    assert error.to_dict() == {"code": "validation_failed", "message": "name must not be empty.",
                               "details": {"field": "name"}}


def test_a_specific_code_keeps_the_class_status_and_does_not_leak() -> None:
    error = Forbidden("The conversation is archived.", code="archived")
    assert (error.status, error.code) == (403, "archived")
    assert error.to_dict() == {"code": "archived", "message": "The conversation is archived."}
    assert Forbidden("No.").code == "forbidden"
    assert Forbidden.code == "forbidden"


@pytest.mark.parametrize(("cls", "status", "code"), ERRORS)
def test_every_class_code_is_described_in_the_catalogue(cls: type[AxonError], status: int, code: str) -> None:
    assert ERROR_CODES[code]


def test_codes_raised_by_the_domain_are_described_in_the_catalogue() -> None:
    me = Actor("u_me", "o_1", "d_me")
    archived = Conversation("c_1", "o_1", ConversationKind.GROUP, "", "", True, 0, "u_me", 0)
    with pytest.raises(Forbidden) as caught:
        policy.check_can_post(me, archived, Membership("c_1", "u_me", MemberRole.OWNER))
    assert caught.value.code in ERROR_CODES
