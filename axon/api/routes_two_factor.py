"""Two-factor authentication: the second step of a sign-in, enrolment, recovery codes, an admin's reset."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..protocol.rest import EnrolledSession, RecoveryCodes, Session, TotpEnrolment, TwoFactorStatus
from .deps import CurrentActor, Svc, client_address, fast_json, user_agent
from .openapi import errors, returns
from .schemas import (
    DisableTwoFactorBody,
    EnrolChallengeBody,
    EnrolConfirmChallengeBody,
    PasswordConfirmBody,
    SecondFactorBody,
    TotpCodeBody,
)

router = APIRouter(tags=["two-factor"])


@router.post("/auth/login/second-factor", responses=returns(Session, 400, 401, 422, 429))
async def second_factor(body: SecondFactorBody, request: Request, svc: Svc) -> Response:
    """Complete a sign-in that answered 202 ``second_factor_required``: a TOTP code (each works once) or an
    unused recovery code. Wrong codes are limited per account (429 with Retry-After)."""
    session = await svc.auth.complete_second_factor(body.challenge, body.code, body.device_name,
                                                    client_address(request), user_agent(request))
    return fast_json(Session(**session))


@router.post("/auth/two-factor/enrol", responses=returns(TotpEnrolment, 400, 401, 409, 422))
async def enrol_at_sign_in(body: EnrolChallengeBody, svc: Svc) -> Response:
    """The organisation requires 2FA (login answered 202 ``enrolment_required``): a new secret to scan."""
    return fast_json(TotpEnrolment(**await svc.auth.begin_enrolment(body.challenge)))


@router.post("/auth/two-factor/enrol/confirm", status_code=201,
             responses=returns(EnrolledSession, 400, 401, 409, 422, 429, status=201))
async def confirm_enrolment_at_sign_in(body: EnrolConfirmChallengeBody, request: Request, svc: Svc) -> Response:
    """A valid code from the new app turns 2FA on and completes the sign-in (recovery codes shown once)."""
    result = await svc.auth.complete_enrolment(body.challenge, body.code, body.device_name, client_address(request),
                                               user_agent(request))
    return fast_json(EnrolledSession(Session(**result["session"]), result["recovery_codes"]), 201)


@router.get("/me/two-factor", responses=returns(TwoFactorStatus, 401))
async def my_status(actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(TwoFactorStatus(**await svc.auth.two_factor.status(actor)))


@router.post("/me/two-factor/totp", responses=returns(TotpEnrolment, 401, 409))
async def begin_totp(actor: CurrentActor, svc: Svc) -> Response:
    """Start enrolling an authenticator app (each call makes a new secret; 409 if 2FA is already on)."""
    return fast_json(TotpEnrolment(**await svc.auth.two_factor.begin_totp(actor.user_id)))


@router.post("/me/two-factor/totp/confirm", responses=returns(RecoveryCodes, 400, 401, 403, 409, 422, 429))
async def confirm_totp(body: TotpCodeBody, actor: CurrentActor, svc: Svc) -> Response:
    """Turn 2FA on with a code from the app; answers 10 single-use recovery codes, shown only here."""
    return fast_json(RecoveryCodes(await svc.auth.two_factor.confirm_totp(actor.user_id, body.code, by=actor)))


@router.post("/me/two-factor/recovery-codes", responses=returns(RecoveryCodes, 400, 401, 403, 409, 422, 429))
async def regenerate_recovery_codes(body: PasswordConfirmBody, actor: CurrentActor, svc: Svc) -> Response:
    """New recovery codes with the password; the old ones stop working."""
    return fast_json(RecoveryCodes(await svc.auth.two_factor.regenerate_recovery_codes(actor, body.password)))


@router.post("/me/two-factor/disable", status_code=204, responses=errors(400, 401, 403, 409, 422, 429))
async def disable(body: DisableTwoFactorBody, actor: CurrentActor, svc: Svc) -> Response:
    """Turn 2FA off with the password and a code (403 ``two_factor_required`` if the organisation requires it)."""
    await svc.auth.two_factor.disable(actor, body.password, body.code)
    return Response(status_code=204)


@router.get("/admin/users/{user_id}/two-factor", tags=["admin"], responses=returns(TwoFactorStatus, 401, 403, 404))
async def user_status(user_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(TwoFactorStatus(**await svc.auth.two_factor.status(actor, user_id)))


@router.delete("/admin/users/{user_id}/two-factor", tags=["admin"], status_code=204,
               responses=errors(401, 403, 404, 409))
async def reset_user(user_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Lost phone: remove the user's second factors and revoke all their devices (they enrol again)."""
    await svc.auth.two_factor.admin_reset(actor, user_id)
    return Response(status_code=204)
