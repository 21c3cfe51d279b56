"""Single sign-on: the sign-in page's options, the OpenID Connect round trip, and Admin › Sign-in."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from ..protocol.rest import Session
from ..protocol.rest_security import LdapTestResult, OidcStart, SignInOptions, SsoSettings, SyncSummary
from .deps import CurrentActor, Svc, client_address, fast_json, user_agent
from .openapi import errors, returns
from .schemas import LdapSettingsBody, OidcFinishBody, OidcSettingsBody, OidcStartBody, SsoPolicyBody

router = APIRouter(tags=["sso"])


@router.get("/auth/sso/options", responses=returns(SignInOptions, 400, 404, 422))
async def sign_in_options(svc: Svc, org: str | None = None) -> Response:
    """Public: how people of ``org`` sign in (without ``org``: the server's only organisation, if it has one)."""
    return fast_json(await svc.sso_settings.sign_in_options(org))


@router.post("/auth/oidc/start", responses=returns(OidcStart, 404, 422, 429, 503))
async def oidc_start(body: OidcStartBody, request: Request, svc: Svc) -> Response:
    """Start an OpenID Connect sign-in: send the browser to ``authorization_url``."""
    url = await svc.sso_login.start(body.org, body.binding, client_address(request))
    return fast_json(OidcStart(url))


@router.get("/auth/oidc/callback", status_code=303, response_class=RedirectResponse, responses={
    303: {"description": "On to the web client (#/sso/<state>), which finishes the sign-in."}, **errors(400, 422)})
async def oidc_callback(request: Request, svc: Svc, state: str = "", code: str | None = None,
                        error: str | None = None) -> Response:
    """Where the provider sends the browser back (the redirect URI to register with it)."""
    known = await svc.sso_login.callback(state[:128], code, error, client_address(request))
    target = f"/#/sso/{quote(known, safe='')}" if known else "/#/sso-failed/sso_state_invalid"
    return RedirectResponse(target, status_code=303)


@router.post("/auth/oidc/finish", status_code=201, responses=returns(Session, 401, 403, 422, status=201))
async def oidc_finish(body: OidcFinishBody, request: Request, svc: Svc) -> Response:
    """Take a completed sign-in (once, with the binding given to /auth/oidc/start): a new device's token."""
    user = await svc.sso_login.finish(body.state, body.binding)
    session = await svc.auth.new_session(user, body.device_name, "oidc", client_address(request), user_agent(request))
    return fast_json(Session(**session), 201)


@router.get("/admin/sso", responses=returns(SsoSettings, 401, 403))
async def sso_settings(actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.sso_settings.view(actor))


@router.put("/admin/sso/ldap", responses=returns(SsoSettings, 400, 401, 403, 422))
async def put_ldap(body: LdapSettingsBody, actor: CurrentActor, svc: Svc) -> Response:
    """Save the LDAP settings (``bind_password`` null keeps the stored one; it is never returned)."""
    return fast_json(await svc.sso_settings.put_ldap(actor, body.model_dump()))


@router.post("/admin/sso/ldap/test", responses=returns(LdapTestResult, 400, 401, 403, 422))
async def test_ldap(body: LdapSettingsBody, actor: CurrentActor, svc: Svc) -> Response:
    """Try settings against the directory before (or after) saving them: bind, search, read the groups."""
    return fast_json(await svc.sso_settings.test_ldap(actor, body.model_dump()))


@router.post("/admin/sso/ldap/sync", responses=returns(SyncSummary, 401, 403, 409, 503))
async def sync_ldap(actor: CurrentActor, svc: Svc) -> Response:
    """Sync with the directory now: names and e-mails follow it; people gone from it are disabled."""
    return fast_json(await svc.directory_sync.sync_now(actor))


@router.put("/admin/sso/oidc", responses=returns(SsoSettings, 400, 401, 403, 409, 422))
async def put_oidc(body: OidcSettingsBody, actor: CurrentActor, svc: Svc) -> Response:
    """Save the OpenID Connect provider (``client_secret`` null keeps the stored one; it is never returned)."""
    return fast_json(await svc.sso_settings.put_oidc(actor, body.model_dump()))


@router.delete("/admin/sso/{kind}", responses=returns(SsoSettings, 401, 403, 404))
async def delete_provider(kind: str, actor: CurrentActor, svc: Svc) -> Response:
    """Forget the LDAP (``ldap``) or OpenID Connect (``oidc``) settings; linked accounts stay."""
    return fast_json(await svc.sso_settings.delete(actor, kind))


@router.put("/admin/sso/policy", responses=returns(SsoSettings, 400, 401, 403, 409, 422))
async def put_policy(body: SsoPolicyBody, actor: CurrentActor, svc: Svc) -> Response:
    """Require single sign-on for members (admins keep their password as the break-glass way in)."""
    return fast_json(await svc.sso_settings.set_required(actor, body.sso_required))
