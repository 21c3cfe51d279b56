"""Log in and out, sign up, own profile, own devices, the organisation, invite lookup."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from ..protocol.rest import (
    Device,
    InviteInfo,
    LoginChallenge,
    Org,
    PasswordStrength,
    Revoked,
    Session,
    SignupPending,
    User,
)
from .deps import BearerToken, CurrentActor, Svc, client_address, fast_json, user_agent
from .openapi import errors, returns, returns_one_of
from .schemas import ConfirmEmailBody, LoginBody, PasswordChangeBody, PasswordCheckBody, ProfileBody, SignupBody

router = APIRouter(tags=["account"])


@router.post("/auth/login", responses={**returns(Session, 400, 401, 403, 404, 422, 429),
                                       **returns(LoginChallenge, status=202)})
async def login(body: LoginBody, request: Request, svc: Svc) -> Response:
    """Log in with username or e-mail; creates a new device and returns its token (200), or, for an account
    with two-factor authentication (or one its organisation requires to enrol), a challenge for the next
    step (202)."""
    result = await svc.auth.login(body.login, body.password, body.org, body.device_name, client_address(request),
                                  user_agent(request))
    return _session_or_challenge(result, 200)


def _session_or_challenge(result: dict[str, Any], status: int) -> Response:
    if "challenge" in result:
        return fast_json(LoginChallenge(**result), 202)
    return fast_json(Session(**result), status)


@router.post("/auth/logout", status_code=204, responses=errors(401))
async def logout(actor: CurrentActor, svc: Svc) -> Response:
    """Revoke the calling device (its token stops working, its connections close)."""
    await svc.auth.logout(actor)
    return Response(status_code=204)


@router.post("/auth/signup", status_code=201, responses={
    **returns(Session, 400, 403, 404, 409, 410, 422, 429, 503, status=201),
    **returns_one_of((SignupPending, LoginChallenge), status=202)})
async def signup(body: SignupBody, request: Request, svc: Svc) -> Response:
    """Create an account through an invite link (201, signed in), or start an open sign-up for an allowed
    e-mail domain (202: a single-use confirmation link was mailed; the account exists once it is opened).
    When the organisation requires two-factor authentication, the new account answers 202 with an
    ``enrolment_required`` challenge instead of a session."""
    result = await svc.auth.signup(body.model_dump(), client_address(request), user_agent(request))
    if result.get("status") == "confirmation_sent":
        return fast_json(SignupPending(**result), 202)
    return _session_or_challenge(result, 201)


@router.post("/auth/password-strength", responses=returns(PasswordStrength, 400, 422, 429))
async def password_strength(body: PasswordCheckBody, request: Request, svc: Svc) -> Response:
    """How guessable a candidate password is (with the account's own words), for a strength meter.
    Public, like sign-up; nothing is stored or logged."""
    result = svc.auth.password_strength(body.password, client_address(request), body.username, body.display_name,
                                        body.email)
    return fast_json(PasswordStrength(result.score, result.acceptable, result.warning, result.suggestions))


@router.post("/auth/confirm-email", status_code=201, responses={
    **returns(Session, 400, 404, 409, 410, 422, status=201), **returns(LoginChallenge, status=202)})
async def confirm_email(body: ConfirmEmailBody, request: Request, svc: Svc) -> Response:
    """Open an e-mail confirmation link: the pending sign-up becomes the account, signed in on this device
    (or 202 ``enrolment_required`` when the organisation requires two-factor authentication)."""
    result = await svc.auth.confirm_email(body.token, body.device_name, user_agent(request), client_address(request))
    return _session_or_challenge(result, 201)


@router.post("/auth/wiped", status_code=204, responses=errors(401, 409))
async def confirm_wipe(token: BearerToken, svc: Svc) -> Response:
    """With the token of a device ordered to wipe (answers ``wipe_requested``, or close code 4004): the
    device cleared its local data. Accepted once; the token is then revoked for good."""
    await svc.devices.confirm_wipe(token)
    return Response(status_code=204)


@router.get("/invites/{token}", responses=returns(InviteInfo, 404))
async def invite_info(token: str, svc: Svc) -> Response:
    """Public: what an invite link leads to and whether it can still be used."""
    return fast_json(InviteInfo(**await svc.people.lookup_invite(token)))


@router.get("/me", responses=returns(User, 401))
async def me(actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.people.get_user(actor, actor.user_id))


@router.patch("/me", responses=returns(User, 400, 401, 422))
async def update_me(body: ProfileBody, actor: CurrentActor, svc: Svc) -> Response:
    """Change own profile; other devices get a ``profile.updated`` user event."""
    return fast_json(await svc.people.update_profile(actor, body.model_dump(exclude_unset=True)))


@router.post("/me/password", status_code=204, responses=errors(400, 401, 422, 429))
async def change_password(body: PasswordChangeBody, actor: CurrentActor, svc: Svc) -> Response:
    await svc.auth.change_password(actor, body.old_password, body.new_password)
    return Response(status_code=204)


@router.get("/me/devices", responses=returns(list[Device], 401))
async def my_devices(actor: CurrentActor, svc: Svc) -> Response:
    """Own devices (sign-ins), revoked and wiped ones included, oldest first; ``current`` marks the caller."""
    return fast_json(await svc.devices.list(actor))


@router.delete("/me/devices/{device_id}", status_code=204, responses=errors(401, 404))
async def revoke_my_device(device_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Revoke one of own devices: its token stops working and its connections close at once."""
    await svc.devices.revoke(actor, device_id)
    return Response(status_code=204)


@router.post("/me/devices/revoke-others", responses=returns(Revoked, 401))
async def revoke_my_other_devices(actor: CurrentActor, svc: Svc) -> Response:
    """Revoke every own device except the calling one."""
    return fast_json(Revoked(await svc.devices.revoke_others(actor)))


@router.post("/me/devices/{device_id}/wipe", responses=returns(Device, 401, 404, 409))
async def wipe_my_device(device_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Order one of own devices to wipe its local data (it is revoked at once and confirms the wipe when
    it hears of it: ``status`` goes from ``wipe_pending`` to ``wiped``)."""
    return fast_json(await svc.devices.order_wipe(actor, device_id))


@router.get("/org", responses=returns(Org, 401))
async def org(actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.people.get_org(actor))
